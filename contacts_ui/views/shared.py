"""Steps shared by the views: which API to call, and with whose credentials."""

import concurrent.futures
import functools
import re
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .. import group_list, logs, roles
from ..api_access import client_for
from ..crypto import SecretUnreadable
from ..forms import ContactListQuery
from ..history.recorder import WriteRecorder
from ..models import ApiCredentials
from ..serwersms import (
    PAGE_LIMIT,
    Group,
    NotFound,
    SerwerSMSClient,
    SerwerSMSError,
    TransportError,
    largest_limit,
)


def id_from(value: str) -> int | None:
    """An id (of a group, a history entry, ...) given in a request, or None for anything
    that is not one: ASCII digits, no leading zero, of a size a database column holds."""
    return int(value) if re.fullmatch(r"[1-9][0-9]{0,17}", value) else None


def _to_credentials_page(request: HttpRequest):
    url = reverse("contacts_ui:credentials")
    return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


def api_client_required(view):
    """Pass the view a service client acting with the signed-in user's own credentials.
    A view that writes does so through `recorder_for(request, client)`.

    A user with none (or with a secret the current keys cannot open) is sent to
    the credentials page with a sentence saying why. Use under @login_required.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        # Read with the user (contacts_ui.auth), or here.
        stored = ApiCredentials.of(request.user)
        if stored is None:
            messages.info(
                request,
                _(
                    "Every action here runs under your own SerwerSMS API access. "
                    "Enter your API credentials to continue."
                ),
            )
            return _to_credentials_page(request)
        try:
            credentials = stored.as_credentials()
        except SecretUnreadable:
            messages.error(
                request,
                _(
                    "Your saved API secret can no longer be read (the server’s encryption keys "
                    "changed). Please enter it again."
                ),
            )
            return _to_credentials_page(request)
        return view(request, client_for(request, credentials), *args, **kwargs)

    return wrapper


def recorder_for(request: HttpRequest, client: SerwerSMSClient, **options) -> WriteRecorder:
    """The view's writes, recorded in the signed-in user's history (options: WriteRecorder's)."""
    return WriteRecorder(client, request.user, **options)


def groups_or_error(request: HttpRequest, client: SerwerSMSClient, *, fresh: bool = False):
    """Every group, for the filter sidebar and the group pickers, and
    None; or no group and why, when the API fails. From the cache (group_list) unless
    `fresh`: then read (and cached), without looking in the cache first."""
    read = group_list.read_all if fresh else group_list.all_groups
    try:
        return read(request.user, client), None
    except SerwerSMSError as exc:
        return [], exc.message


def groups_named_by_number(ids) -> list[Group]:
    """Groups chosen in a form whose names could not be loaded: named by number, so that
    the form keeps them as choices."""
    return [
        Group(id=i, name=_("Group %(id)s (its name could not be loaded)") % {"id": i}, count=0)
        for i in ids
    ]


_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def in_background(function, *args) -> concurrent.futures.Future:
    """Start `function` (an API call, no database work) in a thread, in the request's
    language, so that a page waits on two calls at once instead of one after the other."""
    global _pool
    with _pool_lock:
        if _pool is None:
            # Made on first use: in each server process, after gunicorn forks. A thread is
            # started only when none is idle: enough for every server thread's calls at
            # once (a list's page and its group list), not the default's cores + 4.
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=32, thread_name_prefix="api-call"
            )
    language = translation.get_language()

    def in_language():
        with translation.override(language):
            return function(*args)

    # In the request's log context, so that the call's log line has the request's id.
    return _pool.submit(logs.carrying_context(in_language))


def render_partial_or_page(request: HttpRequest) -> bool:
    """Whether to answer with the partial alone: an htmx request that is not a history restore."""
    return bool(request.htmx and not request.htmx.history_restore_request)


# --- Returning to a list as it was left (the admin's preserve_filters) -------------

FILTERS_PARAM = "_changelist_filters"


def list_filters(request: HttpRequest) -> str:
    """The list's query string, carried through a form as the admin does."""
    return (request.POST.get(FILTERS_PARAM) or request.GET.get(FILTERS_PARAM) or "")[:2000]


def back_to_list(request: HttpRequest, url_name: str) -> str:
    url = reverse(url_name)
    filters = list_filters(request)
    return f"{url}?{filters}" if filters else url


def way_back_to_list(request: HttpRequest, url_name: str) -> dict:
    """What a form or a confirmation carries to return to the list as it was left: the
    list's query string, the field it goes in, and the list's address with it."""
    return {
        "filters": list_filters(request),
        "filters_param": FILTERS_PARAM,
        "list_url": back_to_list(request, url_name),
    }


def with_filters(url: str, request: HttpRequest) -> str:
    """A link to another page that keeps the way back to the list."""
    filters = list_filters(request)
    return f"{url}?{urlencode({FILTERS_PARAM: filters})}" if filters else url


def safe_next(request: HttpRequest) -> str | None:
    """The `next` address given, if it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def respond_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful post: a client-side redirect for htmx, else a plain one."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def back_to_list_with_error(request: HttpRequest, list_url: str, exc, missing: str) -> HttpResponse:
    """The record could not be read: say why on the list (`missing` when it no longer exists)."""
    messages.error(request, missing if isinstance(exc, NotFound) else exc.message)
    return respond_redirect(request, list_url)


# --- A change that failed -----------------------------------------------------------


def contact_look_up(phone: str) -> tuple[str, str]:
    """Where to look for a contact whose save may have gone through: a search by its phone."""
    url = f"{reverse('contacts_ui:contact_list')}?{urlencode({'q': phone})}"
    return url, _("search the contacts for %(phone)s") % {"phone": phone}


def group_look_up(name: str) -> tuple[str, str]:
    """Where to look for a group whose save may have gone through: a search by its name."""
    url = f"{reverse('contacts_ui:group_list')}?{urlencode({'q': name})}"
    return url, _("search the groups for “%(name)s”") % {"name": name}


def contact_page_look_up(contact_id: int) -> tuple[str, str]:
    """Where to look for a contact whose deletion may have gone through: its own page."""
    return reverse("contacts_ui:contact_change", args=[contact_id]), _("open the contact")


def write_failed(exc: SerwerSMSError, look_up: tuple[str, str]) -> str:
    """What to say when a change failed.

    When the request went out and no answer came, the change may have been made
    anyway: say so, and offer a look-up (in a new tab, so the form stays as typed)
    before the person tries again and makes it twice. Writes are never retried
    automatically for the same reason (serwersms.READ_ACTIONS).
    """
    if not (isinstance(exc, TransportError) and exc.request_sent):
        return exc.message
    url, label = look_up
    return format_html(
        _(
            "{reason} The change may or may not have been made. Before you try again, "
            '<a href="{url}" target="_blank" rel="noopener">{label}</a> (opens in a new tab) '
            "to see whether it was."
        ),
        reason=exc.message,
        url=url,
        label=label,
    )


def page_links(url, query: dict, page) -> dict:
    """A page of an API list's previous and next links: `url(query, p=N)` makes each."""
    return {
        "previous_url": url(query, p=page.page - 1) if page and page.has_previous else None,
        "next_url": url(query, p=page.page + 1) if page and page.has_next else None,
    }


# --- The contacts list filtered by the blacklist flag ----------------------------------

# The API cannot filter by the flag: a page of the filtered list looks through the search's
# contacts a page of PAGE_LIMIT at a time, at most this many calls a request.
FLAG_SCAN_CALLS = 4


@dataclass(frozen=True)
class FlaggedPage:
    """A page of the contacts list filtered by the blacklist flag: the contacts found, and
    which of the search's contacts were looked through (from `start`, up to `end`)."""

    items: list
    start: int
    end: int
    more: bool


def contacts_flagged(
    client: SerwerSMSClient, query: dict, page_size: int, *, calls: int = FLAG_SCAN_CALLS
) -> FlaggedPage:
    """Up to page_size contacts whose flag is query["b"], from the query["s"]-th contact of
    the search on: at most `calls` reads."""
    wanted = query["b"] == "yes"
    start = position = query["s"]
    found = []
    more = False
    for _call in range(calls):
        # At the size the API pages by (an API that refused PAGE_LIMIT pages by less).
        limit = largest_limit(client.base_url) or PAGE_LIMIT
        page_start = position // limit * limit
        page = client.contacts_index(
            **ContactListQuery.search_params(query), page=page_start // limit + 1, limit=limit
        )
        for contact in page.items[position - page_start :]:
            position += 1
            if contact.blacklist == wanted:
                found.append(contact)
                if len(found) == page_size:
                    break
        more = page.has_next or position - page_start < len(page.items)
        if len(found) == page_size or not more:
            break
        if position - page_start < limit:
            # A short page that is not the last: the API serves fewer than asked; the next
            # read starts where this page ended, at the size the API pages by.
            break
    return FlaggedPage(found, start, position, more)


def read_only_unless_editor(request: HttpRequest, form) -> bool:
    """A change form shown to someone whose role may view but not change (a Viewer): its
    fields disabled, as the admin shows a view-only record. True when so."""
    if roles.may(request.user, roles.EDIT):
        return False
    for form_field in form.fields.values():
        form_field.disabled = True
    return True
