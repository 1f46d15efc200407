"""One history entry: who, when, what, how it ended, and field by field the old value beside
the new; staff open only their own entries."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from contacts_ui import roles
from contacts_ui.history.recorder import record_credentials_change
from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import Group
from tests.helpers import form_values, give_role, make_contact, make_user, table_rows
from tests.history_entries import (
    ANNA,
    aged,
    contact_add,
    contact_delete,
    contact_edit,
    group_delete,
    group_edit,
)

pytestmark = pytest.mark.django_db

Outcome = HistoryEntry.Outcome


@pytest.fixture
def alice(client):
    user = make_user("alice")
    client.force_login(user)
    return user


def _page(client, entry) -> str:
    response = client.get(f"/history/{entry.id}/")
    assert response.status_code == 200
    return response.content.decode()


def _changes(client, entry) -> list[list[str]]:
    return table_rows(_page(client, entry), "change-list")


def test_it_requires_login(client):
    response = client.get("/history/1/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/history/1/"


def test_it_says_who_did_what_and_when(client, alice):
    entry = aged(contact_edit(alice, city="Kraków"), at=datetime(2025, 1, 15, 11, 30, tzinfo=UTC))
    page = _page(client, entry)
    assert "<title>History entry | SerwerSMS Contacts</title>" in page
    assert '<time datetime="2025-01-15T12:30:00+01:00">Jan. 15, 2025, 12:30 p.m.</time>' in page
    assert '<div class="readonly">alice</div>' in page
    assert '<div class="readonly">contact changed</div>' in page
    assert '<span class="outcome outcome-done">done</span>' in page
    assert '<div class="readonly"><a href="/contacts/17/change/">Anna Kowalska</a></div>' in page
    assert '<div class="readonly">17</div>' in page


def test_an_edit_shows_each_changed_field_old_beside_new(client, alice):
    entry = contact_edit(alice, city="Kraków", email="", description="Dzwonić po 16.")
    assert _changes(client, entry) == [
        ["Email", "anna@example.pl", "(empty)"],
        ["City", "Łódź", "Kraków"],
        ["Description", "(empty)", "Dzwonić po 16."],
    ]


def test_a_value_of_several_lines_keeps_its_lines(client, alice):
    entry = contact_edit(alice, description="Dzwonić\npo 16.")
    assert '<td class="new-value">Dzwonić<br>po 16.</td>' in _page(client, entry)


def test_an_edit_shows_groups_by_name(client, alice):
    entry = contact_edit(alice, group_ids=[3, 4, 9])
    # Group 9 was not among the groups read before the change: it is named by its number.
    assert _changes(client, entry) == [["Groups", "Klienci", "Klienci, Dostawcy, Group 9"]]


def test_an_edit_that_changed_nothing_says_so(client, alice):
    entry = contact_edit(alice)
    assert "No field was changed." in _page(client, entry)


def test_an_addition_shows_the_whole_new_record(client, alice):
    page = _page(client, contact_add(alice))
    assert "The new record" in page
    rows = table_rows(page, "change-list")
    assert ["First name", "", "Anna"] in rows
    assert ["Phone", "", "+48500600700"] in rows
    assert ["Tax ID (NIP)", "", "(empty)"] in rows
    assert ["Groups", "", "Klienci"] in rows
    assert len(rows) == 10


def test_a_deletion_shows_the_whole_old_record(client, alice):
    page = _page(client, contact_delete(alice))
    assert "The record as it was" in page
    rows = table_rows(page, "change-list")
    assert ["Last name", "Kowalska", ""] in rows
    assert ["Company", "Kowalscy sp. z o.o.", ""] in rows
    assert ["Groups", "Klienci, Dostawcy", ""] in rows
    # A deleted contact has no page to link to any more.
    assert "/contacts/17/change/" not in page


def test_a_group_rename_shows_the_names(client, alice):
    entry = group_edit(alice, old="Klienci", new="Klienci VIP")
    assert _changes(client, entry) == [["Name", "Klienci", "Klienci VIP"]]
    assert '<a href="/groups/3/change/">Klienci VIP</a>' in _page(client, entry)


def test_a_group_deletion_lists_its_members_and_that_they_were_kept(client, alice):
    bartek = ANNA.__class__(phone="+48600700800", first_name="Bartosz", last_name="Nowak")
    page = _page(client, group_delete(alice, members=[ANNA, bartek]))
    assert table_rows(page, "change-list") == [["Name", "Klienci", ""]]
    assert table_rows(page, "member-list") == [
        ["Anna Kowalska", "+48500600700", "anna@example.pl", "Klienci"],
        ["Bartosz Nowak", "+48600700800", "", "Klienci"],
    ]
    assert "They were kept; only the group was deleted." in page


def test_a_group_deletion_says_when_its_members_went_with_it(client, alice):
    page = _page(client, group_delete(alice, delete_contacts=True))
    assert "They were deleted together with the group." in page


def test_an_empty_groups_deletion_says_it_had_no_contacts(client, alice):
    page = _page(client, group_delete(alice, members=[]))
    assert "The group had no contacts." in page


def test_a_credentials_change_never_shows_a_secret(client, alice):
    entry = record_credentials_change(
        alice,
        {"auth_style": "token", "username": "", "secret": "old-token"},
        {"auth_style": "password", "username": "api-alice", "secret": "new-password"},
    )
    page = _page(client, entry)
    assert table_rows(page, "change-list") == [
        ["Sign in with", "API token", "API username and password"],
        ["API username", "(empty)", "api-alice"],
    ]
    assert "old-token" not in page and "new-password" not in page


@pytest.mark.parametrize(
    "outcome, words",
    [
        (Outcome.FAILED, "failed</span>"),
        (Outcome.UNKNOWN, "no answer came: the change may or may not have been made."),
    ],
)
def test_a_failed_or_unknown_outcome_shows_the_error(client, alice, outcome, words):
    entry = contact_edit(
        alice, city="Kraków", outcome=outcome, error="The SerwerSMS API did not answer in time."
    )
    page = _page(client, entry)
    assert f'<span class="outcome outcome-{outcome}">' in page
    assert '<p class="errornote">The SerwerSMS API did not answer in time.</p>' in page
    assert words in page


def test_it_links_to_the_whole_history_of_its_contact_or_group(client, alice):
    assert (
        '<a href="/history/?kind=contact&amp;target=17" class="historylink">'
        "History of this contact</a>" in _page(client, contact_edit(alice, city="Kraków"))
    )
    assert (
        '<a href="/history/?kind=group&amp;target=3" class="historylink">History of this group</a>'
        in _page(client, group_edit(alice))
    )


# --- Undo links -----------------------------------------------------------------------


def test_an_entry_that_can_be_undone_offers_it(client, alice):
    entry = contact_edit(alice, city="Kraków")
    assert f'<a href="/history/{entry.id}/undo/" class="undolink">Undo…</a>' in _page(client, entry)


def test_a_failed_entry_offers_no_undo(client, alice):
    entry = contact_edit(alice, city="Kraków", outcome=Outcome.FAILED, error="HTTP 500")
    assert "undolink" not in _page(client, entry)


def test_an_undone_entry_links_to_its_undo_and_back(client, alice):
    entry = aged(contact_edit(alice, city="Kraków"), days=1)
    undo = contact_edit(
        alice, ANNA.__class__(**{**ANNA.__dict__, "city": "Kraków"}), city="Łódź", undo_of=entry
    )
    page = _page(client, entry)
    assert "undolink" not in page
    assert f'<a href="/history/{undo.id}/">contact changed: Anna Kowalska</a>' in page
    assert f'<a href="/history/{entry.id}/">contact changed: Anna Kowalska</a>' in _page(
        client, undo
    )


# --- Whose entries ----------------------------------------------------------------------


def test_an_editor_cannot_open_someone_elses_entry(client, alice, bob):
    give_role(alice, roles.EDITOR)
    entry = contact_edit(bob, city="Kraków")
    assert client.get(f"/history/{entry.id}/").status_code == 404


def test_an_unknown_entry_is_not_found(client, alice):
    assert client.get("/history/999999/").status_code == 404


def test_a_superuser_opens_anyones_entry(client, alice, bob):
    entry = contact_edit(bob, city="Kraków")
    client.force_login(User.objects.create_superuser("root", password="pass-for-tests"))
    assert '<div class="readonly">bob</div>' in _page(client, entry)


def test_hostile_values_are_escaped(client, alice):
    hostile = "<script>alert(1)</script>"
    entry = contact_edit(alice, first_name=hostile, last_name="", city='"><img src=x>')
    page = _page(client, entry)
    assert hostile not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ["City", "Łódź", '"><img src=x>'] in table_rows(page, "change-list")


# --- The whole way: an edit through the app, then its history ------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_edit_made_in_the_app_shows_old_and_new_values(client, alice_account, api_url):
    user = make_user("alicja", token="alice-token")
    client.force_login(user)
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    anna = make_contact(
        alice_account,
        groups=[klienci],
        phone="+48500600700",
        first_name="Anna",
        last_name="Kowalska",
        city="Łódź",
    )
    page = client.get(f"/contacts/{anna.id}/change/").content.decode()
    values = form_values(page, "contact-form")
    values |= {"city": ["Kraków"], "group_id": [str(dostawcy.id)]}
    assert client.post(f"/contacts/{anna.id}/change/", values).status_code == 302

    listed = client.get("/history/").content.decode()
    [row] = table_rows(listed)
    assert row[1:] == ["alicja", "contact changed", "Anna Kowalska", "+48500600700", "done", ""]
    entry = HistoryEntry.objects.get()
    assert f'<a href="/history/{entry.id}/" data-row-link>Anna Kowalska</a>' in listed

    detail = client.get(f"/history/{entry.id}/").content.decode()
    assert table_rows(detail, "change-list") == [
        ["City", "Łódź", "Kraków"],
        ["Groups", "Klienci", "Dostawcy"],
    ]
    # And the contact's own history, from its change page's History link.
    assert table_rows(client.get(f"/history/?kind=contact&target={anna.id}").content.decode()) == [
        row
    ]
