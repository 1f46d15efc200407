"""The contacts list filtered by the blacklist flag. The API cannot filter by it, so a page
looks through the search's contacts for it, a few reads at most, and goes on from where it
stopped ("Look further"); bulk actions and the export follow the filter."""

import html
import re

import pytest

from contacts_ui.models import Job
from contacts_ui.sandbox.models import BlacklistedNumber
from contacts_ui.views import shared
from tests.bulk_actions import ACTION_URL
from tests.helpers import form_values, make_contact, table_rows
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

LISTED_AT = (3, 12, 25)


@pytest.fixture
def thirty(alice_account, monkeypatch):
    """Thirty contacts, sorted by last name Osoba01 to Osoba30; three on the blacklist.
    The API is read five at a time here, so that a page's four reads look through twenty."""
    monkeypatch.setattr(shared, "PAGE_LIMIT", 5)
    people = [
        make_contact(
            alice_account,
            f"+485006007{n:02d}",
            last_name=f"Osoba{n:02d}",
            blacklist=n in LISTED_AT,
        )
        for n in range(1, 31)
    ]
    return people


def names(page: str) -> list[str]:
    return [row[1] for row in table_rows(page)]


def test_the_filter_looks_through_a_few_reads_at_a_time_and_goes_further(
    client, alice, thirty, wire
):
    page = client.get("/contacts/?b=yes").content.decode()

    assert names(page) == ["Osoba03", "Osoba12"]
    assert "Looked through contacts 1 to 20 of this list for the blacklist filter." in page
    reads = [c for c in wire if c["url"].endswith("/contacts/index.json")]
    assert len(reads) == 4  # the most a page makes
    further = html.unescape(re.search(r'<a href="([^"]*)" rel="next">Look further', page)[1])
    assert further == "?b=yes&s=20"

    page = client.get(f"/contacts/{further}").content.decode()
    assert names(page) == ["Osoba25"]
    assert "Looked through contacts 21 to 30" in page
    assert 'rel="next"' not in page  # the end of the list


def test_the_filter_stops_at_a_full_page(client, alice, alice_account, monkeypatch):
    monkeypatch.setattr(shared, "PAGE_LIMIT", 10)  # four reads look through forty
    for n in range(1, 31):
        make_contact(alice_account, f"+485006007{n:02d}", last_name=f"Osoba{n:02d}", blacklist=True)
    page = client.get("/contacts/?b=yes&n=25").content.decode()
    assert len(names(page)) == 25
    further = re.search(r'<a href="([^"]*)" rel="next">', page).group(1)
    assert further.replace("&amp;", "&") == "?b=yes&n=25&s=25"


def test_not_on_the_blacklist_and_a_search_keep_the_filter(client, alice, thirty):
    page = client.get("/contacts/?b=no&q=Osoba1").content.decode()
    assert names(page) == [f"Osoba{n}" for n in range(10, 20) if n not in LISTED_AT]
    assert '<input type="hidden" name="b" value="no">' in page  # a new search keeps it
    sidebar = page[page.index('<details data-filter-title="blacklist"') :]
    assert 'class="selected"><a href="?q=Osoba1&amp;b=no" aria-current="true">Not on the' in (
        sidebar
    )


def test_nothing_found_says_what_was_looked_through(client, alice, thirty):
    BlacklistedNumber.objects.all().delete()
    page = client.get("/contacts/?b=yes&q=Osoba2").content.decode()
    assert "None of the contacts looked through is on the blacklist." in page


def test_ticked_contacts_of_a_filtered_list_are_acted_on(client, alice, alice_account, thirty):
    page = client.get("/contacts/?b=yes").content.decode()
    values = form_values(page, "changelist-form")
    values |= {"action": ["blacklist_remove"], "_selected_action": [str(thirty[2].id)]}
    confirmation = client.post(ACTION_URL, values)
    assert (
        "The number of 1 contact will be taken off the blacklist" in confirmation.content.decode()
    )
    client.post(ACTION_URL, form_values(confirmation.content.decode(), "action-confirm"))
    run_worker()
    assert not BlacklistedNumber.objects.filter(phone=thirty[2].phone).exists()


def test_every_contact_a_search_finds_is_not_offered_with_the_filter(client, alice, thirty):
    page = client.get("/contacts/?b=yes").content.decode()
    assert 'id="select-across"' not in page
    values = {
        **form_values(page, "changelist-form"),
        "action": ["delete"],
        "select_across": ["1"],
    }
    response = client.post(ACTION_URL, values, follow=True)
    assert "cannot be chosen while the list is filtered by the blacklist" in (
        response.content.decode()
    )
    assert not Job.objects.exists()


def test_the_export_follows_the_filter(client, alice, thirty):
    response = client.get("/contacts/export.csv?b=yes")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [line.split(";")[1] for line in text.splitlines()[1:]] == [
        "Osoba03",
        "Osoba12",
        "Osoba25",
    ]
