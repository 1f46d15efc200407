"""How many contacts the list's search finds, said under the list ("1–25 of 1,234"): known
at once on the last page or when cached, else "more than" what is sure and asked for by
htmx (contacts/total/), one call, cached (contacts_ui.contact_total)."""

import html
import re

import pytest

from contacts_ui import group_list
from contacts_ui.sandbox.models import Contact, Group, Membership
from tests.helpers import make_contact

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/contacts/"
HTMX = {"HX-Request": "true"}
SIZE = 1_234
IN_GROUP = 234
NOWAK = 60


@pytest.fixture
def book(alice_account):
    """SIZE contacts: NOWAK of them named Nowak, IN_GROUP of them in the group Klienci."""
    group = Group.objects.create(account=alice_account, name="Klienci")
    contacts = [
        Contact(
            account=alice_account,
            phone=f"+4860{n:07d}",
            first_name=f"Osoba{n}",
            last_name="Nowak" if n < NOWAK else "Testowa",
        )
        for n in range(SIZE)
    ]
    for contact in contacts:
        contact.refresh_search_text()
    Contact.objects.bulk_create(contacts, batch_size=1000)
    members = Contact.objects.filter(account=alice_account).order_by("id")[:IN_GROUP]
    Membership.objects.bulk_create([Membership(contact=c, group=group) for c in members])
    return group


def _total(page: str) -> str | None:
    """The paginator's words on the number, as a reader sees them."""
    found = re.search(r'<span id="contact-total"[^>]*>(.*?)</span>', page)
    return html.unescape(found.group(1)) if found else None


def _asks(page: str) -> str | None:
    """Where the page asks for the number, if it does."""
    found = re.search(r'<span id="contact-total"[^>]*hx-get="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def _index_calls(wire) -> int:
    return sum(call["url"].endswith("contacts/index.json") for call in wire)


def test_a_first_page_says_what_is_sure_and_asks_for_the_number(client, alice, book):
    page = client.get(URL, {"n": "25"}).content.decode()

    assert "Page 1 of 50" in page
    assert _total(page) == "1–25 of more than 1,225"
    assert _asks(page) == "/contacts/total/?n=25&pages=50"
    assert 'hx-trigger="revealed"' in page

    answer = client.get(_asks(page), headers=HTMX)
    assert answer.status_code == 200
    assert _total(answer.content.decode()) == "1–25 of 1,234"
    assert _asks(answer.content.decode()) is None


def test_the_last_page_tells_the_number_itself(client, alice, book):
    page = client.get(URL, {"n": "25", "p": "50"}).content.decode()

    assert _total(page) == "1,226–1,234 of 1,234"
    assert _asks(page) is None


def test_a_single_page_tells_the_number_itself(client, alice, book):
    page = client.get(URL, {"q": "Nowak", "n": "100"}).content.decode()

    assert _total(page) == "1–60 of 60"
    assert _asks(page) is None


def test_once_counted_every_page_says_the_number_at_once(client, alice, book, wire):
    first = client.get(URL, {"n": "25"}).content.decode()
    client.get(_asks(first), headers=HTMX)

    del wire[:]
    page = client.get(URL, {"n": "25", "p": "7"}, headers=HTMX).content.decode()
    assert _total(page) == "151–175 of 1,234"
    assert _asks(page) is None
    assert _index_calls(wire) == 1  # the page's own, and nothing for the number
    # The number does not depend on the page size or the sort.
    page = client.get(URL, {"n": "100", "o": "-phone", "p": "3"}).content.decode()
    assert _total(page) == "201–300 of 1,234"


def test_the_number_costs_one_call_once(client, alice, book, wire):
    page = client.get(URL, {"n": "25"}).content.decode()
    assert _index_calls(wire) == 1  # the page asks for nothing more itself

    del wire[:]
    client.get(_asks(page), headers=HTMX)
    assert len(wire) == 1 and wire[0]["url"].endswith("contacts/index.json")
    assert wire[0]["json"]["page"] == 50  # the last page

    del wire[:]
    answer = client.get(_asks(page), headers=HTMX).content.decode()
    assert _total(answer) == "1–25 of 1,234"
    assert wire == []


def test_a_write_through_the_app_has_the_number_read_again(client, alice, book, wire):
    page = client.get(URL, {"n": "25"}).content.decode()
    client.get(_asks(page), headers=HTMX)
    response = client.post(
        "/contacts/add/", {"phone": "+48500600799", "first_name": "Nowa", "groups_shown": "1"}
    )
    assert response.status_code == 302

    page = client.get(URL, {"n": "25"}).content.decode()
    assert _total(page) == "1–25 of more than 1,225"
    del wire[:]
    answer = client.get(_asks(page), headers=HTMX).content.decode()
    assert _total(answer) == "1–25 of 1,235"
    assert _index_calls(wire) == 1


def test_a_search_is_counted(client, alice, book):
    page = client.get(URL, {"q": "Nowak", "n": "25", "p": "2"}).content.decode()
    assert _total(page) == "26–50 of more than 50"
    assert _asks(page) == "/contacts/total/?q=Nowak&n=25&p=2&pages=3"

    answer = client.get(_asks(page), headers=HTMX).content.decode()
    assert _total(answer) == "26–50 of 60"


def test_a_group_filter_is_counted(client, alice, book):
    page = client.get(URL, {"g": str(book.id), "n": "100"}).content.decode()
    assert _total(page) == "1–100 of more than 200"

    answer = client.get(_asks(page), headers=HTMX).content.decode()
    assert _total(answer) == "1–100 of 234"
    # Another search keeps its own number.
    page = client.get(URL, {"n": "100"}).content.decode()
    assert _total(page) == "1–100 of more than 1,200"


def test_a_search_that_finds_nothing_says_so_without_a_number(client, alice, book):
    page = client.get(URL, {"q": "Nikt"}).content.decode()

    assert "No contact matches “Nikt”." in page
    assert _total(page) is None


def test_the_blacklist_filter_keeps_its_own_words(client, alice, alice_account):
    make_contact(alice_account, "+48500600701", first_name="Jan", blacklist=True)
    page = client.get(URL, {"b": "yes"}).content.decode()

    assert 'id="flag-scan"' in page
    assert _total(page) is None


def test_it_speaks_polish_with_polish_numbers(client, alice, book):
    polish = {"Accept-Language": "pl"}
    page = client.get(URL, {"n": "25"}, headers=polish).content.decode()
    assert _total(page) == "1–25 z ponad 1\xa0225"

    answer = client.get(_asks(page), headers={**HTMX, **polish}).content.decode()
    assert _total(answer) == "1–25 z 1\xa0234"


def test_when_the_number_cannot_be_read_the_page_stays_true(client, alice, book, faults):
    page = client.get(URL, {"n": "25", "p": "2"}).content.decode()
    faults("http500")

    answer = client.get(_asks(page), headers=HTMX)
    assert answer.status_code == 200
    assert _total(answer.content.decode()) == "26–50 of more than 1,225"
    assert _asks(answer.content.decode()) is None


def test_a_list_shrunk_since_its_page_is_counted_again(client, alice, book, wire):
    page = client.get(URL, {"n": "25"}).content.decode()
    Contact.objects.filter(last_name="Testowa").delete()

    del wire[:]
    answer = client.get(_asks(page), headers=HTMX).content.decode()
    assert _total(answer) == "1–25 of 60"
    assert _index_calls(wire) == 2  # the last page that was, then the last page that is


def test_it_is_not_a_page_of_its_own(client, alice, book):
    response = client.get("/contacts/total/?q=Nowak&n=25&pages=3")

    assert response.status_code == 302
    assert response.url == "/contacts/?q=Nowak&n=25"


def test_a_write_elsewhere_moves_the_version_on(client, alice, book, wire):
    page = client.get(URL, {"n": "25"}).content.decode()
    client.get(_asks(page), headers=HTMX)
    group_list.changed(alice)

    del wire[:]
    client.get(_asks(page), headers=HTMX)
    assert _index_calls(wire) == 1
