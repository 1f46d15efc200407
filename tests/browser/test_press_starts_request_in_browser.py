"""A press starts what its click will do, in Chromium (app.js): the list's next page, or a
contact's change form, is asked for when the mouse button goes down; the click that follows
makes no second request, and no second API call; a press let go off the link is called off;
the keyboard works as before."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every API call takes this long here: a press is held well within one.
LATENCY_MS = 400


@pytest.fixture
def contacts_page(alice_account, logged_in_page, settings) -> Page:
    """Alice's list of 30 contacts, 25 a page (two pages), every API call slowed down."""
    for n in range(30):
        make_contact(alice_account, f"+485006007{n:02d}", first_name=f"Osoba{n:02d}", last_name="K")
    page = logged_in_page
    # The last page first: the list's number is then known (cached), and no request for it
    # mixes with those these tests count.
    page.goto("/contacts/?n=25&p=2")
    page.goto("/contacts/?n=25")
    expect(rows(page)).to_have_count(25)
    settings.SANDBOX_LATENCY_MS = LATENCY_MS
    return page


def rows(page: Page):
    return page.get_by_role("table", name="Contacts").get_by_role("rowheader")


def requests_for(page: Page, path_prefix: str) -> list[str]:
    """The URLs the page asks for from now on under this path (its assets aside)."""
    seen = []
    page.on(
        "request",
        lambda request: (
            urlsplit(request.url).path.startswith(path_prefix) and seen.append(request.url)
        ),
    )
    return seen


def api_calls(wire: list, action: str) -> int:
    return sum(1 for call in wire if call["url"].endswith(f"/{action}.json"))


def test_a_press_on_next_asks_for_the_page_before_the_button_is_let_go(contacts_page, wire):
    page = contacts_page
    sent = requests_for(page, "/contacts/")
    calls_before = api_calls(wire, "contacts/index")
    page.get_by_role("link", name="Next").hover()

    with page.expect_request(lambda request: "p=2" in request.url):
        page.mouse.down()
    # The answer is still on its way (each API call takes 400 ms): the click comes now.
    page.mouse.up()

    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 of 2")
    expect(rows(page)).to_have_count(5)
    page.wait_for_timeout(LATENCY_MS + 400)  # long enough for a second request to show
    assert len(sent) == 1, sent
    assert api_calls(wire, "contacts/index") - calls_before == 1
    assert "p=2" in page.url


def test_a_press_on_a_contacts_name_loads_its_page_once(contacts_page, wire):
    page = contacts_page
    sent = requests_for(page, "/contacts/")
    name = rows(page).first.get_by_role("link")
    name.hover()

    with page.expect_request(lambda request: "/change/" in request.url):
        page.mouse.down()
    with page.expect_navigation():
        page.mouse.up()

    expect(page.locator("form#contact-form")).to_be_visible()
    assert [urlsplit(url).path.endswith("/change/") for url in sent] == [True], sent
    assert api_calls(wire, "contacts/view") == 1


def test_a_press_let_go_off_the_link_is_called_off(contacts_page, new_page):
    page = contacts_page
    # htmx reports the request it was told to abort on the console; that is the point here.
    new_page.expect_console_error("htmx:sendAbort")
    new_page.expect_console_error("htmx:afterRequest")
    next_link = page.get_by_role("link", name="Next")
    next_link.hover()
    with page.expect_request(lambda request: "p=2" in request.url):
        page.mouse.down()
    page.get_by_role("heading", name="Contacts", level=1).hover()
    page.mouse.up()

    page.wait_for_timeout(LATENCY_MS + 400)
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 1 of 2")
    assert "p=2" not in page.url


def test_the_keyboard_still_opens_the_next_page_and_a_contact(contacts_page, wire):
    page = contacts_page
    sent = requests_for(page, "/contacts/")
    page.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 of 2")

    page.locator("body").click(position={"x": 5, "y": 5})  # nothing focused: shortcuts listen
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("form#contact-form")).to_be_visible()
    assert len(sent) == 2, sent
    assert api_calls(wire, "contacts/view") == 1
