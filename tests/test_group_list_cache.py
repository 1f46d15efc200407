"""The cached group list (contacts_ui.group_list): fewer calls, yet never a stale list
after a write through the app, never another user's or other credentials' list, no secret
in the cache, and an uncached list read beside the page's other call.

Groups made "elsewhere" (in the provider's panel) are made in the sandbox's own store.
"""

import re
import threading
import time

import pytest
from django.core.cache import cache
from django.test import Client

from contacts_ui import serwersms
from contacts_ui.models import ApiCredentials, Job
from contacts_ui.sandbox.models import Group
from tests.helpers import form_values, make_contact, make_user, sandbox_fails_on, table_rows
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/contacts/"
# The group list's own keys (the list's number, contacts_ui.contact_total, is kept under keys
# that build on them).
GROUP_LIST_KEY = ":1:contacts_ui:groups:"


@pytest.fixture(autouse=True)
def _cached_for_ten_minutes(settings):
    # Long enough that only a write through the app (or the expiry) can renew the list.
    settings.GROUP_LIST_CACHE_SECONDS = 600


@pytest.fixture
def klienci(alice_account) -> Group:
    """A group of Alice's holding one contact, Anna."""
    group = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, "+48500600700", groups=[group], first_name="Anna")
    return group


def sidebar(page) -> list[str]:
    """The groups the filter sidebar offers, as labelled ("Klienci (1)"), All and
    In no group left out."""
    html = page.content.decode() if hasattr(page, "content") else page
    nav = html[html.index('<details data-filter-title="group"') :]
    nav = nav[: nav.index("</details>")]
    labels = re.findall(r"<li(?: class=\"selected\")?><a href=\"[^\"]*\"[^>]*>([^<]*)</a>", nav)
    return labels[2:]


def calls(wire, since: int = 0) -> list[str]:
    """The API calls made (from the `since`-th on), as "resource/action"."""
    return [re.search(r"/api/(\w+/\w+)\.json$", sent["url"]).group(1) for sent in wire[since:]]


def version_of(user) -> int:
    return ApiCredentials.objects.get(user=user).groups_version


# --- Fewer calls ------------------------------------------------------------------------


def test_once_cached_the_list_view_makes_one_call_instead_of_two(client, alice, klienci, wire):
    client.get(URL)
    assert sorted(calls(wire)) == ["contacts/index", "groups/index"]

    seen = len(wire)
    page = client.get(URL)

    assert calls(wire, seen) == ["contacts/index"]
    assert sidebar(page) == ["Klienci (1)"]


def test_once_cached_the_contact_forms_do_not_read_the_groups(client, alice, klienci, wire):
    client.get(URL)
    anna = klienci.contacts.get()

    seen = len(wire)
    change = client.get(f"/contacts/{anna.id}/change/")
    assert change.status_code == 200
    assert calls(wire, seen) == ["contacts/view", "groups/check"]

    seen = len(wire)
    add = client.get("/contacts/add/")
    assert add.status_code == 200
    assert calls(wire, seen) == []
    # The picker still offers the group, from the cache.
    assert f'value="{klienci.id}"' in add.content.decode()


def test_the_list_is_kept_for_group_list_cache_seconds(client, alice, klienci, settings):
    settings.GROUP_LIST_CACHE_SECONDS = 123
    client.get(URL)

    # Django's local-memory cache keeps each key's expiry time beside it.
    expiries = [
        expiry for key, expiry in cache._expire_info.items() if key.startswith(GROUP_LIST_KEY)
    ]
    assert len(expiries) == 1
    assert 118 <= expiries[0] - time.time() <= 123


def test_group_list_cache_seconds_0_turns_the_cache_off(client, alice, klienci, wire, settings):
    settings.GROUP_LIST_CACHE_SECONDS = 0

    for _ in range(3):
        seen = len(wire)
        client.get(URL)
        assert sorted(calls(wire, seen)) == ["contacts/index", "groups/index"]
    assert not [key for key in cache._cache if key.startswith(GROUP_LIST_KEY)]


# --- The cache is real: a change made elsewhere waits for the expiry ------------------------


def test_a_group_made_elsewhere_shows_only_once_the_cached_list_expires(
    client, alice, alice_account, klienci
):
    assert sidebar(client.get(URL)) == ["Klienci (1)"]
    Group.objects.create(account=alice_account, name="Dostawcy")

    assert sidebar(client.get(URL)) == ["Klienci (1)"]

    cache.clear()  # as the expiry would
    assert sidebar(client.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]


def test_with_the_cache_off_a_group_made_elsewhere_shows_at_once(
    client, alice, alice_account, klienci, settings
):
    settings.GROUP_LIST_CACHE_SECONDS = 0
    assert sidebar(client.get(URL)) == ["Klienci (1)"]
    Group.objects.create(account=alice_account, name="Dostawcy")

    assert sidebar(client.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]


# --- Every write through the app renews it at once ---------------------------------------


def test_a_group_added_through_the_app_shows_on_the_next_page(client, alice, klienci):
    client.get(URL)

    assert client.post("/groups/add/", {"name": "Dostawcy"}).status_code == 302

    assert sidebar(client.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]


def test_a_group_renamed_through_the_app_shows_renamed_on_the_next_page(client, alice, klienci):
    client.get(URL)

    response = client.post(f"/groups/{klienci.id}/change/", {"name": "Klienci VIP"})
    assert response.status_code == 302

    assert sidebar(client.get(URL)) == ["Klienci VIP (1)"]


def test_a_group_deleted_through_the_app_is_gone_from_the_next_page(
    client, alice, alice_account, klienci
):
    Group.objects.create(account=alice_account, name="Dostawcy")
    assert sidebar(client.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]

    response = client.post(f"/groups/{klienci.id}/delete/", {})
    assert response.status_code == 302

    assert sidebar(client.get(URL)) == ["Dostawcy (0)"]


def test_a_contact_added_into_a_group_raises_its_count_on_the_next_page(client, alice, klienci):
    client.get(URL)

    response = client.post("/contacts/add/", {"phone": "+48600700800", "group_id": [klienci.id]})
    assert response.status_code == 302

    assert sidebar(client.get(URL)) == ["Klienci (2)"]


def test_a_contact_moved_out_of_a_group_on_its_form_lowers_the_count(client, alice, klienci):
    anna = klienci.contacts.get()
    client.get(URL)
    form_url = f"/contacts/{anna.id}/change/"
    values = form_values(client.get(form_url).content.decode(), "contact-form")
    values["group_id"] = []

    assert client.post(form_url, values).status_code == 302

    assert sidebar(client.get(URL)) == ["Klienci (0)"]


def test_a_contact_deleted_from_its_row_lowers_the_count_on_the_next_page(client, alice, klienci):
    anna = klienci.contacts.get()
    client.get(URL)

    response = client.post(f"/contacts/{anna.id}/delete/row/", headers={"HX-Request": "true"})
    assert response.status_code == 200

    assert sidebar(client.get(URL)) == ["Klienci (0)"]


def test_a_write_whose_outcome_is_unknown_renews_the_list_too(
    client, alice, alice_account, klienci, monkeypatch
):
    client.get(URL)
    # The sandbox makes the group, then drops the connection before answering.
    sandbox_fails_on(monkeypatch, "disconnect", "groups/add")

    response = client.post("/groups/add/", {"name": "Dostawcy"})
    assert response.status_code == 200  # the form again, saying the outcome is unknown
    assert Group.objects.filter(account=alice_account, name="Dostawcy").exists()

    assert sidebar(client.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]


def test_a_write_that_failed_outright_still_reads_the_list_afresh(
    client, alice, klienci, monkeypatch, wire
):
    client.get(URL)
    sandbox_fails_on(monkeypatch, "api_error", "groups/add")
    before = version_of(alice)

    assert client.post("/groups/add/", {"name": "Dostawcy"}).status_code == 200

    assert version_of(alice) == before + 1
    seen = len(wire)
    client.get(URL)
    assert sorted(calls(wire, seen)) == ["contacts/index", "groups/index"]


# --- A background job's writes renew it ----------------------------------------------------


def test_a_bulk_action_run_by_the_worker_changes_the_counts_on_the_next_page(
    client, alice, alice_account, klienci
):
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    people = [
        make_contact(alice_account, f"+4860070080{n}", first_name=f"Osoba {n}") for n in range(4)
    ]
    assert sidebar(client.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]

    # Tick four contacts (more than a request does itself), add them to Dostawcy, confirm.
    values = form_values(client.get(URL).content.decode(), "changelist-form")
    values["action"] = ["add_to_group"]
    values["_selected_action"] = [str(person.id) for person in people]
    confirmation = client.post("/contacts/action/", values)
    values = form_values(confirmation.content.decode(), "action-confirm")
    values["group_id"] = [str(dostawcy.id)]
    client.post("/contacts/action/", values)
    assert Job.objects.get().state == Job.State.QUEUED
    assert sidebar(client.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]

    run_worker()

    assert Job.objects.get().state == Job.State.DONE
    assert sidebar(client.get(URL)) == ["Dostawcy (4)", "Klienci (1)"]


# --- New credentials, other users -----------------------------------------------------------


def test_new_credentials_never_see_the_old_credentials_list(client, alice, klienci, bob_account):
    Group.objects.create(account=bob_account, name="Boba grupa")
    assert sidebar(client.get(URL)) == ["Klienci (1)"]

    response = client.post(
        "/settings/credentials/", {"auth_style": "token", "username": "", "secret": "bob-token"}
    )
    assert response.status_code == 302

    assert sidebar(client.get(URL)) == ["Boba grupa (0)"]


def test_another_api_address_reads_its_own_list(client, alice, klienci, settings, wire):
    client.get(URL)
    # The same sandbox under another name: what the key holds is the address.
    settings.SERWERSMS_API_URL = settings.SERWERSMS_API_URL.replace("localhost", "127.0.0.1")
    assert "127.0.0.1" in settings.SERWERSMS_API_URL

    seen = len(wire)
    client.get(URL)
    assert sorted(calls(wire, seen)) == ["contacts/index", "groups/index"]


def test_switching_credentials_back_does_not_bring_back_a_list_older_than_a_write(
    client, alice, klienci, bob_account
):
    # Alicja shares Alice's credentials.
    alicja = Client()
    alicja.force_login(make_user("alicja", token="alice-token"))
    assert sidebar(client.get(URL)) == ["Klienci (1)"]
    client.post("/settings/credentials/", {"auth_style": "token", "secret": "bob-token"})
    client.get(URL)

    # While Alice is on Bob's credentials, Alicja adds a group to Alice's account.
    assert alicja.post("/groups/add/", {"name": "Dostawcy"}).status_code == 302
    client.post("/settings/credentials/", {"auth_style": "token", "secret": "alice-token"})

    assert sidebar(client.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]


def test_a_write_by_a_user_with_the_same_credentials_renews_the_others_list(
    client, alice, klienci, bob_account, wire
):
    alicja = Client()
    alicja_user = make_user("alicja", token="alice-token")
    alicja.force_login(alicja_user)
    for each in (client, alicja):
        each.get(URL)

    assert client.post("/groups/add/", {"name": "Dostawcy"}).status_code == 302

    assert sidebar(alicja.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]


def test_a_colleague_on_the_same_account_with_other_credentials_sees_a_write_at_once(
    client, alice, klienci
):
    # Alice signs in to the API with its token; her colleague with the API user's
    # username and password: the same account, other credentials, another cache key.
    kolega = make_user("kolega")
    credentials = ApiCredentials(user=kolega, auth_style=ApiCredentials.PASSWORD, username="alice")
    credentials.set_secret("alice-password")
    credentials.save()
    colleague = Client()
    colleague.force_login(kolega)
    assert sidebar(colleague.get(URL)) == ["Klienci (1)"]

    assert client.post("/groups/add/", {"name": "Dostawcy"}).status_code == 302

    assert sidebar(colleague.get(URL)) == ["Dostawcy (0)", "Klienci (1)"]


def test_a_write_renews_every_users_list_yet_each_reads_only_their_own_account(
    client, alice, klienci, bob_account, wire
):
    Group.objects.create(account=bob_account, name="Boba grupa")
    bob = Client()
    bob_user = make_user("bob", token="bob-token")
    bob.force_login(bob_user)
    bob.get(URL)
    bobs_version = version_of(bob_user)

    assert client.post("/groups/add/", {"name": "Dostawcy"}).status_code == 302

    # The API does not say whose credentials share an account: Bob's list is read afresh,
    # with his own credentials, and holds his account's groups alone.
    assert version_of(bob_user) == bobs_version + 1
    seen = len(wire)
    assert sidebar(bob.get(URL)) == ["Boba grupa (0)"]
    assert sorted(calls(wire, seen)) == ["contacts/index", "groups/index"]


def test_users_with_other_accounts_never_see_each_others_groups(
    client, alice, klienci, bob_account
):
    Group.objects.create(account=bob_account, name="Boba grupa")
    bob = Client()
    bob.force_login(make_user("bob", token="bob-token"))

    for _ in range(2):  # read, then cached
        assert sidebar(client.get(URL)) == ["Klienci (1)"]
        assert sidebar(bob.get(URL)) == ["Boba grupa (0)"]


def test_no_secret_is_in_the_cache(client, alice, klienci):
    anna = klienci.contacts.get()
    for url in (URL, "/contacts/add/", f"/contacts/{anna.id}/change/", URL):
        assert client.get(url).status_code == 200

    group_keys = [key for key in cache._cache if key.startswith(GROUP_LIST_KEY)]
    assert len(group_keys) == 1
    for key, value in cache._cache.items():
        assert "alice-token" not in key
        assert b"alice-token" not in value


# --- An uncached list is read beside the page's other call ----------------------------------


@pytest.fixture
def timed(monkeypatch):
    """Each API call's action with when it went out and when its answer came back."""
    sent = []
    lock = threading.Lock()
    session_post = serwersms.requests.Session.post

    def timed_post(self, url, **kwargs):
        started = time.monotonic()
        try:
            return session_post(self, url, **kwargs)
        finally:
            action = re.search(r"/api/(\w+/\w+)\.json$", url).group(1)
            with lock:
                sent.append((action, started, time.monotonic()))

    monkeypatch.setattr(serwersms.requests.Session, "post", timed_post)
    return sent


def _overlap(timed, first: str, second: str) -> bool:
    """Whether the two calls were under way at the same time."""
    (a_start, a_end), (b_start, b_end) = (
        next((start, end) for action, start, end in timed if action == name)
        for name in (first, second)
    )
    return a_start < b_end and b_start < a_end


def test_the_list_page_reads_the_groups_beside_the_contacts(
    client, alice, klienci, settings, timed
):
    settings.SANDBOX_LATENCY_MS = 300

    assert client.get(URL).status_code == 200

    assert _overlap(timed, "contacts/index", "groups/index")


def test_the_change_form_reads_the_groups_beside_the_contact(
    client, alice, klienci, settings, timed
):
    anna = klienci.contacts.get()
    settings.SANDBOX_LATENCY_MS = 300

    assert client.get(f"/contacts/{anna.id}/change/").status_code == 200

    assert _overlap(timed, "contacts/view", "groups/index")


# --- A failure to read the list -------------------------------------------------------------


def test_a_failed_background_read_is_said_in_the_persons_language(
    client, alice, klienci, monkeypatch
):
    sandbox_fails_on(monkeypatch, "http500", "groups/index")

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="pl").content.decode()

    assert '<p class="errornote">API SerwerSMS odpowiedziało błędem (HTTP 500).</p>' in page
    assert "answered with an error" not in page
    assert [row[0] for row in table_rows(page)] == ["Anna"]


def test_a_failed_read_is_not_cached(client, alice, klienci, monkeypatch):
    sandbox_fails_on(monkeypatch, "http500", "groups/index")
    assert sidebar(client.get(URL)) == []
    sandbox_fails_on(monkeypatch, "http500")  # no call fails now

    assert sidebar(client.get(URL)) == ["Klienci (1)"]
