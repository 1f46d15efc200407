"""Exporting the contacts list to CSV: for Polish Excel, streamed, as the list stands."""

import csv
import io

import pytest
from django.utils import timezone

from contacts_ui.sandbox.models import Group
from tests.helpers import ANNA, make_contact, make_user, sandbox_fails_after

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/contacts/export.csv"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _rows(response) -> list[list[str]]:
    text = _body(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture
def kowalscy(alice_account):
    """Five contacts: three in "Klienci" (two of them Kowalski), two in no group."""
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(
        alice_account,
        "+48500000001",
        groups=[klienci],
        first_name="Zofia",
        last_name="Kowalska",
        city="Łódź",
    )
    make_contact(
        alice_account,
        "+48500000002",
        groups=[klienci],
        first_name="Adam",
        last_name="Kowalski",
        city="Gdańsk",
    )
    make_contact(
        alice_account,
        "+48500000003",
        groups=[klienci],
        first_name="Żaneta",
        last_name="Nowak",
        city="Kraków",
    )
    make_contact(alice_account, "+48500000004", first_name="Ewa", last_name="Kowalczyk")
    make_contact(alice_account, "+48500000005", first_name="Jan", last_name="Wiśniewski")
    return klienci


# --- Access -----------------------------------------------------------------------


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/contacts/export.csv"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get(URL)
    assert response.url == "/settings/credentials/?next=%2Fcontacts%2Fexport.csv"


def test_it_rejects_post(client, alice):
    assert client.post(URL).status_code == 405


# --- The file ---------------------------------------------------------------------


def test_it_is_streamed_as_an_attachment_named_by_the_date(client, alice, kowalscy):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.csv"'


def test_it_starts_with_a_byte_order_mark_for_excel(client, alice, kowalscy):
    assert _body(client.get(URL)).startswith(b"\xef\xbb\xbf")


def test_cells_are_separated_by_semicolons_under_headings(client, alice, kowalscy):
    lines = _body(client.get(URL)).decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "First name;Last name;Phone;Email;Company;City;Tax ID;Address;Description;Group;Blacklisted"
    )


def test_the_headings_are_translated(client, alice, kowalscy):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="pl")
    headings = _rows(response)[0]
    assert headings[0] != "First name"
    assert headings[0] == "Imię"


def test_every_field_of_a_contact_is_written_and_polish_letters_survive(
    client, alice, alice_account
):
    vip = Group.objects.create(account=alice_account, name="Klienci żółci")
    make_contact(alice_account, groups=[vip], **ANNA)
    rows = _rows(client.get(URL))
    assert rows[1] == [
        "Anna",
        "Kowalska",
        "+48500600700",
        "anna@example.pl",
        "Kowalscy sp. z o.o.",
        "Łódź",
        "526-025-02-74",
        "ul. Piotrkowska 1",
        "Dzwonić po 16.",
        "Klienci żółci",
        "No",
    ]
    # UTF-8, so that no letter is lost to a code page.
    assert "Łódź".encode() in _body(client.get(URL))


def test_an_empty_list_gives_the_headings_alone(client, alice):
    assert len(_rows(client.get(URL))) == 1


# --- As the list stands -----------------------------------------------------------


def test_it_exports_the_list_as_searched_filtered_and_sorted(client, alice, kowalscy):
    response = client.get(URL, {"q": "kowal", "g": str(kowalscy.id), "o": "-first_name"})
    names = [row[0] for row in _rows(response)[1:]]
    # In the sandbox: Kowal… in Klienci are Zofia and Adam (Ewa Kowalczyk is in no group).
    assert names == ["Zofia", "Adam"]


def test_it_exports_contacts_in_no_group(client, alice, kowalscy):
    names = [row[0] for row in _rows(client.get(URL, {"g": "none", "o": "first_name"}))[1:]]
    assert names == ["Ewa", "Jan"]


def test_it_exports_every_contact_in_the_lists_default_order(client, alice, kowalscy):
    names = [row[1] for row in _rows(client.get(URL))[1:]]
    assert names == ["Kowalczyk", "Kowalska", "Kowalski", "Nowak", "Wiśniewski"]


def test_a_bad_query_value_falls_back_as_on_the_list(client, alice, kowalscy):
    response = client.get(URL, {"o": "password", "g": "drop table"})
    assert len(_rows(response)) == 6


def test_it_reads_page_after_page(client, alice, kowalscy, monkeypatch, wire):
    monkeypatch.setattr("contacts_ui.views.export.PAGE_LIMIT", 2)
    rows = _rows(client.get(URL, {"o": "phone"}))
    assert [row[2] for row in rows[1:]] == [f"+4850000000{n}" for n in range(1, 6)]
    pages = [call["json"]["page"] for call in wire if call["url"].endswith("contacts/index.json")]
    assert pages == [1, 2, 3]
    assert all(call["json"]["limit"] == 2 for call in wire)


def test_a_page_is_read_only_when_the_one_before_is_written(
    client, alice, kowalscy, monkeypatch, wire
):
    # So that 100,000 contacts are never in memory at once.
    monkeypatch.setattr("contacts_ui.views.export.PAGE_LIMIT", 2)
    chunks = iter(client.get(URL).streaming_content)
    next(chunks), next(chunks)  # the headings, the first page
    assert len(wire) == 1
    next(chunks)
    assert len(wire) == 2


def test_the_link_on_the_list_carries_the_lists_query(client, alice, kowalscy):
    page = client.get("/contacts/", {"q": "kowal", "o": "-first_name"}).content.decode()
    assert 'href="/contacts/export.csv?q=kowal&amp;o=-first_name" id="contact-export"' in page


# --- Spreadsheet formulas -----------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_is_made_text(client, alice, alice_account, start):
    make_contact(alice_account, first_name=f'{start}HYPERLINK("http://x")', city=f"{start}1+1")
    row = _rows(client.get(URL))[1]
    assert row[0] == f'\'{start}HYPERLINK("http://x")'
    assert row[5] == f"'{start}1+1"


def test_a_phone_in_e164_is_left_as_it_is(client, alice, alice_account):
    make_contact(alice_account, "+48500600700", description="+48500600700")
    row = _rows(client.get(URL))[1]
    assert row[2] == "+48500600700"
    # The same text in another column is defused: only a phone is known to be a number.
    assert row[8] == "'+48500600700"


# --- Failures -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["http500", "api_error", "malformed"])
def test_when_the_first_page_fails_it_shows_the_list_with_a_message(
    client, alice, kowalscy, faults, mode
):
    faults(mode)
    response = client.get(URL, {"q": "kowal", "o": "-first_name"})
    assert response.status_code == 302
    assert response.url == "/contacts/?q=kowal&o=-first_name"
    page = client.get(response.url).content.decode()
    assert "The contacts could not be exported." in page


def test_when_a_later_page_fails_the_file_ends_saying_it_is_incomplete(
    client, alice, kowalscy, monkeypatch
):
    monkeypatch.setattr("contacts_ui.views.export.PAGE_LIMIT", 2)
    # The first page answers; every call after it (retries included) fails.
    sandbox_fails_after(monkeypatch, answered=1, mode="http500")
    response = client.get(URL, {"o": "phone"})
    assert response.status_code == 200
    rows = _rows(response)
    assert [row[2] for row in rows[1:3]] == ["+48500000001", "+48500000002"]
    assert len(rows) == 4
    assert rows[3][0].startswith("THE EXPORT IS INCOMPLETE: the contacts after page 1")
    assert "(HTTP 500)" in rows[3][0]
