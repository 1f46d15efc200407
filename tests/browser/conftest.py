"""Real-browser tests: Playwright drives Debian's Chromium against Django's live server.

Each test module here sets ``pytestmark = [pytest.mark.browser, ...]`` so the whole lot can be
left out with ``-m "not browser"``.
"""

import os

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.helpers import make_user

MISSING_CHROMIUM = (
    "Chromium is not installed: apt-get install chromium (Debian) to run the browser tests"
)


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process (so one per xdist worker), shared by its tests."""
    if not CHROMIUM.exists():
        if _on_ci():
            # CI must run these tests; a skip there would hide that none ran.
            pytest.fail(f"{MISSING_CHROMIUM} (CI is set, so this fails instead of skipping)")
        pytest.skip(MISSING_CHROMIUM)
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio event loop running in this thread from the
        # moment it starts until it stops (the loop runs in a greenlet it switches to and back).
        # Django takes that for async code and refuses every ORM call made in this thread, by
        # these tests and their fixtures, and by every later test of this xdist worker, with
        # SynchronousOnlyOperation. Nothing here is async: the test thread only waits on the
        # browser, and the live server answers in threads of its own where no loop runs. So
        # the check is switched off for as long as Playwright runs, and only then.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()


def _note_console_error(message: ConsoleMessage, errors: list[str]) -> None:
    # Chromium asks every new browser for /favicon.ico, which this app does not serve.
    if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
        errors.append(f"{message.location['url']}: {message.text}")


@pytest.fixture
def new_page(browser, live_server, api_url):
    """Open a page in a fresh browser context (its own cookies) on the live server.

    Options are those of ``browser.new_context``, over an English desktop browser; paths such
    as "/groups/" are relative to the live server. The app calls the sandbox on the same server.
    """
    contexts, errors = [], []

    def open_page(**options) -> Page:
        options = {
            "base_url": live_server.url,
            "locale": "en-US",
            "viewport": {"width": 1280, "height": 800},
            **options,
        }
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        # A script that breaks shows only in the browser's console; make it fail the test.
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: _note_console_error(message, errors))
        return page

    # A test that means to cause one (a 403 page, say) names a part of it first.
    expected: list[str] = []
    open_page.expect_console_error = expected.append
    yield open_page
    # Read before the browser closes: closing aborts any request still on its way, which htmx
    # reports on the console as an error that no page made.
    errors = [error for error in errors if not any(part in error for part in expected)]
    for context in contexts:
        context.close()
    assert not errors, "The browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def log_in():
    """Open a page while logged out and log in on the form it sends you to, by its labels."""

    def log_in_as(page: Page, username: str, then: str = "/groups/") -> Page:
        page.goto(then)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("pass-for-tests")  # tests.helpers.make_user's
        # Until the page after it has loaded, its scripts (htmx) may not be listening yet:
        # typing straight away would go unheard.
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        return page

    return log_in_as


@pytest.fixture
def logged_in_page(page, log_in, alice_account) -> Page:
    """Alice, logged in with her working API token saved, on the groups page."""
    make_user("alice", token="alice-token")
    log_in(page, "alice")
    expect(page.get_by_role("heading", name="Groups", level=1)).to_be_visible()
    return page
