"""Steps several browser tests take the same way."""

from playwright.sync_api import Page


def enter_api_token(page: Page, token: str) -> None:
    """On an API credentials form: choose a token, type it, and send it to be checked."""
    page.get_by_label("API token", exact=True).check()
    page.get_by_label("Token or password").press_sequentially(token)
    page.get_by_role("button", name="Check and save").click()


def open_navigation(page: Page) -> None:
    """Open the navigation sidebar, which starts closed on a laptop's screen."""
    toggle = page.get_by_role("button", name="Toggle navigation")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
