"""The history page: the admin's changelist of the writes made through the app, own entries
only for staff, everyone's for a superuser, with search, filters and paging."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from contacts_ui import roles
from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import Group
from tests.helpers import give_role, make_contact, make_user, table_rows
from tests.history_entries import (
    ANNA,
    aged,
    contact_add,
    contact_delete,
    contact_edit,
    group_edit,
)

pytestmark = pytest.mark.django_db

URL = "/history/"
HTMX = {"HX-Request": "true"}
BARTEK = ANNA.__class__(phone="+48600700800", first_name="Bartosz", last_name="Nowak")


@pytest.fixture
def alice(client):
    user = make_user("alice")
    client.force_login(user)
    return user


def _names(client, params=None, **kwargs) -> list[str]:
    """The target names listed, top to bottom."""
    return [row[3] for row in table_rows(client.get(URL, params or {}, **kwargs).content.decode())]


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/history/"


def test_it_needs_no_api_credentials(client, alice):
    # The history is the app's own table: a user with no credentials still sees it.
    assert client.get(URL).status_code == 200


def test_it_lists_an_entry_in_local_time_with_every_column(client, alice):
    entry = contact_edit(alice, city="Kraków")
    aged(entry, at=datetime(2025, 1, 15, 11, 30, tzinfo=UTC))
    rows = table_rows(client.get(URL).content.decode())
    assert rows == [
        [
            "Jan. 15, 2025, 12:30 p.m.",
            "alice",
            "contact changed",
            "Anna Kowalska",
            "+48500600700",
            "done",
            "",
        ]
    ]


def test_the_name_links_to_the_entrys_page(client, alice):
    entry = contact_edit(alice, city="Kraków")
    page = client.get(URL).content.decode()
    assert f'<a href="/history/{entry.id}/" data-row-link>Anna Kowalska</a>' in page


def test_newest_entries_come_first(client, alice):
    aged(contact_add(alice), days=2)
    aged(group_edit(alice), days=1)
    contact_delete(alice, BARTEK, contact_id=18)
    assert _names(client) == ["Bartosz Nowak", "Klienci VIP", "Anna Kowalska"]


def test_each_outcome_looks_different(client, alice):
    contact_edit(alice, city="Kraków")
    contact_edit(alice, city="Gdańsk", outcome=HistoryEntry.Outcome.FAILED, error="HTTP 500")
    contact_edit(alice, city="Sopot", outcome=HistoryEntry.Outcome.UNKNOWN, error="No answer")
    page = client.get(URL).content.decode()
    assert [row[5] for row in table_rows(page)] == ["outcome unknown", "failed", "done"]
    for outcome, icon in [("done", "icon-yes"), ("failed", "icon-no"), ("unknown", "icon-alert")]:
        assert (
            f'<td class="field-outcome outcome-{outcome}"><img src="/static/admin/img/{icon}.svg"'
            in page
        )


def test_an_entry_undone_is_marked_so(client, alice):
    entry = contact_edit(alice, city="Kraków")
    contact_edit(alice, city="Łódź", undo_of=entry)
    kept = aged(contact_edit(alice, city="Gdańsk"), days=1)
    # An undo that failed undid nothing.
    contact_edit(alice, city="Łódź", undo_of=kept, outcome=HistoryEntry.Outcome.FAILED)
    rows = table_rows(client.get(URL).content.decode())
    undone = {row[6] for row in rows}
    assert undone == {"", "undone"}
    assert [row[6] for row in rows if row[6]] == ["undone"]


# --- Whose entries ---------------------------------------------------------------


def test_an_editor_sees_only_their_own_entries(client, alice, bob):
    give_role(alice, roles.EDITOR)
    contact_edit(alice, city="Kraków")
    contact_edit(bob, BARTEK, contact_id=18, city="Gdańsk")
    assert _names(client) == ["Anna Kowalska"]


def test_an_editor_cannot_ask_for_someone_elses_entries(client, alice, bob):
    give_role(alice, roles.EDITOR)
    contact_edit(alice, city="Kraków")
    contact_edit(bob, BARTEK, contact_id=18, city="Gdańsk")
    assert _names(client, {"u": bob.id}) == ["Anna Kowalska"]
    assert _names(client, {"u": bob.id, "kind": "contact", "target": "18"}) == []
    assert _names(client, {"q": "Nowak"}) == []


def test_an_editor_is_not_offered_a_user_filter(client, alice, bob):
    give_role(alice, roles.EDITOR)
    contact_edit(bob, BARTEK, contact_id=18, city="Gdańsk")
    page = client.get(URL).content.decode()
    assert "By user" not in page
    assert "bob" not in page


def test_a_superuser_sees_everyones_entries(client, alice, bob, root):
    aged(contact_edit(alice, city="Kraków"), days=1)
    contact_edit(bob, BARTEK, contact_id=18, city="Gdańsk")
    rows = table_rows(client.get(URL).content.decode())
    assert [(row[1], row[3]) for row in rows] == [
        ("bob", "Bartosz Nowak"),
        ("alice", "Anna Kowalska"),
    ]


def test_a_superuser_filters_by_user(client, alice, bob, root):
    contact_edit(alice, city="Kraków")
    contact_edit(bob, BARTEK, contact_id=18, city="Gdańsk")
    page = client.get(URL).content.decode()
    assert "By user" in page
    assert f'<a href="?u={bob.id}" hx-get="?u={bob.id}">bob</a>' in page
    assert _names(client, {"u": bob.id}) == ["Bartosz Nowak"]
    page = client.get(URL, {"u": bob.id}).content.decode()
    assert (
        f'<li class="selected"><a href="?u={bob.id}" hx-get="?u={bob.id}" '
        'aria-current="true">bob</a>' in page
    )


# --- Search and filters ------------------------------------------------------------


def test_it_searches_names(client, alice):
    contact_edit(alice, city="Kraków")
    contact_edit(alice, BARTEK, contact_id=18, city="Gdańsk")
    group_edit(alice, old="Newsletter", new="Newsletter 2025")
    assert _names(client, {"q": "kowal"}) == ["Anna Kowalska"]
    assert _names(client, {"q": "NEWS"}) == ["Newsletter 2025"]


def test_it_searches_phones(client, alice):
    contact_edit(alice, city="Kraków")
    contact_edit(alice, BARTEK, contact_id=18, city="Gdańsk")
    assert _names(client, {"q": "600700800"}) == ["Bartosz Nowak"]


def test_a_search_that_finds_nothing_says_so(client, alice):
    contact_edit(alice, city="Kraków")
    page = client.get(URL, {"q": "Zenon"}).content.decode()
    assert "No history entry matches “Zenon”." in page


def test_it_filters_by_action(client, alice):
    contact_add(alice)
    contact_delete(alice, BARTEK, contact_id=18)
    group_edit(alice)
    assert _names(client, {"a": "contact_delete"}) == ["Bartosz Nowak"]
    assert _names(client, {"a": "group_edit"}) == ["Klienci VIP"]
    page = client.get(URL, {"a": "group_edit"}).content.decode()
    assert (
        '<li class="selected"><a href="?a=group_edit" hx-get="?a=group_edit" '
        'aria-current="true">group renamed</a></li>' in page
    )


def test_it_filters_by_date(client, alice):
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = midnight.replace(day=1)
    aged(group_edit(alice, new="Just now"), at=now)
    aged(group_edit(alice, new="Before midnight"), at=midnight - timedelta(minutes=1))
    aged(group_edit(alice, new="Eight days ago"), at=now - timedelta(days=8))
    aged(group_edit(alice, new="First of the month"), at=month_start + timedelta(minutes=1))
    aged(group_edit(alice, new="Last month"), at=month_start - timedelta(minutes=1))

    assert set(_names(client, {"d": "today"})) == {"Just now"} | (
        {"First of the month"} if month_start == midnight else set()
    )
    week = set(_names(client, {"d": "week"}))
    assert {"Just now", "Before midnight"} <= week
    assert "Eight days ago" not in week
    month = set(_names(client, {"d": "month"}))
    assert {"Just now", "First of the month"} <= month
    assert "Last month" not in month
    assert len(_names(client)) == 5


def test_it_shows_one_contacts_history(client, alice):
    aged(contact_add(alice), days=3)
    aged(contact_edit(alice, city="Kraków"), days=2)
    contact_edit(alice, BARTEK, contact_id=18, city="Gdańsk")
    # A group with the same id at SerwerSMS is another record.
    group_edit(alice, group_id=17)
    page = client.get(URL, {"kind": "contact", "target": "17"}).content.decode()
    assert [row[3] for row in table_rows(page)] == ["Anna Kowalska", "Anna Kowalska"]
    assert "<h1>History of the contact “Anna Kowalska”</h1>" in page
    assert '<a href="/history/" hx-get="/history/">Show all entries</a>' in page


def test_it_shows_one_groups_history(client, alice):
    group_edit(alice, old="Klienci", new="Klienci VIP", group_id=3)
    group_edit(alice, old="Dostawcy", new="Hurtownie", group_id=4)
    assert _names(client, {"kind": "group", "target": "4"}) == ["Hurtownie"]


def test_filters_combine_and_the_search_keeps_them(client, alice):
    contact_edit(alice, city="Kraków")
    contact_delete(alice, ANNA, contact_id=19)
    assert _names(client, {"q": "Anna", "a": "contact_delete", "d": "week"}) == ["Anna Kowalska"]
    page = client.get(URL, {"a": "contact_delete", "d": "week", "kind": "contact", "target": "19"})
    html = page.content.decode()
    for name, value in [
        ("a", "contact_delete"),
        ("d", "week"),
        ("kind", "contact"),
        ("target", "19"),
    ]:
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    # Each filter's links keep the others.
    assert 'href="?a=contact_delete&amp;d=today&amp;kind=contact&amp;target=19"' in html


def test_bad_parameters_fall_back_to_defaults(client, alice):
    contact_edit(alice, city="Kraków")
    params = {"a": "drop_table", "d": "yesterday", "u": "x", "kind": "user", "target": "-1"}
    response = client.get(URL, {**params, "p": "abc", "q": "x" * 500})
    assert response.status_code == 200
    assert _names(client, params) == ["Anna Kowalska"]


# --- Paging and htmx ------------------------------------------------------------------


def _many(user, count):
    start = timezone.now()
    HistoryEntry.objects.bulk_create(
        HistoryEntry(
            user=user,
            username=user.username,
            action=HistoryEntry.Action.GROUP_ADD,
            kind=HistoryEntry.GROUP,
            outcome=HistoryEntry.Outcome.DONE,
            target_id=n,
            target_name=f"Grupa {n:03d}",
            at=start - timedelta(minutes=n),
            after={"id": n, "name": f"Grupa {n:03d}"},
        )
        for n in range(count)
    )


def test_it_pages_fifty_at_a_time(client, alice):
    _many(alice, 60)
    first = client.get(URL).content.decode()
    assert len(table_rows(first)) == 50
    assert "Grupa 049" in first and "Grupa 050" not in first
    assert "Page 1 of 2" in first and "60 entries" in first
    assert '<a href="?p=2" hx-get="?p=2" rel="next">' in first
    second = client.get(URL, {"p": "2"}).content.decode()
    assert [row[3] for row in table_rows(second)] == [f"Grupa {n:03d}" for n in range(50, 60)]
    assert '<a href="/history/" hx-get="/history/" rel="prev">' not in second
    assert '<a href="?" hx-get="?" rel="prev">' in second


def test_a_page_past_the_end_shows_the_last(client, alice):
    _many(alice, 60)
    page = client.get(URL, {"p": "99"}).content.decode()
    assert "Page 2 of 2" in page


def test_paging_keeps_the_filters(client, alice):
    _many(alice, 60)
    page = client.get(URL, {"q": "Grupa", "a": "group_add"}).content.decode()
    assert 'href="?q=Grupa&amp;a=group_add&amp;p=2"' in page


def test_an_empty_history_says_so(client, alice):
    page = client.get(URL).content.decode()
    assert "No history entries here." in page
    assert "Page 1 of 1" in page


def test_an_htmx_request_gets_only_the_table_and_the_filters(client, alice):
    contact_edit(alice, city="Kraków")
    response = client.get(URL, {"a": "contact_edit"}, headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="history-table"')
    assert "<html" not in body
    assert (
        '<nav id="changelist-filter" aria-labelledby="changelist-filter-header" hx-swap-oob="true"'
        in body
    )
    assert '<span id="history-search-state" hx-swap-oob="true">' in body
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, alice):
    response = client.get(URL, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_the_page_works_without_javascript(client, alice):
    page = client.get(URL).content.decode()
    assert '<form id="changelist-search" method="get" role="search" action="/history/"' in page
    assert '<a href="?d=today" hx-get="?d=today">Today</a>' in page


def test_the_sidebar_links_to_the_history(client, alice):
    page = client.get(URL).content.decode()
    assert "Activity" in page
    assert '<a href="/history/" aria-current="page">History</a>' in page


def test_hostile_names_are_escaped(client, alice):
    hostile = "<script>alert(1)</script>"
    contact_edit(alice, first_name=hostile, last_name="", phone='+48"><img src=x>')
    group_edit(alice, new=hostile)
    for params in [{}, {"q": hostile}]:
        page = client.get(URL, params).content.decode()
        assert hostile not in page
        assert "<img src=x>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- Links from the edit pages (the real pages, against the sandbox) ---------------------


@pytest.mark.django_db(transaction=True)
def test_a_contacts_change_page_links_to_its_history(client, alice_account, api_url):
    client.force_login(make_user("alicja", token="alice-token"))
    anna = make_contact(alice_account, first_name="Anna")
    page = client.get(f"/contacts/{anna.id}/change/").content.decode()
    assert (
        f'<a href="/history/?kind=contact&amp;target={anna.id}" class="historylink">History</a>'
        in page
    )
    assert "historylink" not in client.get("/contacts/add/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_groups_change_page_links_to_its_history(client, alice_account, api_url):
    client.force_login(make_user("alicja", token="alice-token"))
    group = Group.objects.create(account=alice_account, name="Klienci")
    page = client.get(f"/groups/{group.id}/change/").content.decode()
    assert (
        f'<a href="/history/?kind=group&amp;target={group.id}" class="historylink">History</a>'
        in page
    )
    assert "historylink" not in client.get("/groups/add/").content.decode()
