"""How many contacts the list finds, in Chromium: the page says what is sure at once, then
htmx asks for the number (contacts/total/) and puts it in its place; a page moved to after
that says the number at once."""

import re

import pytest
from playwright.sync_api import expect

from contacts_ui.sandbox.models import Contact
from tests.helpers import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZE = 130


@pytest.fixture
def book(alice_account):
    contacts = [
        Contact(account=alice_account, phone=f"+4860{n:07d}", first_name=f"Osoba{n:03d}")
        for n in range(SIZE)
    ]
    for contact in contacts:
        contact.refresh_search_text()
    Contact.objects.bulk_create(contacts)


def test_the_number_the_list_finds_appears(book, logged_in_page):
    page = logged_in_page
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/contacts/total/" in r.url else None)

    page.goto("/contacts/?n=25")

    total = page.locator("#contact-total")
    # Below the rows: asked for only once it comes into sight.
    expect(total).to_have_text("1–25 of more than 125")
    page.wait_for_timeout(300)
    assert asked == []
    total.scroll_into_view_if_needed()
    expect(total).to_have_text("1–25 of 130")
    assert len(asked) == 1

    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"[?]n=25&p=2$"))
    expect(total).to_have_text("26–50 of 130")
    assert len(asked) == 1  # known now: not asked again


def test_without_javascript_the_page_says_what_is_sure(book, new_page, log_in, alice_account):
    make_user("alice", token="alice-token")
    page = new_page(java_script_enabled=False)
    log_in(page, "alice", then="/contacts/?n=25")

    expect(page.locator("#contact-total")).to_have_text("1–25 of more than 125")
