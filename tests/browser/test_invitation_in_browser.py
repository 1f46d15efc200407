"""An invitation in Chromium, end to end: a superuser invites a colleague as an Editor; the
e-mail leaves through a real SMTP server (aiosmtpd on loopback); the colleague opens its
link, sets a password, enters their API token, and works, as an Editor."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from contacts_ui.sandbox.models import Group
from tests.browser.steps import enter_api_token, open_navigation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = "ewa.nowak@example.com"
PASSWORD = "Zielona-łąka-2026"


def test_an_invited_colleague_sets_a_password_and_gets_to_work(
    new_page, log_in, alice_account, smtp_inbox
):
    Group.objects.create(account=alice_account, name="Klienci")
    User.objects.create_superuser("root", password="pass-for-tests")
    boss = new_page()
    log_in(boss, "root", then="/settings/credentials/")
    open_navigation(boss)
    boss.locator("#nav-sidebar").get_by_role("link", name="Invite a person").click()
    boss.get_by_label("E-mail address").fill(ADDRESS)
    boss.get_by_label("Editor").check()
    boss.get_by_role("button", name="Send the invitation").click()

    expect(boss.get_by_text(f"{ADDRESS} was invited as Editor")).to_be_visible()
    expect(boss.locator("#pending-invitations")).to_contain_text(ADDRESS)
    [message] = smtp_inbox.messages
    assert message["To"] == ADDRESS
    link = re.search(r"https?://\S+/invitation/\S+/", smtp_inbox.body()).group(0)

    colleague = new_page()
    colleague.goto(link)
    expect(colleague.get_by_text("You were invited as Editor")).to_be_visible()
    colleague.get_by_label("New password:", exact=True).fill(PASSWORD)
    colleague.get_by_label("New password confirmation").fill(PASSWORD)
    colleague.get_by_role("button", name="Set my password").click()

    expect(colleague.get_by_role("heading", name="My API credentials", level=1)).to_be_visible()
    expect(colleague.get_by_text("enter your API credentials to begin")).to_be_visible()
    enter_api_token(colleague, "alice-token")
    expect(colleague).to_have_url("/groups/")
    expect(colleague.get_by_role("link", name="Klienci")).to_be_visible()
    # An Editor: no import, no cleanup.
    sidebar = colleague.locator("#nav-sidebar")
    expect(sidebar.get_by_role("link", name="Import contacts")).to_have_count(0)

    # The link was for once.
    again = new_page()
    new_page.expect_console_error("the server responded with a status of 404")
    again.goto(link)
    expect(again.get_by_text("The link has been used already")).to_be_visible()
