"""Roles in Chromium, as staff meet them: a Viewer finds and reads a contact but is offered
nothing that changes one; an Editor corrects a contact but is offered no bulk action; and a
page left open while a Manager's role was lowered refuses its form with a plain page."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from contacts_ui import roles
from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import give_role, make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anna(alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    return make_contact(
        alice_account, "+48500600701", [klienci], first_name="Anna", last_name="Kowalska"
    )


def _signed_in_as(page: Page, log_in, role: str) -> Page:
    make_user("alice", token="alice-token", role=role)
    log_in(page, "alice", then="/contacts/")
    expect(page.get_by_role("link", name="Anna", exact=True)).to_be_visible()
    return page


def test_a_viewer_finds_and_reads_a_contact_and_is_offered_no_change(page, log_in, anna):
    _signed_in_as(page, log_in, roles.VIEWER)
    sidebar = page.locator("#nav-sidebar")
    expect(sidebar.get_by_role("link", name="Import contacts")).to_have_count(0)
    expect(sidebar.get_by_role("link", name="Cleanup")).to_have_count(0)
    expect(page.get_by_role("link", name="Add contact")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete Anna Kowalska")).to_have_count(0)

    page.get_by_role("link", name="Anna", exact=True).click()

    expect(page.get_by_role("heading", name="View contact", level=1)).to_be_visible()
    expect(page.get_by_label("First name")).to_be_disabled()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_text("Your role may view this contact, not change it.")).to_be_visible()


def test_an_editor_corrects_a_contact_but_is_offered_no_bulk_action(page, log_in, anna):
    _signed_in_as(page, log_in, roles.EDITOR)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_label("Action:")).to_have_count(0)

    page.get_by_role("link", name="Anna", exact=True).click()
    page.get_by_label("City").fill("Kraków")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("The contact “Anna Kowalska” was saved.")).to_be_visible()
    assert Contact.objects.get(pk=anna.pk).city == "Kraków"


def test_a_form_left_open_while_the_role_was_lowered_is_refused_plainly(new_page, log_in, anna):
    page = new_page()
    new_page.expect_console_error("the server responded with a status of 403")
    _signed_in_as(page, log_in, roles.MANAGER)
    page.get_by_role("link", name="Anna", exact=True).click()
    page.get_by_label("City").fill("Gdańsk")
    give_role(User.objects.get(username="alice"), roles.VIEWER)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", name="You may not do this", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Your role here is Viewer")
    assert Contact.objects.get(pk=anna.pk).city == ""
