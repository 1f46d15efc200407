"""The foundation as a person uses it in Chromium: log in, enter credentials, search, log out."""

import re

import pytest
from playwright.sync_api import expect

from contacts_ui.models import ApiCredentials
from contacts_ui.sandbox.models import Group
from tests.browser.steps import enter_api_token
from tests.helpers import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The groups page with a search for VIP in its address (whatever else the form sends along).
SEARCHED_FOR_VIP = re.compile(r"/groups/\?(.*&)?q=VIP(&|$)")


@pytest.fixture
def alice_groups(alice_account):
    for name in ("Klienci VIP", "Dostawcy"):
        Group.objects.create(account=alice_account, name=name)


def group_names(page):
    """The group names in the page's table (the sidebar has row headers of its own)."""
    return page.get_by_role("main").get_by_role("rowheader")


def test_logging_in_lands_on_the_groups_page(page, alice_account):
    make_user("alice", token="alice-token")
    page.goto("/groups/")
    expect(page).to_have_url("/accounts/login/?next=/groups/")

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pass-for-tests")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url("/groups/")
    expect(page.get_by_role("heading", name="Groups", level=1)).to_be_visible()
    expect(page.get_by_text("Welcome, alice")).to_be_visible()


def test_a_user_without_credentials_enters_a_token_and_sees_their_groups(
    page, log_in, alice_groups
):
    make_user("charlie")
    log_in(page, "charlie")
    expect(page.get_by_role("heading", name="My API credentials", level=1)).to_be_visible()
    expect(page.get_by_text("Enter your API credentials to continue")).to_be_visible()

    enter_api_token(page, "alice-token")

    expect(page).to_have_url("/groups/")
    expect(
        page.get_by_text("Your API credentials were checked with SerwerSMS and saved.")
    ).to_be_visible()
    expect(group_names(page)).to_have_text(["Dostawcy", "Klienci VIP"])


def test_a_wrong_token_is_refused_and_keeps_the_user_on_the_page(page, log_in, alice_account):
    make_user("charlie")
    log_in(page, "charlie")
    enter_api_token(page, "not-alice-token")

    expect(page.get_by_text("SerwerSMS rejected these credentials")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/settings/credentials/"))
    expect(page.get_by_role("heading", name="My API credentials", level=1)).to_be_visible()
    expect(page.get_by_label("Token or password")).to_have_value("")
    assert not ApiCredentials.objects.filter(user__username="charlie").exists()


def test_typing_a_search_updates_the_table_without_loading_the_page(alice_groups, logged_in_page):
    page = logged_in_page
    expect(group_names(page)).to_have_count(2)
    # A full page load would start a new window object and lose this.
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("textbox", name="Search").press_sequentially("VIP")

    expect(page).to_have_url(SEARCHED_FOR_VIP)
    expect(page.get_by_role("rowheader", name="Dostawcy")).to_have_count(0)
    expect(group_names(page)).to_have_text(["Klienci VIP"])
    assert page.evaluate("window.stillTheSamePage") is True


def test_going_back_after_a_search_shows_the_whole_page_again(alice_groups, logged_in_page):
    page = logged_in_page
    page.get_by_role("textbox", name="Search").press_sequentially("VIP")
    expect(page).to_have_url(SEARCHED_FOR_VIP)
    expect(group_names(page)).to_have_count(1)

    page.go_back()

    expect(page).to_have_url("/groups/")
    expect(page.get_by_role("heading", name="Groups", level=1)).to_be_visible()
    expect(group_names(page)).to_have_text(["Dostawcy", "Klienci VIP"])


def test_the_browser_keeps_no_copy_of_the_pages_left_behind(alice_groups, logged_in_page):
    page = logged_in_page
    page.get_by_role("textbox", name="Search").press_sequentially("VIP")
    expect(page).to_have_url(SEARCHED_FOR_VIP)

    page.go_back()

    # Back asks the server again: the page left behind was kept nowhere in the browser
    # (htmx's history cache would hold its HTML, group names and all, in sessionStorage).
    expect(group_names(page)).to_have_text(["Dostawcy", "Klienci VIP"])
    stored = page.evaluate(
        "JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])"
    )
    assert "Dostawcy" not in stored


def test_the_search_works_without_javascript(new_page, log_in, alice_account, alice_groups):
    page = new_page(java_script_enabled=False)
    make_user("alice", token="alice-token")
    log_in(page, "alice")
    expect(group_names(page)).to_have_count(2)

    page.get_by_role("textbox", name="Search").fill("VIP")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(SEARCHED_FOR_VIP)
    expect(group_names(page)).to_have_text(["Klienci VIP"])


def test_a_polish_browser_gets_the_page_in_polish(new_page, alice_account):
    page = new_page(locale="pl-PL")
    make_user("alice", token="alice-token")
    page.goto("/groups/")
    page.get_by_label("Nazwa użytkownika").fill("alice")
    page.get_by_label("Hasło").fill("pass-for-tests")
    page.get_by_role("button", name="Zaloguj się").click()

    expect(page).to_have_url("/groups/")
    expect(page.get_by_role("heading", name="Grupy", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Szukaj")).to_be_visible()


def test_logging_out_ends_the_session(logged_in_page):
    page = logged_in_page
    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url("/accounts/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.goto("/groups/")
    expect(page).to_have_url("/accounts/login/?next=/groups/")
