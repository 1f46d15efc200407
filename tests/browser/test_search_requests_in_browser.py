"""Searching the contacts list as you type, in Chromium: one request per pause in the typing,
and a newer search cancelling an older one still on its way (hx-sync="this:replace")."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.helpers import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Quicker than the form's 300 ms pause (hx-trigger="input changed delay:300ms").
KEY_DELAY_MS = 40


@pytest.fixture
def kowalscy(alice_account):
    make_contact(alice_account, "+48500600701", first_name="Anna", last_name="Kowalska")
    make_contact(alice_account, "+48500600702", first_name="Adam", last_name="Kowalski")
    make_contact(alice_account, "+48500600703", first_name="Beata", last_name="Nowak")


@pytest.fixture
def contacts_page(kowalscy, logged_in_page) -> Page:
    page = logged_in_page
    page.goto("/contacts/")
    expect(rows(page)).to_have_count(3)
    return page


def rows(page: Page):
    return page.get_by_role("table", name="Contacts").get_by_role("rowheader")


def searched_for(request: Request) -> str:
    return parse_qs(urlsplit(request.url).query).get("q", [""])[0]


def list_requests(page: Page, event: str = "request") -> list[Request]:
    """The requests for the contacts list made from now on (the page's own assets aside)."""
    seen = []
    page.on(
        event, lambda request: urlsplit(request.url).path == "/contacts/" and seen.append(request)
    )
    return seen


def test_typing_sends_one_request_per_pause(contacts_page):
    page = contacts_page
    sent = list_requests(page)
    search = page.get_by_role("textbox", name="Search contacts")

    search.press_sequentially("kowal", delay=KEY_DELAY_MS)
    expect(rows(page)).to_have_text(["Anna", "Adam"])
    page.wait_for_timeout(600)  # long enough for a late request to show
    assert [searched_for(request) for request in sent] == ["kowal"]

    search.press_sequentially("ski", delay=KEY_DELAY_MS)
    expect(rows(page)).to_have_text(["Adam"])
    page.wait_for_timeout(600)
    assert [searched_for(request) for request in sent] == ["kowal", "kowalski"]


def test_a_newer_search_cancels_an_older_one_still_on_its_way(contacts_page, settings):
    page = contacts_page
    # Every API call now takes 1.5 s: the first search is still on its way when the second goes.
    settings.SANDBOX_LATENCY_MS = 1500
    # htmx reports an aborted request on the console as an error (htmx:afterRequest and
    # htmx:sendAbort); here the abort is the point, so those two, and only those, are not
    # taken for a broken page.
    page.evaluate(
        """() => {
            const error = console.error;
            console.error = (...args) => {
                if (!/^htmx:(afterRequest|sendAbort), /.test(args[0])) error(...args);
            };
        }"""
    )
    sent, failed, finished = (
        list_requests(page),
        list_requests(page, "requestfailed"),
        list_requests(page, "requestfinished"),
    )
    search = page.get_by_role("textbox", name="Search contacts")

    with page.expect_request(lambda request: searched_for(request) == "kowal"):
        search.press_sequentially("kowal", delay=KEY_DELAY_MS)
    search.press_sequentially("ski", delay=KEY_DELAY_MS)

    expect(rows(page)).to_have_text(["Adam"], timeout=15_000)
    expect(page).to_have_url("/contacts/?q=kowalski")
    assert [searched_for(request) for request in sent] == ["kowal", "kowalski"]
    assert [searched_for(request) for request in failed] == ["kowal"]
    assert failed[0].failure == "net::ERR_ABORTED"
    assert [searched_for(request) for request in finished] == ["kowalski"]
