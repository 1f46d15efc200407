"""The cleanup page end to end: the scan as a job, each fix confirmed first, against the
sandbox over real HTTP."""

import re
import uuid

import pytest
from django.test import Client

from contacts_ui.cleanup import detectors
from contacts_ui.models import HistoryEntry, Job
from contacts_ui.sandbox.models import Contact, Group, Membership
from tests.helpers import (
    form_values,
    make_contact,
    make_user,
    sandbox_fails_after,
    table_rows,
    writes_fail,
)
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account(alice_account):
    """Alice's account with one of everything to tidy."""
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    Group.objects.create(account=alice_account, name="klienci ")
    Group.objects.create(account=alice_account, name="Pusta")
    vip = Group.objects.create(account=alice_account, name="VIP")
    make_contact(alice_account, "+48500100200", groups=[klienci], first_name="Anna")
    make_contact(alice_account, "+48500100200", groups=[klienci], last_name="Kowalska")
    make_contact(alice_account, "+48600700800", groups=[vip], email="Jan@Example.pl")
    make_contact(alice_account, "+48700800900", first_name="Jan", email="jan@example.pl")
    return alice_account


def _scan(client) -> Job:
    response = client.post("/cleanup/scan/")
    job = Job.objects.get(kind=Job.Kind.ACCOUNT_SCAN)
    assert response.url == f"/jobs/{job.pk}/"
    run_worker()
    job.refresh_from_db()
    return job


def _page(client, url="/cleanup/", **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response.content.decode()


def _scanned(alice, found: dict) -> Job:
    """A finished scan with these findings, as the worker stores one."""
    return Job.objects.create(
        user=alice,
        kind=Job.Kind.ACCOUNT_SCAN,
        title="Scan",
        state=Job.State.DONE,
        api_url="-",
        result=found,
    )


def _findings_of(account) -> dict:
    """What a scan of the sandbox account would find, without running a job."""
    from contacts_ui.serwersms import Contact as ApiContact
    from contacts_ui.serwersms import Group as ApiGroup

    groups = [ApiGroup(g.id, g.name, g.membership_set.count()) for g in account.groups.all()]

    def api(c):
        return ApiContact(
            c.id, c.phone, c.email, c.first_name, c.last_name, c.company, c.tax_id,
            c.address, c.city, c.description, c.blacklist,
        )  # fmt: skip

    members = {g.id: [api(c) for c in Group.objects.get(id=g.id).contacts.all()] for g in groups}
    ungrouped = [api(c) for c in account.contacts.filter(membership__isnull=True)]
    return detectors.findings(groups, members, ungrouped)


# --- Access ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/cleanup/",
        "/cleanup/contacts/merge/?id=1&id=2",
        "/cleanup/groups/merge/?id=1&id=2",
    ],
)
def test_it_requires_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get("/cleanup/")
    assert response.url == "/settings/credentials/?next=%2Fcleanup%2F"


@pytest.mark.parametrize(
    "url", ["/cleanup/scan/", "/cleanup/empty-groups/delete/", "/cleanup/no-group/add/"]
)
def test_an_endpoint_that_only_acts_refuses_get(client, alice, url):
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/cleanup/scan/",
        "/cleanup/empty-groups/delete/",
        "/cleanup/no-group/add/",
        "/cleanup/contacts/merge/",
        "/cleanup/groups/merge/",
    ],
)
def test_a_post_without_the_csrf_token_is_refused(alice, url):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.post(url, {"id": ["1", "2"], "keep": "1", "post": "yes"}).status_code == 403
    assert not Job.objects.exists()


# --- The scan ------------------------------------------------------------------------


def test_with_no_scan_yet_it_offers_to_look(client, alice):
    page = _page(client)
    assert 'value="Look for what needs tidying"' in page
    assert 'action="/cleanup/scan/"' in page
    assert "Empty groups" not in page


def test_looking_starts_a_scan_in_the_background(client, alice):
    response = client.post("/cleanup/scan/")
    job = Job.objects.get()
    assert job.kind == Job.Kind.ACCOUNT_SCAN
    assert job.user == alice
    assert job.back_url == "/cleanup/"
    assert response.url == f"/jobs/{job.pk}/"


def test_a_scan_under_way_is_not_started_twice(client, alice):
    first = client.post("/cleanup/scan/").url
    assert client.post("/cleanup/scan/").url == first
    assert Job.objects.count() == 1
    assert "A scan is under way." in _page(client)


def test_the_scan_finds_each_kind_of_untidiness(client, alice, account):
    job = _scan(client)
    assert job.state == Job.State.DONE
    page = _page(client)
    assert [row[-1] for row in table_rows(page, "empty-groups")] == ["“klienci ”", "“Pusta”"]
    assert [row[-2:] for row in table_rows(page, "ungrouped")] == [["Jan", "+48700800900"]]
    [phone_row] = table_rows(page, "phone-duplicates")
    assert phone_row[:3] == ["+48500100200", "“Klienci”", "Anna; Kowalska"]
    [person_row] = table_rows(page, "person-duplicates")
    assert person_row[:2] == [
        "e-mail",
        "+48600700800 (Jan@Example.pl): “VIP” Jan (+48700800900, jan@example.pl): in no group",
    ]
    [similar_row] = table_rows(page, "similar-groups")
    assert similar_row[0] == "“Klienci” (2 contacts), “klienci ” (0 contacts)"


def test_the_page_says_when_the_scan_was_made_and_offers_another(client, alice, account):
    _scan(client)
    page = _page(client)
    assert "What the scan of " in page
    assert "found among 4 groups and 4 contacts" in page
    assert 'value="Scan again"' in page


def test_the_page_explains_what_counts_as_the_same_person(client, alice, account):
    _scan(client)
    page = _page(client)
    assert "share a phone number (compared in the international form)" in page
    assert "share an e-mail address (capital letters aside)" in page


def test_another_users_scan_is_not_shown(client, alice, account):
    _scanned(make_user("bob"), _findings_of(account))
    assert 'value="Look for what needs tidying"' in _page(client)


def test_a_scan_that_failed_says_why(client, alice, account, faults):
    client.post("/cleanup/scan/")
    faults("api_error")
    run_worker()
    assert Job.objects.get().state == Job.State.STOPPED
    page = _page(client)
    assert "The last scan stopped:" in page
    assert "Look for what needs tidying" in page


def test_a_scan_reads_every_page(client, alice, account, monkeypatch, wire):
    monkeypatch.setattr(detectors, "PAGE_LIMIT", 1)
    _scan(client)
    pages = [
        (re.sub(r".*/api/", "", call["url"]), call["json"].get("group_id"), call["json"]["page"])
        for call in wire
        if call["url"].endswith("index.json")
    ]
    klienci = Group.objects.get(name="Klienci").id
    assert ("contacts/index.json", klienci, 2) in pages
    assert ("groups/index.json", None, 4) in pages
    found = Job.objects.get().result
    assert found["counts"] == {"groups": 4, "contacts": 4}


# --- Empty groups -----------------------------------------------------------------------


@pytest.fixture
def scanned(client, alice, account):
    return _scanned(alice, _findings_of(account))


def _id(name: str) -> int:
    return Group.objects.get(name=name).id


def test_empty_groups_are_ticked_for_deletion_at_first(client, alice, scanned):
    values = form_values(_page(client), "empty-groups-form")
    assert sorted(values["id"]) == sorted([str(_id("Pusta")), str(_id("klienci "))])


def test_deleting_empty_groups_asks_first_naming_them(client, alice, scanned):
    response = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")]})
    page = response.content.decode()
    assert "This deletes 1 empty group at SerwerSMS:" in page
    assert "<li>“Pusta”</li>" in page
    assert form_values(page, "confirm-form")["post"] == ["yes"]
    assert Group.objects.filter(name="Pusta").exists()
    assert not Job.objects.exclude(kind=Job.Kind.ACCOUNT_SCAN).exists()


def test_confirming_deletes_the_groups_in_a_job(client, alice, scanned):
    response = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")], "post": "yes"})
    job = Job.objects.get(kind=Job.Kind.GROUP_DELETE)
    assert response.url == f"/jobs/{job.pk}/"
    run_worker()
    assert not Group.objects.filter(name="Pusta").exists()
    assert Group.objects.filter(name="Klienci").exists()


def test_a_group_that_filled_up_since_the_scan_is_left_out(client, alice, account, scanned):
    make_contact(account, "+48500999888", groups=[Group.objects.get(name="Pusta")])
    page = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")]}).content.decode()
    assert "Left out, because they hold contacts now:" in page
    assert "Nothing is left to delete." in page
    client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")], "post": "yes"})
    assert not Job.objects.exclude(kind=Job.Kind.ACCOUNT_SCAN).exists()


def test_ticking_no_group_is_said_on_the_page(client, alice, scanned):
    response = client.post("/cleanup/empty-groups/delete/", {})
    assert response.status_code == 200
    assert "Tick the groups to delete." in response.content.decode()


def test_a_group_the_scan_did_not_find_empty_cannot_be_ticked(client, alice, scanned):
    response = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Klienci")]})
    assert "Select a valid choice." in response.content.decode()
    assert not Job.objects.exclude(kind=Job.Kind.ACCOUNT_SCAN).exists()


def test_when_the_groups_cannot_be_read_the_ticks_are_kept(client, alice, scanned, faults):
    faults("http500")
    response = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert "Your choices are kept; try again." in page
    assert form_values(page, "empty-groups-form")["id"] == [str(_id("Pusta"))]


def test_with_no_scan_a_fix_asks_for_one_first(client, alice, account):
    response = client.post("/cleanup/empty-groups/delete/", {"id": ["1"]}, follow=True)
    assert "Look for what needs tidying first." in response.content.decode()


# --- Contacts in no group ------------------------------------------------------------------


def test_adding_contacts_to_a_group_asks_first(client, alice, account, scanned):
    jan = Contact.objects.get(first_name="Jan")
    response = client.post("/cleanup/no-group/add/", {"id": [jan.id], "group_id": _id("VIP")})
    page = response.content.decode()
    assert "This adds 1 contact to the group “VIP”:" in page
    assert "<li>Jan (+48700800900)</li>" in page
    assert not Membership.objects.filter(contact=jan).exists()


def test_confirming_adds_them_to_the_group(client, alice, account, scanned):
    jan = Contact.objects.get(first_name="Jan")
    response = client.post(
        "/cleanup/no-group/add/", {"id": [jan.id], "group_id": _id("VIP"), "post": "yes"}
    )
    job = Job.objects.get(kind=Job.Kind.CONTACT_ADD_TO_GROUP)
    assert response.url == f"/jobs/{job.pk}/"
    assert job.params == {"group_id": _id("VIP"), "group_name": "VIP"}
    run_worker()
    assert list(Membership.objects.filter(contact=jan).values_list("group__name", flat=True)) == [
        "VIP"
    ]
    jan.refresh_from_db()
    assert jan.email == "jan@example.pl"


def test_choosing_no_group_is_refused_keeping_the_ticks(client, alice, account, scanned):
    jan = Contact.objects.get(first_name="Jan")
    page = client.post("/cleanup/no-group/add/", {"id": [jan.id]}).content.decode()
    assert "Choose the group to add them to." in page
    assert form_values(page, "ungrouped-form")["id"] == [str(jan.id)]


def test_a_group_deleted_since_the_scan_is_refused(client, alice, account, scanned):
    jan = Contact.objects.get(first_name="Jan")
    vip = _id("VIP")
    Group.objects.filter(id=vip).delete()
    page = client.post("/cleanup/no-group/add/", {"id": [jan.id], "group_id": vip}).content.decode()
    assert "That group no longer exists; choose another." in page


# --- Merging duplicate contacts ----------------------------------------------------------------


@pytest.fixture
def twins(account):
    """Anna twice with the same phone in Klienci; the second also in VIP, with more fields."""
    anna = Contact.objects.get(first_name="Anna")
    kowalska = Contact.objects.get(last_name="Kowalska")
    kowalska.city, kowalska.email = "Łódź", "anna@example.pl"
    kowalska.save()
    Membership.objects.create(contact=kowalska, group=Group.objects.get(name="VIP"))
    return anna, kowalska


def _merge_url(*contacts, **extra) -> str:
    query = "&".join(f"id={c.id}" for c in contacts)
    return f"/cleanup/contacts/merge/?{query}" + "".join(f"&{k}={v}" for k, v in extra.items())


def test_review_shows_the_contacts_side_by_side_with_their_groups(client, alice, twins):
    anna, kowalska = twins
    page = _page(client, _merge_url(anna, kowalska))
    rows = {row[0]: row[1:] for row in table_rows(page, "side-by-side")}
    assert rows["First name"] == ["Anna", "—"]
    assert rows["Last name"] == ["—", "Kowalska"]
    assert rows["City"] == ["—", "Łódź"]
    assert rows["Groups"] == ["“Klienci”", "“Klienci”, “VIP”"]
    assert set(form_values(page, "keep-form")["id"]) == {str(anna.id), str(kowalska.id)}


def test_review_suggests_keeping_the_fullest_contact(client, alice, twins):
    anna, kowalska = twins
    page = _page(client, _merge_url(anna, kowalska))
    assert form_values(page, "keep-form")["keep"] == [str(kowalska.id)]


def test_choosing_which_to_keep_shows_the_merged_contact_first(client, alice, twins):
    anna, kowalska = twins
    page = _page(client, _merge_url(anna, kowalska, keep=anna.id))
    rows = {row[0]: row[1:] for row in table_rows(page, "merged-contact")}
    assert rows["First name"] == ["Anna", ""]
    assert rows["Last name"] == ["Kowalska", "“Kowalska”"]
    assert rows["City"] == ["Łódź", "“Kowalska”"]
    assert rows["Groups"][0] == "“Klienci”, “VIP”"
    assert "Merging keeps “Anna”, writes to it the fields and groups below" in page
    assert "<li>“Kowalska” (+48500100200)</li>" in page
    assert Contact.objects.count() == 4


def test_merging_leaves_one_contact_with_every_field_and_group(client, alice, twins):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    response = client.post("/cleanup/contacts/merge/", values, follow=True)
    assert "Kept “Anna Kowalska” and updated it; deleted “Kowalska”." in response.content.decode()
    assert not Contact.objects.filter(id=kowalska.id).exists()
    anna.refresh_from_db()
    assert (anna.first_name, anna.last_name, anna.city, anna.email) == (
        "Anna",
        "Kowalska",
        "Łódź",
        "anna@example.pl",
    )
    assert set(anna.groups.values_list("name", flat=True)) == {"Klienci", "VIP"}


def test_the_merges_history_entries_share_one_batch(client, alice, twins):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    client.post("/cleanup/contacts/merge/", values)
    entries = HistoryEntry.objects.order_by("id")
    assert [(e.action, e.target_id) for e in entries] == [
        ("contact_edit", anna.id),
        ("contact_delete", kowalska.id),
    ]
    assert entries[0].batch is not None
    assert entries[0].batch == entries[1].batch


def test_a_contact_changed_since_the_confirmation_is_not_merged(client, alice, twins):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    kowalska.company = "Nowa firma"
    kowalska.save()
    response = client.post("/cleanup/contacts/merge/", values)
    assert response.status_code == 200
    assert "The contacts changed since this page was shown." in response.content.decode()
    assert Contact.objects.filter(id=kowalska.id).exists()
    assert not HistoryEntry.objects.exists()


def test_when_saving_the_kept_contact_fails_nothing_is_deleted(client, alice, twins, monkeypatch):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    # The reads (two contacts/view, one groups/check: they share the phone) answer; the edit fails.
    writes_fail(monkeypatch, "api_error")
    response = client.post("/cleanup/contacts/merge/", values)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The other contacts were not deleted; nothing else was changed." in page
    assert Contact.objects.filter(id=kowalska.id).exists()
    anna.refresh_from_db()
    assert anna.city == ""


def test_when_deleting_an_extra_fails_it_says_exactly_what_was_done(
    client, alice, twins, monkeypatch
):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    # The three reads and the edit answer; the deletion fails.
    sandbox_fails_after(monkeypatch, answered=4, mode="api_error")
    response = client.post("/cleanup/contacts/merge/", values, follow=True)
    page = response.content.decode()
    assert (
        '<li class="warning">Kept “Anna Kowalska” and updated it. Deleting “Kowalska” failed:'
        in (page)
    )
    assert "Nothing else was changed.</li>" in page
    assert Contact.objects.filter(id=kowalska.id).exists()
    anna.refresh_from_db()
    assert anna.city == "Łódź"


def test_when_the_contacts_cannot_be_read_it_says_so(client, alice, twins, faults):
    anna, kowalska = twins
    faults("http500")
    response = client.get(_merge_url(anna, kowalska), follow=True)
    assert response.status_code == 200
    assert "The SerwerSMS API answered with an error (HTTP 500)." in response.content.decode()


def test_when_reading_fails_on_merging_nothing_is_changed(client, alice, twins, faults):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    faults("http500")
    response = client.post("/cleanup/contacts/merge/", values)
    assert response.status_code == 302
    assert response.url == _merge_url(anna, kowalska, keep=anna.id)
    assert Contact.objects.filter(id=kowalska.id).exists()


def test_a_contact_deleted_meanwhile_leaves_nothing_to_merge(client, alice, twins):
    anna, kowalska = twins
    url = _merge_url(anna, kowalska)
    kowalska.delete()
    response = client.get(url, follow=True)
    assert "only one is left" in response.content.decode()


def test_fewer_than_two_contacts_cannot_be_merged(client, alice, twins):
    response = client.get("/cleanup/contacts/merge/?id=1&id=x", follow=True)
    assert "Choose at least two contacts to compare." in response.content.decode()


def test_a_keep_outside_the_set_is_refused(client, alice, twins):
    anna, kowalska = twins
    page = _page(client, _merge_url(anna, kowalska, keep=999))
    assert "Select a valid choice." in page
    assert "merged-contact" not in page


# --- Merging groups -----------------------------------------------------------------------


def _groups_url(*ids, **extra) -> str:
    query = "&".join(f"id={i}" for i in ids)
    return f"/cleanup/groups/merge/?{query}" + "".join(f"&{k}={v}" for k, v in extra.items())


def test_group_review_suggests_keeping_the_fuller_group(client, alice, account):
    page = _page(client, _groups_url(_id("klienci "), _id("Klienci")))
    assert form_values(page, "keep-form")["keep"] == [str(_id("Klienci"))]


def test_the_confirmation_says_how_many_contacts_move_and_what_is_deleted(client, alice, account):
    page = _page(client, _groups_url(_id("Klienci"), _id("klienci "), keep=_id("klienci ")))
    assert (
        "This moves the 2 contacts of “Klienci” into “klienci ”, then deletes the group "
        "“Klienci”, emptied."
    ) in page
    assert not Job.objects.exists()


def test_merging_groups_moves_everyone_then_deletes_the_emptied_group(client, alice, account):
    klienci, lower = _id("Klienci"), _id("klienci ")
    values = form_values(_page(client, _groups_url(klienci, lower, keep=lower)), "merge-form")
    response = client.post("/cleanup/groups/merge/", values)
    job = Job.objects.get(kind=Job.Kind.GROUP_MERGE)
    assert response.url == f"/jobs/{job.pk}/"
    assert job.params == {
        "source_id": klienci,
        "source_name": "Klienci",
        "target_id": lower,
        "target_name": "klienci ",
    }
    run_worker()
    assert not Group.objects.filter(id=klienci).exists()
    assert Group.objects.get(id=lower).contacts.count() == 2


def test_with_three_groups_the_one_to_merge_must_be_chosen(client, alice, account):
    third = Group.objects.create(account=account, name="KLIĘNCI").id
    ids = (_id("Klienci"), _id("klienci "), third)
    page = _page(client, _groups_url(*ids, keep=third))
    assert "Choose the group to merge into the one kept." in page
    page = _page(client, _groups_url(*ids, keep=third, merge=third))
    assert "Choose a group other than the one kept." in page
    page = _page(client, _groups_url(*ids, keep=third, merge=_id("Klienci")))
    assert "This moves the 2 contacts of “Klienci” into “KLIĘNCI”" in page


def test_when_a_group_cannot_be_read_it_says_so(client, alice, account, faults):
    faults("api_error")
    response = client.get(_groups_url(_id("Klienci"), _id("klienci ")), follow=True)
    assert response.status_code == 200
    assert "Wystąpił błąd wewnętrzny" in response.content.decode()


def test_a_batch_is_a_uuid_not_shared_between_merges(client, alice, twins):
    # Two merges in a row are two batches: each is undone on its own.
    anna, kowalska = twins
    other = make_contact(Contact.objects.first().account, "+48500100299", first_name="X")
    twin = make_contact(other.account, "+48500100299", last_name="Y")
    for pair in ((anna, kowalska), (other, twin)):
        values = form_values(_page(client, _merge_url(*pair, keep=pair[0].id)), "merge-form")
        client.post("/cleanup/contacts/merge/", values)
    batches = set(HistoryEntry.objects.values_list("batch", flat=True))
    assert len(batches) == 2
    assert all(isinstance(b, uuid.UUID) for b in batches)
