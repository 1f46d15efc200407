"""Two-factor sign-in in Chromium: a person sets up an authenticator app from the key the
page shows, keeps the recovery codes, and next time signs in with the password and then the
app's code; nothing opens between the two."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.helpers import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_setting_up_an_authenticator_app_and_signing_in_with_it(page, log_in, alice_account):
    make_user("alice", token="alice-token")
    log_in(page, "alice", then="/settings/two-factor/")
    expect(page.locator("#two-factor-state")).to_contain_text("Two-factor sign-in is off")
    page.get_by_role("link", name="Set up two-factor sign-in").click()

    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    key = b32decode(page.locator("#two-factor-key").inner_text().replace(" ", ""))
    page.get_by_label("Code").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Turn two-factor sign-in on").click()

    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.get_by_role("button", name="Log out").click()

    log_in(page, "alice", then="/contacts/")
    expect(page.get_by_role("heading", name="Two-factor sign-in", level=1)).to_be_visible()
    page.goto("/groups/")  # nothing else opens meanwhile
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2Fgroups%2F$"))
    # The app's next code (this half-minute's was used to set it up).
    page.get_by_label("Code").fill(f"{totp(key, t0=-30):06d}")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url("/groups/")
    expect(page.get_by_role("heading", name="Groups", level=1)).to_be_visible()
