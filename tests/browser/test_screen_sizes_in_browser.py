"""Every list as office staff see it: on the common laptop screens (1280×800, 1366×768) and on
a phone (390×844), nothing scrolls sideways and the contacts list's columns can be read; the
navigation starts closed on a laptop and opens on a wide screen.

The address book is seeded as the demo's is (realistic Polish names, companies, long e-mail
addresses), so that the widths measured are those of real rows."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests import history_entries
from tests.helpers import make_user
from tests.jobs import worker_in_background

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]

LAPTOPS = [{"width": 1280, "height": 800}, {"width": 1366, "height": 768}]
PHONE = {"width": 390, "height": 844}

# Each element that scrolls sideways (a table's container has overflow-x: auto), and the page
# itself: how much wider its content is than its box. 0 everywhere: nothing scrolls sideways.
OVERFLOWS = """() => {
  const found = [];
  const root = document.documentElement;
  const wider = root.scrollWidth - root.clientWidth;
  if (wider > 0) found.push(["page", wider]);
  for (const element of document.querySelectorAll("#content *")) {
    if (!element.offsetParent) continue;
    const style = getComputedStyle(element);
    if (!["auto", "scroll"].includes(style.overflowX)) continue;
    if (element.scrollWidth > element.clientWidth + 1) {
      const name = element.id || element.className || element.tagName;
      found.push([String(name), element.scrollWidth - element.clientWidth]);
    }
  }
  for (const table of document.querySelectorAll("#content table")) {
    if (!table.offsetParent) continue;
    const box = table.parentElement.getBoundingClientRect();
    const edge = table.getBoundingClientRect().right;
    if (edge > box.right + 1) found.push([table.id || "table", Math.round(edge - box.right)]);
  }
  return found;
}"""


@pytest.fixture
def busy_account(alice_account):
    """Alice's account as an office's: 120 contacts in 12 groups, and a history with an edit, a
    deletion (so the trash has something) and a group renamed. (The scan below is its job.)"""
    call_command(
        "seed_sandbox", "--account", "alice", "--contacts", "120", "--groups", "12",
        stdout=StringIO(),
    )  # fmt: skip
    user = make_user("alice", token="alice-token")
    history_entries.contact_edit(user, city="Bielsko-Biała")
    history_entries.contact_delete(user, contact_id=18)
    history_entries.group_edit(user, old="Warszawa – oddział", new="Warszawa – oddział główny")
    return user


def _signed_in(new_page, log_in, viewport) -> Page:
    page = new_page(viewport=viewport)
    log_in(page, "alice", then="/contacts/")
    expect(page.get_by_role("table", name="Contacts")).to_be_visible()
    return page


def _lists(page: Page) -> list[str]:
    """The lists staff open: each of them, with a history entry's and a job's page, and the
    cleanup page with the findings of a scan."""
    page.goto("/cleanup/")
    with worker_in_background():
        page.get_by_role("button", name="Look for what needs tidying").click()
        expect(page.get_by_text("Finished")).to_be_visible(timeout=20_000)
    page.goto("/history/")
    entry = page.locator("#history-table tbody a").first.get_attribute("href")
    page.goto("/jobs/")
    job = page.locator("#content-main tbody a").first.get_attribute("href")
    return ["/contacts/", "/groups/", "/history/", entry, "/trash/", "/jobs/", job,
            "/cleanup/", "/blacklist/"]  # fmt: skip


@pytest.mark.parametrize("viewport", [*LAPTOPS, PHONE], ids=["1280x800", "1366x768", "390x844"])
def test_no_list_scrolls_sideways(new_page, log_in, busy_account, viewport):
    page = _signed_in(new_page, log_in, viewport)
    overflowing = {}
    for path in _lists(page):
        page.goto(path)
        page.wait_for_load_state("load")
        if path == "/cleanup/":
            expect(page.get_by_role("heading", name="Contacts in no group")).to_be_visible()
        found = page.evaluate(OVERFLOWS)
        if found:
            overflowing[path] = found
    assert overflowing == {}


@pytest.mark.parametrize("viewport", LAPTOPS, ids=["1280x800", "1366x768"])
def test_on_a_laptop_every_default_column_of_the_contacts_list_shows(
    new_page, log_in, busy_account, viewport
):
    page = _signed_in(new_page, log_in, viewport)
    headings = page.locator("#result_list thead th")
    expect(headings).to_have_text(
        ["", "First name", "Last name", "Phone", "Email", "Company", "City", "Group", "Actions"],
        ignore_case=True,
    )
    # Every heading and every cell of the first rows lies inside the window, not cut off.
    inside = page.evaluate(
        """(width) => [...document.querySelectorAll(
              '#result_list thead th, #result_list tbody tr:nth-child(-n+10) > *')]
            .every((cell) => cell.getBoundingClientRect().right <= width)""",
        viewport["width"],
    )
    assert inside
    # A name or a phone number is never broken over two lines.
    broken = page.evaluate(
        """() => [...document.querySelectorAll(
              '#result_list :is(.field-first_name a, .field-last_name, .field-phone)')]
            .map((cell) => cell.firstChild)
            .filter((text) => text && text.nodeType === Node.TEXT_NODE)
            .filter((text) => {
              const range = document.createRange();
              range.selectNodeContents(text);
              return range.getClientRects().length > 1;
            }).map((text) => text.textContent)"""
    )
    assert broken == []


def test_on_a_phone_each_contact_reads_as_its_name_phone_and_group(new_page, log_in, busy_account):
    page = _signed_in(new_page, log_in, PHONE)
    row = page.locator("#result_list tbody tr").first
    for cell in (".field-first_name", ".field-last_name", ".field-phone"):
        box = row.locator(cell).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], cell
    expect(row.locator(".field-email")).to_be_hidden()
    grouped = page.locator("#result_list tbody tr:has(td.field-group a)").first
    expect(grouped.locator(".field-group a")).to_be_visible()
    # Every action can be reached: search, filter, add, edit, delete, bulk.
    expect(page.get_by_role("textbox", name="Search contacts")).to_be_visible()
    expect(page.get_by_role("link", name="Add contact")).to_be_visible()
    expect(page.get_by_label("Action:")).to_be_visible()
    expect(row.get_by_role("checkbox")).to_be_visible()
    expect(row.get_by_role("link", name="Delete")).to_be_visible()
    page.get_by_role("link", name="Filter", exact=True).click()
    expect(
        page.locator("#changelist-filter").get_by_role("link", name="In no group")
    ).to_be_in_viewport()
    # The navigation follows the page, and the Menu link leads to it.
    page.get_by_role("link", name="Menu").click()
    expect(page.locator("#nav-sidebar").get_by_role("link", name="History")).to_be_in_viewport()
    row = page.locator("#result_list tbody tr").first
    name = row.locator(".field-first_name a").inner_text()
    row.locator(".field-first_name a").click()
    expect(page.get_by_role("heading", name="Change contact")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value(name)


def test_the_navigation_starts_closed_on_a_laptop_and_remembers_being_opened(
    new_page, log_in, busy_account
):
    page = _signed_in(new_page, log_in, LAPTOPS[0])
    history = page.locator("#nav-sidebar").get_by_role("link", name="History")
    toggle = page.get_by_role("button", name="Toggle navigation")
    expect(history).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(history).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.goto("/groups/")
    expect(page.locator("#nav-sidebar").get_by_role("link", name="History")).to_be_visible()
    toggle = page.get_by_role("button", name="Toggle navigation")
    expect(toggle).to_have_attribute("aria-expanded", "true")


def test_the_navigation_starts_open_on_a_wide_screen(new_page, log_in, busy_account):
    page = _signed_in(new_page, log_in, {"width": 1920, "height": 1080})
    expect(page.locator("#nav-sidebar").get_by_role("link", name="History")).to_be_visible()
    assert page.evaluate(OVERFLOWS) == []
