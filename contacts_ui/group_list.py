"""The group list of the filter sidebar and the group pickers, cached per user.

Nearly every page shows every group (the contacts list's sidebar, the contact form's
picker), and the list changes only when groups or their counts do. So it is kept in
the cache (CACHE_URL: Redis when several instances run) for GROUP_LIST_CACHE_SECONDS,
under a key made of:

- the user;
- the account key: a keyed hash of the sign-in method, API username and secret (never
  the secret itself), so that new credentials never see the old credentials' list;
- a hash of the API's address;
- the user's group-list version, a number kept with the credentials in the database.

Every write through the app moves the version on for every user (`changed`, called where
the history records writes). Colleagues may reach the same SerwerSMS account with other
credentials (two tokens, or a token and a username), and the API says nothing that tells
which credentials share an account; so every user's next page reads the list afresh, a
call each, rather than anyone seeing a list older than a colleague's write. Their lists
stay apart all the same: each is cached under its own credentials' account key, and read
with them. The version comes with the credentials row that each request reads anyway, so
this holds in every process and instance, whatever the cache backend, a cache private to
each process included.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import F
from django.utils.crypto import salted_hmac
from django.views.decorators.debug import sensitive_variables

from .serwersms import PAGE_LIMIT, Group, SerwerSMSClient, every_item


@sensitive_variables()  # the secret, and the value made of it
def account_key(auth_style: str, username: str, secret: str) -> str:
    """The same for the same credentials, and telling nothing of the secret."""
    value = "\0".join([auth_style, username, secret])
    return salted_hmac("contacts_ui.group_list.account_key", value, algorithm="sha256").hexdigest()


def changed(user) -> None:
    """A write through the app may have changed the groups or their counts: every user
    (a colleague on the same account, whatever their credentials) reads the group list
    afresh on their next page."""
    from .models import ApiCredentials

    ApiCredentials.objects.update(groups_version=F("groups_version") + 1)
    # What this request reads after its own write is read afresh too: the credentials
    # row it read with the user (contacts_ui.auth) moves on with the database's.
    stored = get_user_model().api_credentials.related.get_cached_value(user, default=None)
    if stored is not None:
        stored.groups_version += 1


class CachedGroupList:
    """One user's cached group list, as of their credentials row read for this request."""

    def __init__(self, stored, api_url: str):
        self.stored = stored
        self.api_url = api_url

    @property
    def key(self) -> str:
        api = hashlib.sha256(self.api_url.encode()).hexdigest()[:16]
        account = self.stored.account_key or f"row{self.stored.pk}"
        return (
            f"contacts_ui:groups:{self.stored.user_id}:{account}:{api}:{self.stored.groups_version}"
        )

    def get(self) -> list[Group] | None:
        if settings.GROUP_LIST_CACHE_SECONDS <= 0:
            return None
        return cache.get(self.key)

    def put(self, groups: list[Group]) -> None:
        if settings.GROUP_LIST_CACHE_SECONDS > 0:
            cache.set(self.key, list(groups), settings.GROUP_LIST_CACHE_SECONDS)


def _cached(user, client: SerwerSMSClient) -> CachedGroupList | None:
    from .models import ApiCredentials

    stored = ApiCredentials.of(user)
    return CachedGroupList(stored, client.base_url) if stored is not None else None


def listed(user, client: SerwerSMSClient) -> list[Group] | None:
    """The user's cached group list, or None when it must be read."""
    cached = _cached(user, client)
    return cached.get() if cached is not None else None


def read_all(user, client: SerwerSMSClient) -> list[Group]:
    """Every group by name, read from the API (a call for each PAGE_LIMIT groups), then
    cached."""
    groups = every_item(
        lambda page: client.groups_index(sort="name", order="asc", page=page, limit=PAGE_LIMIT)
    )
    cached = _cached(user, client)
    if cached is not None:
        cached.put(groups)
    return groups


def all_groups(user, client: SerwerSMSClient) -> list[Group]:
    """Every group by name, for the filter sidebar and the group
    pickers: the cached list when there is one, else read and cached."""
    groups = listed(user, client)
    return groups if groups is not None else read_all(user, client)
