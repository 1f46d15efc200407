"""The blacklist in Chromium: an office worker stops messages to a contact's number from
its page, and to ticked contacts' numbers from the list (a job, followed live), then allows
one again from the Blacklist page."""

import pytest
from playwright.sync_api import Page, expect

from contacts_ui.sandbox.models import BlacklistedNumber
from tests.browser.steps import open_navigation
from tests.helpers import ANNA, make_contact
from tests.jobs import worker_in_background

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def listed() -> set[str]:
    return set(BlacklistedNumber.objects.values_list("phone", flat=True))


def test_a_contacts_number_is_stopped_from_its_page(logged_in_page: Page, alice_account):
    anna = make_contact(alice_account, **ANNA)
    page = logged_in_page
    page.goto(f"/contacts/{anna.id}/change/")

    page.get_by_role("link", name="Stop messages to this number").click()
    expect(page.get_by_text("Put +48500600700, the number of “Anna Kowalska”")).to_be_visible()
    page.get_by_role("button", name="Yes, stop messages").click()

    expect(
        page.get_by_text("Messages to “Anna Kowalska” (+48500600700) are stopped")
    ).to_be_visible()
    expect(page.get_by_text("This number is on the blacklist")).to_be_visible()
    assert listed() == {"+48500600700"}

    # And allowed again from the Blacklist page, in the sidebar.
    open_navigation(page)
    page.locator("#nav-sidebar").get_by_role("link", name="Blacklist", exact=True).click()
    expect(page.locator("#blacklist-table")).to_contain_text("+48500600700")
    page.get_by_role("link", name="Allow messages again +48500600700").click()
    page.get_by_role("button", name="Yes, allow messages again").click()
    expect(page.get_by_text("+48500600700 is off the blacklist")).to_be_visible()
    expect(page.get_by_text("The blacklist is empty")).to_be_visible()
    assert listed() == set()


def test_ticked_contacts_numbers_are_stopped_from_the_list(logged_in_page: Page, alice_account):
    people = [
        make_contact(alice_account, f"+4850060071{n}", first_name=f"Osoba{n}") for n in range(5)
    ]
    page = logged_in_page
    page.goto("/contacts/")
    for person in people[:4]:
        page.get_by_label(f"Select {person.first_name}").check()
    page.get_by_label("Action:").select_option(
        label="Stop messages to selected contacts (blacklist)"
    )
    page.get_by_role("button", name="Go").click()

    expect(
        page.get_by_text("The numbers of 4 contacts will be put on the blacklist")
    ).to_be_visible()
    with worker_in_background():
        page.get_by_role("button", name="Yes, I’m sure").click()
        expect(page.get_by_text("Done: 4")).to_be_visible(timeout=20_000)
    assert listed() == {person.phone for person in people[:4]}

    page.goto("/contacts/")
    blacklisted = page.locator("#result_list tbody td.field-phone .blacklisted-tag")
    expect(blacklisted).to_have_count(4)
