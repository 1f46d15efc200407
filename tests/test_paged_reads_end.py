"""Every paged read ends: at the page count the API gives, at an empty page, and at a hard
bound, and an API that ignores `page` is caught at once instead of being read for ever.
(Confirmed divergence of issue 15: a server that ignores `page` looped without end.)"""

import pytest

from contacts_ui import serwersms
from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.serwersms import BadResponse, Page, every_item, every_page

EXPORT_URL = "/contacts/export.csv"


def _reader(answer):
    """read(page_number) -> answer(page_number), counting the calls."""

    def read(number):
        read.calls.append(number)
        return answer(number)

    read.calls = []
    return read


def test_a_read_stops_at_the_page_count_the_api_gives():
    read = _reader(lambda n: Page(items=[n], page=n, pages=3))
    assert every_item(read) == [1, 2, 3]
    assert read.calls == [1, 2, 3]


def test_an_api_that_gives_its_first_page_again_is_caught_at_the_second_page():
    read = _reader(lambda n: Page(items=["the same"], page=1, pages=40))
    with pytest.raises(BadResponse) as caught:
        every_item(read)
    assert read.calls == [1, 2]
    assert "answered page 1 when asked for page 2" in str(caught.value)


def test_an_api_that_counts_pages_without_end_is_read_no_further_than_the_bound(monkeypatch):
    monkeypatch.setattr(serwersms, "MAX_PAGES", 5)
    read = _reader(lambda n: Page(items=[n], page=n, pages=10**9))
    with pytest.raises(BadResponse) as caught:
        every_item(read)
    assert read.calls == [1, 2, 3, 4, 5]
    assert "more than 5 pages" in str(caught.value)


def test_an_empty_page_ends_the_read_whatever_the_count_says():
    read = _reader(lambda n: Page(items=[n] if n < 3 else [], page=n, pages=50))
    assert every_item(read) == [1, 2]
    assert read.calls == [1, 2, 3]


def test_a_page_already_read_is_not_read_again():
    read = _reader(lambda n: Page(items=[n], page=n, pages=2))
    pages = list(every_page(read, first=Page(items=["first"], page=1, pages=2)))
    assert [p.items for p in pages] == [["first"], [2]]
    assert read.calls == [2]


@pytest.fixture
def api_ignoring_page(monkeypatch):
    """The sandbox's contacts/index answering its first page whatever page is asked for."""
    index = sandbox_api.ACTIONS[("contacts", "index")]

    def first_page_always(account, params):
        return index(account, {**params, "page": 1})

    monkeypatch.setitem(sandbox_api.ACTIONS, ("contacts", "index"), first_page_always)


def test_an_export_from_an_api_ignoring_page_ends_saying_it_is_incomplete(
    client, alice, alice_account, monkeypatch, api_ignoring_page, wire
):
    for number in range(5):
        sandbox_api.contacts_add(alice_account, {"phone": f"+4850000000{number}"})
    monkeypatch.setattr("contacts_ui.views.export.PAGE_LIMIT", 2)
    response = client.get(EXPORT_URL, {"o": "phone"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 2 + 1  # headings, the first page once, the sentence
    assert lines[-1].startswith("THE EXPORT IS INCOMPLETE: the contacts after page 1")
    assert "answered page 1 when asked for page 2" in lines[-1]
    assert len([call for call in wire if "contacts/index" in call["url"]]) == 2
