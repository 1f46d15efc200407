"""What an htmx swap tells a screen reader, and where it leaves a keyboard user's focus: the
page's live region (#announcer, role=status) says the result in a few words (an error says
itself, as an alert), and focus stays in the search box while typing, goes to the results
after a page or sort link, to the next row after a row is deleted in place, and to the error
when something went wrong."""

import re
import time

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from contacts_ui.models import ListPreferences
from contacts_ui.sandbox.models import Group
from tests.helpers import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(alice_account):
    """Anna Kowalska in Klienci, and 30 contacts after her: Osoba Nowak 00 to Osoba Nowak 29."""
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, "+48500600700", [klienci], first_name="Anna", last_name="Kowalska")
    for n in range(30):
        make_contact(
            alice_account, f"+485006008{n:02}", first_name="Osoba", last_name=f"Nowak {n:02}"
        )


@pytest.fixture
def contacts_page(logged_in_page, people) -> Page:
    """Alice on the contacts list, 25 to a page."""
    page = logged_in_page
    ListPreferences.objects.create(user=User.objects.get(username="alice"), page_size=25)
    page.goto("/contacts/")
    expect(page.locator("#result_list")).to_be_visible()
    return page


def said(page: Page) -> list[str]:
    """The words of each status region of the page, as the browser's accessibility tree has
    them: what a screen reader reads (the announcer keeps its words in a closed shadow root,
    out of reach of Playwright's locators)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    by_id = {node["nodeId"]: node for node in nodes}

    def words(node) -> list[str]:
        if node.get("role", {}).get("value") in ("StaticText", "InlineTextBox"):
            return [node.get("name", {}).get("value", "")]
        found = []
        for child in node.get("childIds", []):
            if child in by_id and by_id[child].get("role", {}).get("value") != "InlineTextBox":
                found += words(by_id[child])
        return found

    return [
        " ".join("".join(words(node)).split())
        for node in nodes
        if node.get("role", {}).get("value") == "status"
    ]


def announced(page: Page, expected, timeout: float = 5.0) -> None:
    """Wait until the announcer says exactly this (a string) or matches it (a pattern)."""
    deadline = time.monotonic() + timeout
    while True:
        now = said(page)
        if any(
            expected.search(text) if isinstance(expected, re.Pattern) else text == expected
            for text in now
        ):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"The live regions say {now!r}, not {expected!r}")
        page.wait_for_timeout(100)


def focused(page: Page):
    return page.locator(":focus")


def test_the_live_region_is_polite_and_empty_on_a_fresh_page(contacts_page):
    region = contacts_page.get_by_role("status").and_(contacts_page.locator("#announcer"))
    expect(region).to_have_attribute("aria-live", "polite")
    assert said(contacts_page) == [""]


def test_typing_a_search_keeps_focus_in_the_box_and_says_what_was_found(contacts_page):
    page = contacts_page
    box = page.get_by_role("textbox", name="Search contacts")
    box.press_sequentially("Kowal")

    announced(page, re.compile(r"^Contacts, Page 1 of 1\b"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(box).to_be_focused()

    box.press_sequentially("ski-nikt")

    announced(page, "No contact matches “Kowalski-nikt”.")
    expect(box).to_be_focused()


def test_a_page_link_taken_by_keyboard_moves_focus_to_the_results(contacts_page):
    page = contacts_page
    page.get_by_role("link", name="Next ›").focus()
    page.keyboard.press("Enter")

    announced(page, re.compile(r"^Contacts, Page 2 of 2\b"))
    expect(page.locator("#contact-results")).to_be_focused()
    # The keyboard goes on from there: the first link of the results is next.
    page.keyboard.press("Tab")
    expect(focused(page)).to_have_count(1)
    assert page.evaluate("document.activeElement.closest('#contact-results') !== null")


def test_a_sort_link_moves_focus_to_the_results(contacts_page):
    page = contacts_page
    page.locator("#result_list thead").get_by_role("link", name="Phone").focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"o=phone"))
    expect(page.locator("#contact-results")).to_be_focused()
    announced(page, re.compile(r"^Contacts, Page 1 of 2\b"))


def test_a_row_deleted_in_place_says_so_and_hands_focus_to_the_next_row(contacts_page):
    page = contacts_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Delete Anna Kowalska").focus()
    page.keyboard.press("Enter")

    announced(page, "The contact “Anna Kowalska” was deleted.")
    expect(page.get_by_role("link", name="Delete Anna Kowalska")).to_have_count(0)
    # Sorted by last name, Anna Kowalska was first: Osoba Nowak 00 is first now.
    next_link = page.locator("#result_list tbody tr").first.locator("[data-row-link]")
    expect(next_link).to_be_focused()


def test_the_last_row_deleted_hands_focus_to_the_row_before(contacts_page):
    page = contacts_page
    page.on("dialog", lambda dialog: dialog.accept())
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(25)
    last = rows.nth(24)
    phone = last.locator("td.field-phone").inner_text()
    last.locator("a.deletelink").focus()
    page.keyboard.press("Enter")

    expect(rows).to_have_count(24)
    expect(rows.nth(23).locator("[data-row-link]")).to_be_focused()
    announced(page, re.compile("was deleted."))
    assert phone not in page.locator("#result_list").inner_text()


def test_a_list_that_fails_to_load_moves_focus_to_the_error_an_alert(contacts_page, settings):
    page = contacts_page
    settings.SANDBOX_FAILURE_RATE = 1.0
    settings.SANDBOX_FAILURE_MODES = ["http500"]
    page.get_by_role("link", name="Next ›").focus()
    page.keyboard.press("Enter")

    # The error is an alert, read as it comes: the announcer does not say it again.
    error = page.locator("#contact-results").get_by_role("alert")
    expect(error).to_be_focused()
    expect(error).to_contain_text("HTTP 500")
    assert not any("HTTP 500" in text for text in said(page))


def test_a_form_sent_with_errors_moves_focus_to_the_error_an_alert(logged_in_page):
    page = logged_in_page
    page.goto("/groups/add/")
    page.get_by_role("button", name="Save", exact=True).focus()
    page.keyboard.press("Enter")

    error = page.locator("#group-form").get_by_role("alert")
    expect(error).to_be_focused()
    expect(error).to_have_text("Please correct the error below.")


def test_a_row_that_could_not_be_deleted_says_why_and_takes_focus(contacts_page, settings):
    page = contacts_page
    page.on("dialog", lambda dialog: dialog.accept())
    settings.SANDBOX_FAILURE_RATE = 1.0
    settings.SANDBOX_FAILURE_MODES = ["api_error"]
    page.get_by_role("link", name="Delete Anna Kowalska").focus()
    page.keyboard.press("Enter")

    error = page.locator("#result_list").get_by_role("alert")
    expect(error).to_be_focused()
    expect(error).to_contain_text("The contact was not deleted:")
