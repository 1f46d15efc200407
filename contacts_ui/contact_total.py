"""How many contacts the list's search finds, said under the list: "1–50 of 2,113".

The API gives a page count, not a number of contacts (api/CONTRACT.md), and every page but
the last is full: the last page tells the rest. So the list's own page, its one call, tells
the number when it is the last page (or the only one); on any other page the list says what
it knows for sure ("of more than 2,050", true with JavaScript off too) and asks for the number
by htmx once that comes into sight (`count`: one call, the last page). A number found either way is
cached, so that moving through the pages does not ask again.

The cache key is the group list's (contacts_ui.group_list): the user, their credentials'
account, the API's address and the group-list version, which every write through the app
moves on for every user. So a number is forgotten after any write, and otherwise kept as
long as the group counts in the sidebar beside it (GROUP_LIST_CACHE_SECONDS).
"""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.formats import number_format

from .forms import ContactListQuery
from .group_list import CachedGroupList
from .serwersms import Page, SerwerSMSClient, largest_limit


@dataclass(frozen=True)
class Shown:
    """Which contacts a page of the list shows (first to last, counted from 1), of how many:
    `count` when known, else more than `at_least`, with `url` to ask for the number."""

    first: int
    last: int
    count: int | None = None
    at_least: int = 0
    url: str | None = None

    def _formatted(self, number: int) -> str:
        return number_format(number, force_grouping=True)

    @property
    def first_shown(self) -> str:
        return self._formatted(self.first)

    @property
    def last_shown(self) -> str:
        return self._formatted(self.last)

    @property
    def count_shown(self) -> str:
        return self._formatted(self.count if self.count is not None else self.at_least)


def served_page_size(client: SerwerSMSClient, page_size: int) -> int:
    """How many contacts a full page holds: the size asked, unless the API was found to
    take less (the client then asks for less: SerwerSMSClient._index)."""
    largest = largest_limit(client.base_url)
    return min(page_size, largest) if largest else page_size


def _key(user, client: SerwerSMSClient, query: dict) -> str | None:
    from .models import ApiCredentials

    stored = ApiCredentials.of(user)
    if stored is None:
        return None
    # The number depends on the search and the group filter, not on the sort or the page.
    params = ContactListQuery.search_params(query)
    found = json.dumps([params["search"], params["group_id"]])
    search = hashlib.sha256(found.encode()).hexdigest()[:32]
    return f"contacts_ui:total:{search}:{CachedGroupList(stored, client.base_url).key}"


def cached(user, client: SerwerSMSClient, query: dict) -> int | None:
    if settings.GROUP_LIST_CACHE_SECONDS <= 0:
        return None
    key = _key(user, client, query)
    return cache.get(key) if key is not None else None


def remember(user, client: SerwerSMSClient, query: dict, count: int) -> None:
    if settings.GROUP_LIST_CACHE_SECONDS <= 0:
        return
    key = _key(user, client, query)
    if key is not None:
        cache.set(key, count, settings.GROUP_LIST_CACHE_SECONDS)


def count(client: SerwerSMSClient, query: dict, page_size: int, pages: int) -> int:
    """How many contacts the search finds, from its last page (`pages`, as the list last
    counted them): one call; a second when the list has since grown or shrunk by a page."""
    params = ContactListQuery.search_params(query)
    last = client.contacts_index(**params, page=max(pages, 1), limit=page_size)
    if last.pages != last.page and last.pages >= 1:
        last = client.contacts_index(**params, page=last.pages, limit=page_size)
    full_pages = max(min(last.page, last.pages) - 1, 0)
    return full_pages * served_page_size(client, page_size) + len(last.items)


# shown_on_page's `known` when the cache has not been read for it.
NOT_READ = object()


def shown_on_page(
    user,
    client: SerwerSMSClient,
    query: dict,
    page: Page,
    page_size: int,
    url: str,
    known=NOT_READ,
):
    """What the list's page says of the number, with no call of its own: known on the last
    page or when cached; else "more than" the full pages before the last, and `url` (the
    count's, with the list's query string) to ask for it. `known` is the cached number, if
    read already (`cached`, while the page's call was on its way)."""
    if not page.items:
        return None
    per_page = served_page_size(client, page_size)
    first = (page.page - 1) * per_page + 1
    last = first + len(page.items) - 1
    if page.page >= page.pages:
        remember(user, client, query, last)
        return Shown(first, last, count=last)
    if known is NOT_READ:
        known = cached(user, client, query)
    if known is not None and known >= last:
        return Shown(first, last, count=known)
    return Shown(first, last, at_least=(page.pages - 1) * per_page, url=f"{url}&pages={page.pages}")


def shown_when_asked(
    user, client: SerwerSMSClient, query: dict, page_size: int, pages: int
) -> Shown:
    """The number for the page of the list that asked for it (query's `p`): cached, or
    read from the last page (`count`) and cached."""
    known = cached(user, client, query)
    if known is None:
        known = count(client, query, page_size, pages)
        remember(user, client, query, known)
    per_page = served_page_size(client, page_size)
    first = (query["p"] - 1) * per_page + 1
    # Past the end when the list has shrunk since that page was shown: the number alone.
    return Shown(first, min(first + per_page - 1, known), count=known)


def shown_unknown(client: SerwerSMSClient, query: dict, page_size: int, pages: int) -> Shown:
    """What the page of the list that asked said before (a full page, of more than the
    full pages before the last), for when the number cannot be read now."""
    per_page = served_page_size(client, page_size)
    first = (query["p"] - 1) * per_page + 1
    return Shown(first, first + per_page - 1, at_least=(max(pages, 1) - 1) * per_page)
