"""The blacklist (do-not-text): its page lists, searches and pages the account's numbers;
a number is put on it in any common format and taken off it after a confirmation; a
contact's number is stopped or allowed again from the contact's page. Every change is read
back before it is called done, recorded in the history, and undoable."""

import pytest
from django.test import Client

from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.sandbox.models import BlacklistedNumber
from tests.helpers import ANNA, form_values, make_contact, sandbox_fails_on

pytestmark = pytest.mark.django_db(transaction=True)


def listed(account) -> list[str]:
    return sorted(BlacklistedNumber.objects.filter(account=account).values_list("phone", flat=True))


def entries() -> list[tuple[str, str, str]]:
    return list(HistoryEntry.objects.order_by("id").values_list("action", "outcome", "phone"))


# --- The page ----------------------------------------------------------------------


def test_the_page_lists_the_numbers_newest_first_and_finds_part_of_one(
    client, alice, alice_account
):
    for phone in ("+48500600701", "+48500600702", "+48600700800"):
        BlacklistedNumber.objects.create(account=alice_account, phone=phone)
    page = client.get("/blacklist/").content.decode()
    assert page.index("+48600700800") < page.index("+48500600702") < page.index("+48500600701")
    assert 'href="/blacklist/remove/?phone=%2B48600700800"' in page

    found = client.get("/blacklist/", {"q": "600 70"}, headers={"HX-Request": "true"})
    body = found.content.decode()
    assert body.lstrip().startswith('<div id="blacklist-table"')  # the table alone, for htmx
    assert "+48500600701" in body and "+48600700800" in body  # 600-70… and …600-70…
    assert "+48500600702" in body
    assert "+48" in body and "No number on the blacklist" not in body
    nothing = client.get("/blacklist/", {"q": "999"}).content.decode()
    assert "No number on the blacklist contains “999”." in nothing


def test_the_page_pages_fifty_numbers_at_a_time(client, alice, alice_account):
    BlacklistedNumber.objects.bulk_create(
        BlacklistedNumber(account=alice_account, phone=f"+485006{n:05d}") for n in range(51)
    )
    first = client.get("/blacklist/").content.decode()
    assert first.count("/blacklist/remove/?phone=") == 50
    assert "Page 1 of 2" in first and 'href="?p=2"' in first
    second = client.get("/blacklist/?p=2").content.decode()
    assert second.count("/blacklist/remove/?phone=") == 1


def test_an_empty_blacklist_says_so(client, alice):
    page = client.get("/blacklist/").content.decode()
    assert "The blacklist is empty: every number can get messages." in page


def test_a_list_that_cannot_be_read_says_why_with_a_retry(client, alice, monkeypatch):
    sandbox_fails_on(monkeypatch, "http500", "blacklist/index")
    page = client.get("/blacklist/?q=600").content.decode()
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert 'hx-get="?q=600"' in page


def test_the_page_is_in_polish(client, alice):
    client.post("/i18n/setlang/", {"language": "pl", "next": "/blacklist/"})
    page = client.get("/blacklist/").content.decode()
    assert "Czarna lista" in page
    assert "Czarna lista jest pusta" in page


# --- Putting a number on it ----------------------------------------------------------


def test_a_number_typed_in_any_common_format_is_put_on_it_and_recorded(
    client, alice, alice_account
):
    response = client.post("/blacklist/add/", {"phone": "0048 500-600-700"}, follow=True)
    page = response.content.decode()
    assert "+48500600700 is on the blacklist: it gets no more messages." in page
    assert listed(alice_account) == ["+48500600700"]
    assert entries() == [("blacklist_add", "done", "+48500600700")]


def test_a_number_listed_already_is_said_so_and_nothing_is_sent(client, alice, alice_account):
    BlacklistedNumber.objects.create(account=alice_account, phone="+48500600700")
    page = client.post("/blacklist/add/", {"phone": "500600700"}, follow=True).content.decode()
    assert "+48500600700 is on the blacklist already." in page
    assert entries() == []


def test_a_number_that_is_not_one_is_refused_with_the_input_kept(client, alice, alice_account):
    response = client.post("/blacklist/add/", {"phone": "12ab"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a phone number, such as 500 600 700 or +48 500 600 700." in page
    assert form_values(page, "blacklist-add-form")["phone"] == ["12ab"]
    assert listed(alice_account) == [] and entries() == []


def test_a_failed_addition_says_so_with_the_input_kept(client, alice, alice_account, monkeypatch):
    sandbox_fails_on(monkeypatch, "api_error", "blacklist/add")
    response = client.post("/blacklist/add/", {"phone": "500 600 700"})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<p class="errornote" role="alert">' in page
    assert form_values(page, "blacklist-add-form")["phone"] == ["500 600 700"]
    assert entries() == [("blacklist_add", "failed", "+48500600700")]


def test_an_addition_answered_as_done_but_not_listed_is_never_called_done(
    client, alice, alice_account, monkeypatch
):
    # An API that answers success and lists nothing: the read-back catches it.
    monkeypatch.setitem(
        sandbox_api.ACTIONS, ("blacklist", "add"), lambda account, params: {"success": True}
    )
    page = client.post("/blacklist/add/", {"phone": "500600700"}).content.decode()
    assert (
        "SerwerSMS answered that +48500600700 was put on the blacklist, but it is not listed."
    ) in page
    assert "is on the blacklist: it gets no more messages" not in page
    assert entries() == [("blacklist_add", "failed", "+48500600700")]


# --- Taking a number off it ----------------------------------------------------------


def test_a_number_is_taken_off_after_a_confirmation(client, alice, alice_account):
    BlacklistedNumber.objects.create(account=alice_account, phone="+48500600700")
    confirmation = client.get("/blacklist/remove/?phone=%2B48500600700").content.decode()
    assert "Take +48500600700 off the blacklist?" in confirmation
    assert listed(alice_account) == ["+48500600700"]  # asking changed nothing

    done = client.post(
        "/blacklist/remove/", form_values(confirmation, "blacklist-confirm-form"), follow=True
    )
    assert "+48500600700 is off the blacklist: it can get messages again." in done.content.decode()
    assert listed(alice_account) == []
    assert entries() == [("blacklist_delete", "done", "+48500600700")]


def test_taking_off_a_number_not_listed_says_so(client, alice):
    page = client.get("/blacklist/remove/?phone=500600700", follow=True).content.decode()
    assert "+48500600700 is not on the blacklist." in page


def test_a_failed_removal_keeps_the_confirmation_with_the_reason(
    client, alice, alice_account, monkeypatch
):
    BlacklistedNumber.objects.create(account=alice_account, phone="+48500600700")
    sandbox_fails_on(monkeypatch, "http500", "blacklist/delete")
    response = client.post("/blacklist/remove/", {"phone": "+48500600700"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert "Take +48500600700 off the blacklist?" in page
    assert entries() == [("blacklist_delete", "unknown", "+48500600700")]


# --- From a contact's page -------------------------------------------------------------


@pytest.fixture
def anna(alice_account):
    return make_contact(alice_account, **ANNA)


def test_a_contacts_number_is_stopped_and_allowed_again_from_its_page(client, alice, anna):
    change = client.get(f"/contacts/{anna.id}/change/").content.decode()
    assert f'href="/contacts/{anna.id}/blacklist/" id="blacklist-toggle">Stop messages' in change

    confirmation = client.get(f"/contacts/{anna.id}/blacklist/").content.decode()
    assert "Put +48500600700, the number of “Anna Kowalska”, on the blacklist?" in confirmation
    client.post(
        f"/contacts/{anna.id}/blacklist/", form_values(confirmation, "blacklist-confirm-form")
    )
    change = client.get(f"/contacts/{anna.id}/change/").content.decode()
    assert "This number is on the blacklist: it gets no messages" in change
    assert "Allow messages again" in change

    confirmation = client.get(f"/contacts/{anna.id}/blacklist/").content.decode()
    assert "Take +48500600700, the number of “Anna Kowalska”, off the blacklist?" in confirmation
    client.post(
        f"/contacts/{anna.id}/blacklist/", form_values(confirmation, "blacklist-confirm-form")
    )
    assert not BlacklistedNumber.objects.exists()
    assert list(HistoryEntry.objects.order_by("id").values_list("action", "target_name")) == [
        ("blacklist_add", "Anna Kowalska"),
        ("blacklist_delete", "Anna Kowalska"),
    ]


def test_a_change_a_colleague_made_meanwhile_is_not_undone(client, alice, alice_account, anna):
    confirmation = client.get(f"/contacts/{anna.id}/blacklist/").content.decode()
    BlacklistedNumber.objects.create(account=alice_account, phone=anna.phone)  # a colleague

    page = client.post(
        f"/contacts/{anna.id}/blacklist/",
        form_values(confirmation, "blacklist-confirm-form"),
        follow=True,
    ).content.decode()

    assert "+48500600700 is on the blacklist already." in page
    assert BlacklistedNumber.objects.filter(phone=anna.phone).exists()
    assert entries() == []


# --- History and undo --------------------------------------------------------------


def test_putting_a_number_on_it_is_undone_from_the_history(client, alice, alice_account):
    client.post("/blacklist/add/", {"phone": "500600700"})
    entry = HistoryEntry.objects.get()
    detail = client.get(f"/history/{entry.id}/").content.decode()
    assert "number put on the blacklist" in detail
    confirmation = client.get(f"/history/{entry.id}/undo/").content.decode()
    assert (
        "+48500600700 will be taken off the blacklist: it can get messages again." in confirmation
    )

    client.post(f"/history/{entry.id}/undo/")

    assert listed(alice_account) == []
    undo = HistoryEntry.objects.get(undo_of=entry)
    assert (undo.action, undo.outcome) == ("blacklist_delete", "done")


def test_taking_a_number_off_is_undone_from_the_history(client, alice, alice_account):
    BlacklistedNumber.objects.create(account=alice_account, phone="+48500600700")
    client.post("/blacklist/remove/", {"phone": "+48500600700"})
    entry = HistoryEntry.objects.get()
    client.post(f"/history/{entry.id}/undo/")
    assert listed(alice_account) == ["+48500600700"]


def test_an_undo_is_refused_when_the_number_was_changed_since(client, alice, alice_account):
    client.post("/blacklist/add/", {"phone": "500600700"})
    entry = HistoryEntry.objects.get()
    BlacklistedNumber.objects.all().delete()  # a colleague took it off meanwhile

    page = client.post(f"/history/{entry.id}/undo/").content.decode()

    assert "is no longer listed as this change left it" in page
    assert HistoryEntry.objects.count() == 1


def test_the_pages_need_the_csrf_token(alice):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post("/blacklist/add/", {"phone": "500600700"}).status_code == 403


def test_a_number_the_api_shows_hidden_is_never_sent_to_the_blacklist(
    client, alice, anna, settings, wire
):
    settings.SANDBOX_PROVIDER = ["numbers-masked"]  # the API shows +48500***700

    page = client.get(f"/contacts/{anna.id}/blacklist/", follow=True).content.decode()
    client.post(f"/contacts/{anna.id}/blacklist/", {"listed": "yes"})

    assert "SerwerSMS shows this number hidden (+48500***700)" in page
    assert not [call for call in wire if "/blacklist/" in call["url"]]  # nothing sent
    assert not BlacklistedNumber.objects.exists() and entries() == []
