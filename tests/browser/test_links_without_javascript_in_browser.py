"""With JavaScript off, every page can be reached from every other by links alone: the
navigation shows without script, on a laptop's screen and on a phone's."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import make_user

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]

# The pages the navigation offers a Manager who is also a superuser: each must be reachable.
PAGES = {
    "/contacts/": "Contacts",
    "/groups/": "Groups",
    "/find/": "Find by phone",
    "/blacklist/": "Blacklist",
    "/import/": "Import contacts",
    "/cleanup/": "Cleanup",
    "/history/": "History",
    "/trash/": "Trash",
    "/jobs/": "Background work",
    "/settings/credentials/": "My API credentials",
    "/settings/two-factor/": "Two-factor sign-in",
    "/people/invite/": "Invite a person",
}


@pytest.fixture
def superuser(alice_account):
    user = make_user("alice", token="alice-token")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def _without_script(new_page, log_in, viewport) -> Page:
    page = new_page(java_script_enabled=False, viewport=viewport)
    log_in(page, "alice", then="/contacts/")
    return page


def _links_here(page: Page, origin: str) -> set[str]:
    hrefs = page.locator("a[href]").evaluate_all("(links) => links.map((link) => link.href)")
    paths = set()
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin and not parts.path.startswith("/admin/"):
            paths.add(parts.path)
    return paths


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["1280", "390"]
)
def test_every_page_reaches_every_other_by_visible_links(
    new_page, log_in, live_server, superuser, viewport
):
    page = _without_script(new_page, log_in, viewport)
    for path in PAGES:
        page.goto(path)
        sidebar = page.locator("#nav-sidebar")
        for target, name in PAGES.items():
            link = sidebar.get_by_role("link", name=name, exact=True)
            expect(link, f"{path} → {target}").to_be_visible()
            assert link.get_attribute("href") == target
        assert set(PAGES) <= _links_here(page, live_server.url), path


def test_on_a_laptop_without_script_the_navigation_follows_the_page_with_a_link_to_it(
    new_page, log_in, superuser
):
    """It cannot be closed without a script, so it does not squeeze the list beside it."""
    page = _without_script(new_page, log_in, {"width": 1280, "height": 800})
    sidebar = page.locator("#nav-sidebar")
    assert sidebar.bounding_box()["y"] > page.locator("#content h1").bounding_box()["y"]
    expect(page.get_by_role("button", name="Toggle navigation")).to_be_hidden()
    page.get_by_role("link", name="Menu").click()
    expect(sidebar.get_by_role("link", name="History")).to_be_in_viewport()
