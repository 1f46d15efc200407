"""Sign-in with the company's identity provider in Chromium, end to end, against a real
OpenID Connect provider on loopback (tests.identity_provider): a Manager by the provider's role
claim signs in with passwords switched off and gets to work; a newcomer with no role is given
one by a superuser in the admin, who enters their API credentials for them too."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from contacts_ui.sandbox.models import Group
from tests.browser.steps import enter_api_token, open_navigation
from tests.identity_provider import ACCOUNTS, ROLE_VALUES, IdentityProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The provider's development pages ask for a web font, which this machine cannot fetch.
FONT = "fonts.googleapis.com"


@pytest.fixture(scope="module")
def provider(live_server):
    provider = IdentityProvider([f"{live_server.url}/oidc/callback/"])
    yield provider
    provider.stop()


@pytest.fixture
def company_sign_in(provider, settings, new_page):
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    new_page.expect_console_error(FONT)
    return provider


def sign_in_at_the_provider(page: Page, login: str) -> None:
    """The provider's own sign-in and consent pages (oidc-provider's development ones)."""
    expect(page.get_by_role("heading", name="Sign-in")).to_be_visible()
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any")
    page.get_by_role("button", name="Sign-in").click()
    expect(page.get_by_role("heading", name="Authorize")).to_be_visible()
    page.get_by_role("button", name="Continue").click()


def test_a_manager_by_the_role_claim_signs_in_with_passwords_off_and_works(
    new_page, company_sign_in, settings, alice_account
):
    settings.PASSWORD_SIGN_IN = False
    settings.OIDC_ROLE_CLAIM = "roles"
    settings.OIDC_ROLE_VALUES = ROLE_VALUES
    Group.objects.create(account=alice_account, name="Klienci")
    page = new_page()

    page.goto("/groups/")
    expect(page.get_by_label("Password")).to_have_count(0)
    page.get_by_role("link", name="Sign in with Test IdP").click()
    sign_in_at_the_provider(page, "anna")

    # Back in the app, signed in as herself, with no second step: first her API credentials.
    expect(page.get_by_role("heading", name="My API credentials", level=1)).to_be_visible()
    expect(page.locator("#user-tools")).to_contain_text("Welcome, Anna.")
    enter_api_token(page, "alice-token")
    expect(page).to_have_url("/groups/")
    expect(page.get_by_role("link", name="Klienci")).to_be_visible()
    # A Manager, as the claim says: imports and the cleanup are offered.
    open_navigation(page)
    sidebar = page.locator("#nav-sidebar")
    expect(sidebar.get_by_role("link", name="Import contacts")).to_be_visible()
    expect(page.get_by_role("link", name="Change password")).to_have_count(0)


def test_a_newcomer_is_given_a_role_and_api_credentials_by_a_superuser_in_the_admin(
    new_page, company_sign_in, log_in, alice_account
):
    User.objects.create_superuser("root", password="pass-for-tests")
    Group.objects.create(account=alice_account, name="Klienci")
    newcomer = new_page()
    newcomer.goto("/accounts/login/")
    newcomer.get_by_role("link", name="Sign in with Test IdP").click()
    sign_in_at_the_provider(newcomer, "bartek")
    expect(newcomer.get_by_text("You have no role here yet")).to_be_visible()

    boss = new_page()
    log_in(boss, "root", then="/admin/auth/user/?role=none")
    row = boss.locator("#result_list tbody tr", has_text=ACCOUNTS["bartek"]["email"])
    expect(boss.locator("#result_list tbody tr")).to_have_count(1)
    row.get_by_role("checkbox").check()
    boss.get_by_label("Action:").select_option(label="Give the role: Editor")
    boss.get_by_role("button", name="Go").click()
    expect(boss.get_by_text("1 person now has the role: Editor.")).to_be_visible()

    # ...and enters the newcomer's API credentials for them, from the person's admin page.
    bartek = User.objects.get(email=ACCOUNTS["bartek"]["email"])
    boss.goto(f"/admin/auth/user/{bartek.pk}/change/")
    expect(boss.locator(".field-api_access")).to_contain_text("None saved.")
    boss.locator(".field-api_access").get_by_role("link", name="Enter them").click()
    expect(
        boss.get_by_role("heading", name="API credentials of bartek.nowak@example.com")
    ).to_be_visible()
    enter_api_token(boss, "alice-token")
    expect(boss.get_by_text("were checked with SerwerSMS and saved")).to_be_visible()
    expect(boss.locator(".field-api_access")).to_contain_text("API token, saved")

    # The newcomer's next page is an Editor's, with nothing to enter.
    newcomer.goto("/groups/")
    expect(newcomer.get_by_role("link", name="Klienci")).to_be_visible()
    expect(newcomer.get_by_role("link", name="Add group")).to_be_visible()
