"""No request makes more than a few API calls, however large the account's groups.

Work that grows with a group (deleting one, restoring one, undoing many changes) runs as a
background job; a request only reads a page or two and starts it. This walks every view of
the application, each step as a person takes it, against an account with a group of
BIG_GROUP contacts (ten pages of the API's largest page), and counts the calls each request
makes to the sandbox. The jobs the requests start are not run here (the worker would make
their calls, not the request); those that start run in `run_worker()` between steps where
a later step needs what they did.
"""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.urls import get_resolver

from contacts_ui.models import HistoryEntry, Job
from contacts_ui.sandbox.models import Contact, Group, Membership
from tests.helpers import form_values, make_contact
from tests.import_files import MAPPING, _upload
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Ten pages of 500: a view that reads a group page by page, or a member at a time, is over.
BIG_GROUP = 5_000
MOST_CALLS_A_REQUEST = 8

# The one view allowed to read page after page: the export streams the list a page at a
# time as the browser downloads it, so that no copy of the address book is ever stored.
STREAMED = {"contacts_ui:contact_export"}


@pytest.fixture
def account(alice_account):
    """A group of BIG_GROUP contacts, a small group, two duplicates and an empty group."""
    big = Group.objects.create(account=alice_account, name="Wszyscy")
    small = Group.objects.create(account=alice_account, name="Zarząd")
    Group.objects.create(account=alice_account, name="zarzad")
    Group.objects.create(account=alice_account, name="Pusta")
    contacts = [
        Contact(
            account=alice_account,
            phone=f"+4860{n:07d}",
            first_name=f"Osoba{n}",
            last_name="Testowa",
        )
        for n in range(BIG_GROUP)
    ]
    for contact in contacts:
        contact.refresh_search_text()
    Contact.objects.bulk_create(contacts, batch_size=1000)
    contacts = Contact.objects.filter(account=alice_account).order_by("id")
    Membership.objects.bulk_create(
        [Membership(contact=contact, group=big) for contact in contacts], batch_size=1000
    )
    make_contact(alice_account, "+48500600701", groups=[small], first_name="Jan", last_name="Nowak")
    make_contact(alice_account, "+48500600701", first_name="Jan", last_name="Nowak")
    make_contact(alice_account, "+48500600702", first_name="Bez", last_name="Grupy")
    return {"big": big, "small": small}


class Walk:
    """A person's requests, each with the API calls it made."""

    def __init__(self, client, wire):
        self.client = client
        self.wire = wire
        self.calls: dict[str, int] = {}
        self.visited: set[str] = set()

    def _count(self, label: str, url_name: str, send):
        before = len(self.wire)
        response = send()
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        assert response.status_code < 500, label
        self.calls[label] = max(self.calls.get(label, 0), len(self.wire) - before)
        self.visited.add(url_name)
        return response

    def get(self, url_name: str, url: str, label: str = "", **kwargs):
        label = label or f"GET {url_name}"
        return self._count(label, url_name, lambda: self.client.get(url, **kwargs))

    def post(self, url_name: str, url: str, data=None, label: str = "", **kwargs):
        label = label or f"POST {url_name}"
        return self._count(label, url_name, lambda: self.client.post(url, data or {}, **kwargs))


HTMX = {"HX-Request": "true"}


def _walk(walk: Walk, account) -> None:
    big, small = account["big"], account["small"]
    members = Contact.objects.filter(groups=big).order_by("id")
    one = members[0]

    # The lists and pages a person reads.
    walk.get("contacts_ui:home", "/")
    list_url = f"/contacts/?g={big.id}"
    walk.get("contacts_ui:contact_list", list_url)
    walk.get("contacts_ui:contact_list", f"{list_url}&p=5", "GET list, htmx", headers=HTMX)
    walk.get("contacts_ui:contact_count", f"/contacts/count/?g={big.id}")
    total_url = f"/contacts/total/?g={big.id}&pages=100"
    walk.get("contacts_ui:contact_total", total_url, headers=HTMX)
    # Filtered by the blacklist flag, which the API cannot do: a few reads look through it.
    walk.get("contacts_ui:contact_list", "/contacts/?b=yes", "GET list, blacklist filter")
    walk.get("contacts_ui:find_by_phone", f"/find/?phone={one.phone}")
    walk.get("contacts_ui:group_list", "/groups/")
    walk.get("contacts_ui:contact_export", f"/contacts/export.csv?g={big.id}")
    walk.post("contacts_ui:contact_columns", "/contacts/columns/", {"col": ["email"]})
    walk.post("contacts_ui:contact_page_size", "/contacts/page-size/", {"n": "100"})
    page = walk.get("contacts_ui:credentials", "/settings/credentials/").content.decode()
    values = {**form_values(page, "credentials-form"), "secret": "alice-token"}
    walk.post("contacts_ui:credentials", "/settings/credentials/", values)
    walk.get("contacts_ui:jsi18n", "/jsi18n/")
    walk.get("contacts_ui:diagnostics", "/settings/diagnostics/")

    # One contact: added, changed, deleted.
    page = walk.get("contacts_ui:contact_add", "/contacts/add/").content.decode()
    values = form_values(page, "contact-form")
    values |= {"phone": ["+48500600799"], "first_name": ["Nowa"], "group_id": [big.id, small.id]}
    walk.post("contacts_ui:contact_add", "/contacts/add/", values)
    change_url = f"/contacts/{one.id}/change/"
    page = walk.get("contacts_ui:contact_change", change_url).content.decode()
    values = {**form_values(page, "contact-form"), "city": ["Gdańsk"]}
    walk.post("contacts_ui:contact_change", change_url, values)
    walk.get("contacts_ui:contact_delete", f"/contacts/{members[1].id}/delete/")
    walk.post("contacts_ui:contact_delete", f"/contacts/{members[1].id}/delete/")
    walk.post("contacts_ui:contact_delete_row", f"/contacts/{members[2].id}/delete/row/")

    # The blacklist: a contact's number stopped, a number added and taken off, the list.
    blacklist_url = f"/contacts/{members[3].id}/blacklist/"
    walk.get("contacts_ui:contact_blacklist", blacklist_url)
    walk.post("contacts_ui:contact_blacklist", blacklist_url, {"listed": "yes"})
    walk.post("contacts_ui:blacklist_add", "/blacklist/add/", {"phone": "500 600 799"})
    walk.get("contacts_ui:blacklist", "/blacklist/?q=600")
    walk.get("contacts_ui:blacklist_remove", "/blacklist/remove/?phone=%2B48500600799")
    walk.post("contacts_ui:blacklist_remove", "/blacklist/remove/", {"phone": "+48500600799"})

    # Bulk actions: on every contact of the big group (a job), and on ten ticked rows.
    page = walk.client.get(list_url).content.decode()
    values = {**form_values(page, "changelist-form"), "action": ["add_to_group"]}
    confirmation = walk.post(
        "contacts_ui:contact_action",
        "/contacts/action/",
        {**values, "select_across": ["1"]},
        "POST action, confirmation",
    )
    values = {**form_values(confirmation.content.decode(), "action-confirm")}
    values["group_id"] = [small.id]
    walk.post("contacts_ui:contact_action", "/contacts/action/", values, "POST action, across")
    run_worker()
    page = walk.client.get(list_url).content.decode()
    values = {**form_values(page, "changelist-form"), "action": ["add_to_group"]}
    shown = re.findall(r'name="_selected_action" value="(\d+)"', page)
    values["_selected_action"] = shown[:10]
    confirmation = walk.client.post("/contacts/action/", values)
    values = {**form_values(confirmation.content.decode(), "action-confirm")}
    values["group_id"] = [Group.objects.get(name="zarzad").id]
    walk.post("contacts_ui:contact_action", "/contacts/action/", values, "POST action, ten rows")
    run_worker()
    # Messages to ten ticked rows' numbers stopped, then allowed again.
    for action in ("blacklist_add", "blacklist_remove"):
        values = {**form_values(page, "changelist-form"), "action": [action]}
        values["_selected_action"] = shown[:10]
        confirmation = walk.client.post("/contacts/action/", values)
        values = form_values(confirmation.content.decode(), "action-confirm")
        walk.post("contacts_ui:contact_action", "/contacts/action/", values, f"POST {action}")
        run_worker()
    bulk = Job.objects.latest("created_at")
    walk.get("contacts_ui:job_list", "/jobs/")
    walk.get("contacts_ui:job_detail", f"/jobs/{bulk.pk}/")
    walk.post("contacts_ui:job_retry", f"/jobs/{bulk.pk}/retry/")
    walk.get("contacts_ui:history_list", "/history/")
    undo_url = f"/history/batch/{bulk.batch}/undo/"
    page = walk.get("contacts_ui:batch_undo", undo_url).content.decode()
    walk.post("contacts_ui:batch_undo", undo_url, form_values(page, "batch-undo-form"))

    # Cleanup: the scan is a job; the reviews read what they name.
    walk.get("contacts_ui:cleanup", "/cleanup/")
    walk.post("contacts_ui:cleanup_scan", "/cleanup/scan/")
    run_worker()
    walk.get("contacts_ui:cleanup", "/cleanup/", "GET cleanup, scanned")
    twins = Contact.objects.filter(phone="+48500600701").order_by("id")
    merge_url = f"/cleanup/contacts/merge/?id={twins[0].id}&id={twins[1].id}"
    walk.get("contacts_ui:cleanup_merge_contacts", merge_url)
    confirm = walk.get("contacts_ui:cleanup_merge_contacts", f"{merge_url}&keep={twins[0].id}")
    values = form_values(confirm.content.decode(), "merge-form")
    walk.post("contacts_ui:cleanup_merge_contacts", "/cleanup/contacts/merge/", values)
    lower = Group.objects.get(name="zarzad")
    walk.get(
        "contacts_ui:cleanup_merge_groups", f"/cleanup/groups/merge/?id={small.id}&id={lower.id}"
    )
    walk.post(
        "contacts_ui:cleanup_merge_groups",
        "/cleanup/groups/merge/",
        {"id": [small.id, lower.id], "keep": small.id, "merge": lower.id},
    )
    walk.post(
        "contacts_ui:cleanup_delete_groups",
        "/cleanup/empty-groups/delete/",
        {"id": Group.objects.get(name="Pusta").id, "post": "yes"},
    )
    walk.post(
        "contacts_ui:cleanup_add_to_group",
        "/cleanup/no-group/add/",
        {"id": Contact.objects.get(first_name="Bez").id, "group_id": big.id, "post": "yes"},
    )
    run_worker()

    # An import into the big group, checked against who is in it already.
    walk.get("contacts_ui:import_upload", "/import/")
    upload = _upload(walk.client)
    walk.get("contacts_ui:import_map", f"/import/{upload.pk}/")
    query = {**MAPPING, "g": big.id}
    preview = walk.get("contacts_ui:import_preview", f"/import/{upload.pk}/preview/", data=query)
    walk.get("contacts_ui:import_errors_csv", f"/import/{upload.pk}/errors.csv", data=query)
    values = form_values(preview.content.decode(), "import-start-form")
    walk.post("contacts_ui:import_start", f"/import/{upload.pk}/start/", values)
    run_worker()
    imported = Job.objects.filter(kind=Job.Kind.CONTACT_IMPORT).latest("created_at")
    walk.get("contacts_ui:import_failed_rows", f"/jobs/{imported.pk}/failed.csv")

    # Groups: one added; the big one renamed, deleted, restored.
    walk.get("contacts_ui:group_add", "/groups/add/")
    walk.post("contacts_ui:group_add", "/groups/add/", {"name": "Nowa grupa"})
    walk.get("contacts_ui:group_change", f"/groups/{big.id}/change/")
    walk.post("contacts_ui:group_change", f"/groups/{big.id}/change/", {"name": "Wszyscy 2026"})
    walk.get("contacts_ui:group_delete", f"/groups/{big.id}/delete/")
    walk.post("contacts_ui:group_delete", f"/groups/{big.id}/delete/")
    run_worker()
    deletion = HistoryEntry.objects.get(action=HistoryEntry.Action.GROUP_DELETE, target_id=big.id)
    walk.get("contacts_ui:history_detail", f"/history/{deletion.pk}/")
    walk.get("contacts_ui:history_undo", f"/history/{deletion.pk}/undo/")
    walk.get("contacts_ui:trash_list", "/trash/")
    # Restored from the trash (htmx, one a request), then, by its undo page.
    walk.post(
        "contacts_ui:trash_restore",
        "/trash/restore/",
        {"entry": deletion.pk},
        "POST trash restore, htmx",
        headers=HTMX,
    )
    walk.post("contacts_ui:history_undo", f"/history/{deletion.pk}/undo/")
    # Ten deletions restored at once, without JavaScript.
    for contact in members[30:40]:
        walk.client.post(f"/contacts/{contact.id}/delete/")
    deleted = HistoryEntry.objects.filter(
        action=HistoryEntry.Action.CONTACT_DELETE, target_id__in=[c.id for c in members[30:40]]
    )
    walk.post("contacts_ui:trash_restore", "/trash/restore/", {"entry": [e.pk for e in deleted]})
    queued = Job.objects.filter(state=Job.State.QUEUED).latest("created_at")
    walk.post("contacts_ui:job_cancel", f"/jobs/{queued.pk}/cancel/")

    # Pages that call no API: people (a superuser's: refused here) and two-factor sign-in.
    walk.get("contacts_ui:people_invite", "/people/invite/")
    # A superuser entering someone's API credentials (here her own): one call checks them.
    me = User.objects.filter(pk=walk.client.session[SESSION_KEY])
    me.update(is_superuser=True)
    walk.post(
        "contacts_ui:person_credentials",
        f"/people/{me.get().pk}/credentials/",
        {"auth_style": "token", "secret": "alice-token"},
    )
    me.update(is_superuser=False)
    walk.get("contacts_ui:invitation_accept", "/invitation/MQ/no-such-token/", follow=True)
    walk.get("contacts_ui:two_factor", "/settings/two-factor/")
    walk.get("contacts_ui:two_factor_setup", "/settings/two-factor/setup/")
    walk.post("contacts_ui:two_factor_recovery_codes", "/settings/two-factor/recovery-codes/")
    walk.post("contacts_ui:two_factor_off", "/settings/two-factor/off/", {"code": "000000"})
    walk.get("contacts_ui:second_step", "/accounts/two-factor/")
    # The company's sign-in: no API call (here not set up, so not found).
    walk.get("contacts_ui:company_sign_in", "/oidc/authenticate/")
    walk.get("contacts_ui:company_sign_in_callback", "/oidc/callback/?code=x&state=y")


def test_no_request_makes_more_than_a_few_api_calls_at_a_large_group_size(
    client, alice, account, wire
):
    walk = Walk(client, wire)
    _walk(walk, account)
    over = {
        label: calls
        for label, calls in walk.calls.items()
        if calls > MOST_CALLS_A_REQUEST and label.split()[1] not in STREAMED
    }
    assert over == {}, walk.calls
    # Each step did what it was for: the work that grows with a group went to the worker.
    kinds = set(Job.objects.values_list("kind", flat=True))
    assert kinds == set(Job.Kind.values) - {
        Job.Kind.CONTACT_DELETE,
        Job.Kind.CONTACT_REMOVE_FROM_GROUP,
        Job.Kind.CONTACT_MOVE_TO_GROUP,
    }
    assert Contact.objects.filter(phone="+48500600701").count() == 1  # merged
    # Every view of the application was reached.
    resolver = get_resolver("contacts_ui.urls")
    views = {f"contacts_ui:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    assert views - walk.visited == set()
