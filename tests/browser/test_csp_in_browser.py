"""The Content-Security-Policy as Chromium enforces it: what is put into a page inline does
not run, and the app's own pages cause no violation at all.

These tests make violations on purpose, which Chromium reports on its console; so they open
their own browser context instead of the `page` fixture (which fails a test on any console
error) and check the console themselves.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from contacts_ui.sandbox.models import Group
from tests.browser.conftest import _note_console_error
from tests.helpers import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any script of each document (Playwright injects it; the CSP does not apply).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.effectiveDirective);
});
"""


@pytest.fixture
def console_errors():
    return []


@pytest.fixture
def alice_page(browser, live_server, api_url, alice_account, console_errors) -> Page:
    """Alice, logged in through the form, on the groups page; violations recorded."""
    Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, "+48500600700", first_name="Jan", last_name="Nowak")
    make_user("alice", token="alice-token")
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 800}
    )
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    # Errors as the shared fixture notes them (Chromium's own /favicon.ico request left out).
    page.on("console", lambda message: _note_console_error(message, console_errors))
    page.goto("/groups/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pass-for-tests")
    # Until the groups page has loaded, htmx may not be listening to the search box yet.
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Groups", level=1)).to_be_visible()
    yield page
    context.close()


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__violations")


def wait_for_violation(page: Page) -> list[str]:
    page.wait_for_function("window.__violations.length > 0")
    return violations(page)


def only_csp_errors(errors: list[str]) -> bool:
    return bool(errors) and all("Content Security Policy" in error for error in errors)


def test_the_page_is_served_with_a_policy_without_unsafe_inline(alice_page):
    response = alice_page.goto("/contacts/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_an_inline_script_put_into_the_page_does_not_run(alice_page, console_errors):
    alice_page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__ran = true;";
            document.body.append(script);
        }"""
    )
    assert wait_for_violation(alice_page) == ["script-src-elem"]
    assert alice_page.evaluate("window.__ran") is None
    assert only_csp_errors(console_errors)


def test_an_inline_event_handler_does_not_run(alice_page, console_errors):
    alice_page.evaluate(
        """() => {
            const button = document.createElement("button");
            button.id = "planted";
            button.setAttribute("onclick", "window.__clicked = true");
            button.textContent = "Planted";
            document.getElementById("app").prepend(button);
        }"""
    )
    alice_page.locator("#planted").click()
    assert wait_for_violation(alice_page) == ["script-src-attr"]
    assert alice_page.evaluate("window.__clicked") is None
    assert only_csp_errors(console_errors)


def test_an_inline_style_element_does_not_apply(alice_page, console_errors):
    before = alice_page.evaluate("getComputedStyle(document.body).backgroundColor")
    alice_page.evaluate(
        """() => {
            const style = document.createElement("style");
            style.textContent = "body { background-color: rgb(1, 2, 3) !important; }";
            document.head.append(style);
        }"""
    )
    assert wait_for_violation(alice_page) == ["style-src-elem"]
    after = alice_page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert after == before != "rgb(1, 2, 3)"
    assert only_csp_errors(console_errors)


def test_eval_is_refused(alice_page):
    # Code that Playwright evaluates itself may eval; a listener run later by a click may not.
    alice_page.evaluate(
        """() => document.addEventListener("click", () => {
            try { window.__evaluated = String(eval("6 * 7")); }
            catch (error) { window.__evaluated = error.name; }
        })"""
    )
    alice_page.get_by_role("heading", name="Groups", level=1).click()
    alice_page.wait_for_function("window.__evaluated !== undefined")
    assert alice_page.evaluate("window.__evaluated") == "EvalError"


def test_the_apps_own_pages_cause_no_violation(alice_page, console_errors):
    page = alice_page
    page.get_by_role("textbox", name="Search").press_sequentially("Klie")  # htmx, in place
    expect(page).to_have_url(re.compile(r"/groups/\?(.*&)?q=Klie(&|$)"))
    assert violations(page) == []

    for url, heading in [
        ("/contacts/", "Contacts"),
        ("/contacts/add/", "Add contact"),  # the admin's two-box group picker
        ("/find/", "Find by phone"),
        ("/settings/credentials/", "My API credentials"),
        ("/groups/add/", "Add group"),
    ]:
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert violations(page) == [], url

    page.goto("/contacts/")
    page.get_by_role("textbox", name="Search").press_sequentially("Nowak")
    expect(page).to_have_url(re.compile(r"/contacts/\?(.*&)?q=Nowak(&|$)"))
    expect(page.get_by_role("link", name="Jan", exact=True)).to_be_visible()
    assert violations(page) == []
    assert console_errors == []
