"""The service module: the one place that talks to the SerwerSMS HTTPS API v2.

One client class, built from a user's credentials, with a public method for
each contacts-and-groups action in api/CONTRACT.md. Calls go out as the
official clients send them: `POST <base><resource>/<action>.json` with a JSON
body that carries a `system` field, authenticated by a Bearer token header or
by `username`/`password` fields. Answers come back as dataclasses; failures
as the exceptions below, whose text a person can read and act on and never
contains the secret.
"""

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, Literal, TypeVar

import phonenumbers
import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from contacts_ui import api_calls

logger = logging.getLogger(__name__)

SYSTEM_NAME = "serwersms_contacts"
# The most items one page of an index answer holds (api/CONTRACT.md).
PAGE_LIMIT = 500
# What a paged read asks for when the API refuses PAGE_LIMIT (its documents do not give its
# largest limit): the provider's clients' examples stay at or below it.
SMALLER_LIMIT = 100
# The actions that only read, and so may be retried after a failure on the way.
READ_ACTIONS = frozenset({"index", "view", "check"})
TOKEN = "token"
PASSWORD = "password"

T = TypeVar("T")


def token_is_sendable(token: str) -> bool:
    """Whether a token can go in an Authorization header: printable ASCII, no spaces."""
    return re.fullmatch(r"[!-~]+", token) is not None


# --- Records ------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What authenticates a call: a token, or an API username and password."""

    auth_style: Literal["token", "password"]
    username: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    count: int


@dataclass(frozen=True)
class ContactData:
    """The writable fields of a contact: all of them, always, for add and edit."""

    phone: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    tax_id: str = ""
    address: str = ""
    city: str = ""
    description: str = ""

    @classmethod
    def from_record(cls, record: dict) -> "ContactData":
        """The writable fields of a contact as the history records it (a dict)."""
        return cls(**{name: record.get(name, "") for name in CONTACT_FIELDS})

    @property
    def full_name(self) -> str:
        """First and last name, as far as it has them ("" for neither)."""
        return " ".join(filter(None, [self.first_name, self.last_name]))

    @property
    def display_name(self) -> str:
        """How a contact is named everywhere (messages, history, jobs, cleanup): its
        full name, or its phone when it has none."""
        return self.full_name or self.phone

    @property
    def label(self) -> str:
        """Its name with its phone, as a job's items list it: "Anna Nowak (+48…)"."""
        return f"{self.full_name} ({self.phone})" if self.full_name else self.phone


@dataclass(frozen=True)
class Contact:
    id: int
    phone: str
    email: str
    first_name: str
    last_name: str
    company: str
    tax_id: str
    address: str
    city: str
    description: str
    blacklist: bool
    # From contacts/index only: the group the row was listed under, if any.
    group_id: int | None = None
    group_name: str = ""
    # The phone as the API gave it, when that is not E.164 (see _phone_as_read).
    phone_as_stored: str = ""

    @property
    def data(self) -> ContactData:
        return ContactData(**{name: getattr(self, name) for name in CONTACT_FIELDS})

    @property
    def full_name(self) -> str:
        return self.data.full_name

    @property
    def display_name(self) -> str:
        return self.data.display_name

    @property
    def label(self) -> str:
        return self.data.label


CONTACT_FIELDS = tuple(ContactData.__dataclass_fields__)


@dataclass(frozen=True)
class GroupMembership:
    """One item of groups/check: a contact with the phone, and a group holding it."""

    contact_id: int
    group_id: int
    group_name: str


@dataclass(frozen=True)
class BlacklistedNumber:
    """One number on the account's blacklist: it gets no messages."""

    phone: str
    added: str  # when it was listed, as the API gives it


# The fields contacts/import takes for each contact; a contact's others it cannot set.
IMPORT_FIELDS = ("phone", "email", "first_name", "last_name", "company")


@dataclass(frozen=True)
class ImportAnswer:
    """contacts/import's answer: the group the contacts went to, and how many rows the API
    counted as imported and as failed (it says no more: which rows, the group tells)."""

    group_id: int
    correct: int
    failed: int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# --- Exceptions ---------------------------------------------------------------


class SerwerSMSError(Exception):
    """Any failed call. `str(error)` is a sentence for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ApiError(SerwerSMSError):
    """The API answered with its error object."""

    def __init__(self, code: int, type_: str, api_message: str, message: str | None = None):
        self.code = code
        self.type = type_
        self.api_message = api_message
        if message is None:
            message = _("The SerwerSMS API refused the request: %(message)s (code %(code)s).") % {
                "message": api_message,
                "code": code,
            }
        super().__init__(message)


class CredentialsRejected(ApiError):
    """1001: the saved login, password or token is wrong."""


class AccessDenied(ApiError):
    """1002, 1003, 1005, 1007, 1008: the API user may not do this."""


class NotFound(ApiError):
    """1004: no such id in this account."""


class InvalidData(ApiError):
    """1006, 2000, 2001: the data sent was refused."""


class NotApplied(SerwerSMSError):
    """The API answered that a write was made, and reading it back shows it was not (or not
    wholly): the message says what the API holds."""


class NotSupported(SerwerSMSError):
    """The configured API does not do this, as the application has learned from it
    (contacts_ui.provider): refused up front, nothing was sent."""


class PhoneHidden(SerwerSMSError):
    """A contact's phone as the API showed it is masked (the account may not see numbers):
    writing it back would overwrite the number, so nothing is sent."""


class CredentialsUnusable(SerwerSMSError):
    """The credentials cannot be put into a request at all (a token with spaces or letters
    outside ASCII cannot go in a header); nothing was sent."""


class TransportError(SerwerSMSError):
    """No usable answer came back. `request_sent` tells whether the call may have taken effect;
    `retryable` whether asking again may help (a read is then retried, a write never)."""

    request_sent = True
    retryable = True


class ConnectionFailed(TransportError):
    request_sent = False


class TlsInvalid(ConnectionFailed):
    """The API's TLS certificate could not be verified: nothing was sent."""


class ConnectionLost(TransportError):
    pass


class TimedOut(TransportError):
    pass


class OutOfTime(TransportError):
    """A page's time for the API (SERWERSMS_REQUEST_BUDGET) is spent: this call was not
    sent, and is not asked again within the page."""

    request_sent = False
    retryable = False


class BadResponse(TransportError):
    """The answer was not the documented JSON (another HTTP status, or not JSON at all)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status

    @property
    def retryable(self) -> bool:
        # A server error may pass; an answer in the wrong form will come back the same.
        return self.status is not None and self.status >= 500


def _code_messages() -> dict[int, tuple[type[ApiError], str]]:
    return {
        1000: (ApiError, _("The SerwerSMS API does not know this action.")),
        1001: (
            CredentialsRejected,
            _(
                "SerwerSMS rejected the saved API credentials. Check and update them "
                "on the “My API credentials” page."
            ),
        ),
        1002: (
            AccessDenied,
            _(
                "This SerwerSMS user has no HTTPS API permission. Enable it in the "
                "SerwerSMS panel, or use another API user."
            ),
        ),
        1003: (
            AccessDenied,
            _(
                "SerwerSMS refused this server’s IP address. Add it to the allowed IP "
                "addresses of the API user in the SerwerSMS panel."
            ),
        ),
        1004: (
            NotFound,
            _("It does not exist in your SerwerSMS account (it may have been deleted)."),
        ),
        1005: (
            AccessDenied,
            _("This SerwerSMS API user has no permission for this action. Ask the account owner."),
        ),
        1006: (InvalidData, _("SerwerSMS refused the data as invalid: %(message)s")),
        1007: (
            AccessDenied,
            _(
                "The SerwerSMS account is not fully activated yet. "
                "Finish activation in the SerwerSMS panel."
            ),
        ),
        1008: (
            AccessDenied,
            _(
                "This SerwerSMS API user may not see phone numbers. "
                "Ask the account owner for permission."
            ),
        ),
        2000: (InvalidData, _("A required field is missing: %(message)s")),
        2001: (InvalidData, _("SerwerSMS did not accept the phone number as valid.")),
        3000: (
            AccessDenied,
            _(
                "The SerwerSMS account's SMS ECO+ limit is used up. Top it up in the "
                "SerwerSMS panel, or ask the account owner."
            ),
        ),
    }


def error_from_answer(error: Any) -> ApiError:
    """The exception for an API error object, with a message a person can act on."""
    if not isinstance(error, dict):
        return ApiError(0, "", str(error)[:200])
    code = error.get("code")
    code = code if isinstance(code, int) else _int_or_zero(code)
    type_ = str(error.get("type") or "")
    api_message = str(error.get("message") or "")[:500]
    cls, template = _code_messages().get(code, (ApiError, None))
    message = template % {"message": api_message} if template and "%(" in template else template
    return cls(code, type_, api_message, message)


def _int_or_zero(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- Sessions -----------------------------------------------------------------

# One requests.Session per process and base URL, so that calls reuse
# keep-alive connections. A Session's connection pool is thread-safe.
_sessions: dict[str, requests.Session] = {}
_sessions_lock = threading.Lock()


def _session_for(base_url: str) -> requests.Session:
    with _sessions_lock:
        session = _sessions.get(base_url)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _sessions[base_url] = session
        return session


# --- The client ---------------------------------------------------------------


def _parse_page(data: Any, parse_item) -> Page:
    paging = data["paging"]
    return Page(
        items=[parse_item(item) for item in data["items"]],
        page=int(paging["page"]),
        pages=int(paging["count"]),
    )


def _first_of_each(items) -> list:
    """The items with the same id (or, for items without one, equal) taken once: the first."""
    seen: set = set()
    kept = []
    for item in items:
        identity = getattr(item, "id", item)
        if identity not in seen:
            seen.add(identity)
            kept.append(item)
    return kept


def _once_each(page: Page) -> Page:
    items = _first_of_each(page.items)
    return page if len(items) == len(page.items) else Page(items, page.page, page.pages)


def _parse_group(item: dict) -> Group:
    return Group(id=int(item["id"]), name=str(item["name"]), count=int(item["count"]))


def _phone_as_read(value: Any) -> Any:
    """An API that stores phones without their + (48500600700) gives them back so; the
    application compares and writes E.164, so the + is put back on a number that is
    valid with it. Anything else (a masked number, say) is left as it came."""
    if isinstance(value, str) and value.isdigit() and len(value) > 8:
        try:
            number = phonenumbers.parse("+" + value)
        except phonenumbers.NumberParseException:
            return value
        if phonenumbers.is_valid_number(number):
            return "+" + value
    return value


# 1 and 0 find True and False, being equal to them.
_FLAGS = {True: True, False: False, "1": True, "0": False, "true": True, "false": False}


def _parse_flag(value: Any) -> bool:
    """A yes/no field as the API may give it: a boolean, 1/0, or those as text. Anything
    else is an answer in an unexpected form, never a guess (bool("0") is True)."""
    if value is None:
        return False
    word = value.strip().lower() if isinstance(value, str) else value
    if type(word) in (bool, int, str) and word in _FLAGS:
        return _FLAGS[word]
    raise ValueError(f"not a yes/no value: {value!r}")


def _parse_contact(item: dict) -> Contact:
    stored = item.get("phone")
    item = {**item, "phone": _phone_as_read(stored)}
    group_id = item.get("group_id")
    return Contact(
        phone_as_stored=str(stored or "") if stored != item["phone"] else "",
        id=int(item["id"]),
        **{name: str(item.get(name) or "") for name in CONTACT_FIELDS},
        blacklist=_parse_flag(item.get("blacklist")),
        group_id=int(group_id) if group_id not in (None, "") else None,
        group_name=str(item.get("group_name") or ""),
    )


def _parse_membership(item: dict) -> GroupMembership:
    return GroupMembership(
        contact_id=int(item["id"]),
        group_id=int(item["group_id"]),
        group_name=str(item["group_name"]),
    )


def _parse_blacklisted(item: dict) -> BlacklistedNumber:
    return BlacklistedNumber(phone=_phone_as_read(str(item["phone"])), added=str(item["added"]))


def _parse_exists(data: dict) -> bool:
    if "exists" not in data:
        raise KeyError("exists")
    return _parse_flag(data["exists"])


def _parse_import(data: Any) -> ImportAnswer:
    if data.get("success") is not True:
        raise KeyError("success")
    return ImportAnswer(
        group_id=int(data["id"]),
        correct=_int_or_zero(data.get("correct")),
        failed=_int_or_zero(data.get("failed")),
    )


def _written_id(data: Any) -> int:
    if data.get("success") is not True:
        raise KeyError("success")
    return int(data["id"])


# The largest limit each API (by base URL) was found to take, in this process: an API that
# refused a larger one is asked at this from then on, rather than once too many each time.
_largest_limits: dict[str, int] = {}


def largest_limit(base_url: str) -> int | None:
    """The largest limit the API at base_url was found to take, if it refused a larger one."""
    return _largest_limits.get(base_url)


class SerwerSMSClient:
    """The SerwerSMS API as one user sees it, through that user's credentials."""

    def __init__(self, credentials: Credentials, base_url: str, *, deadline: float | None = None):
        self.credentials = credentials
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        # time.monotonic() by which every call must have ended (a page's budget:
        # api_access.client_for); None for work in the background.
        self.deadline = deadline

    def __repr__(self) -> str:
        return f"<SerwerSMSClient {self.base_url} as {self.credentials.auth_style}>"

    # The one method that makes a call. Its locals hold the secret; error reports
    # leave them out (contacts_ui.reporting).
    def _call(self, resource: str, action: str, params: dict | None = None) -> dict:
        url = f"{self.base_url}{resource}/{action}.json"
        body = {key: value for key, value in (params or {}).items() if value is not None}
        body["system"] = SYSTEM_NAME
        headers = {"Accept": "application/json"}
        if self.credentials.auth_style == TOKEN:
            if not token_is_sendable(self.credentials.secret):
                raise CredentialsUnusable(
                    _(
                        "The saved API token contains characters that no token has "
                        "(spaces, or letters outside ASCII); enter it again."
                    )
                )
            headers["Authorization"] = f"Bearer {self.credentials.secret}"
        else:
            body["username"] = self.credentials.username
            body["password"] = self.credentials.secret

        # A read that failed on the way may simply be asked again. A write never
        # is: if it went out, asking again could make the change twice.
        retries = settings.SERWERSMS_READ_RETRIES if action in READ_ACTIONS else 0
        for attempt in range(retries + 1):
            self._refuse_past_the_deadline()
            try:
                return self._send(resource, action, url, body, headers)
            except TransportError as error:
                if attempt == retries or not error.retryable:
                    raise
                delay = settings.SERWERSMS_RETRY_BACKOFF * 2**attempt
                logger.info(
                    "%s/%s: %s, asking again in %.2f s (retry %d of %d)",
                    resource,
                    action,
                    type(error).__name__,
                    delay,
                    attempt + 1,
                    retries,
                )
                time.sleep(min(delay, max(0.0, self._time_left() or delay)))
        raise AssertionError("unreachable")  # pragma: no cover

    def _time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def _refuse_past_the_deadline(self) -> None:
        left = self._time_left()
        if left is not None and left <= 0.05:
            raise OutOfTime(
                _(
                    "SerwerSMS is answering too slowly just now: this page has waited as long "
                    "as a page may, and nothing more was sent. Try again in a moment."
                )
            )

    def _send(self, resource: str, action: str, url: str, body: dict, headers: dict) -> dict:
        """One HTTP request: the answer's JSON object, or one of this module's exceptions.
        Whatever came of it is reported once (contacts_ui.api_calls: a log line, metrics)."""
        started = time.monotonic()
        try:
            data = self._exchange(resource, action, url, body, headers)
        except ApiError as error:
            api_calls.finished(resource, action, started, api_calls.API_ERROR, str(error.code))
            raise
        except TransportError as error:
            api_calls.finished(resource, action, started, *api_calls.failure(error))
            raise
        api_calls.finished(resource, action, started, api_calls.DONE)
        return data

    def _exchange(self, resource: str, action: str, url: str, body: dict, headers: dict) -> dict:
        left = self._time_left()
        read_timeout = settings.SERWERSMS_READ_TIMEOUT
        if left is not None:
            read_timeout = min(read_timeout, left)
        timeout = (min(settings.SERWERSMS_CONNECT_TIMEOUT, read_timeout), read_timeout)
        try:
            # Never to another address: a 307 or 308 would resend the body, password and all.
            response = _session_for(self.base_url).post(
                url, json=body, headers=headers, timeout=timeout, allow_redirects=False
            )
        except requests.exceptions.ConnectTimeout:
            raise ConnectionFailed(
                _(
                    "Could not connect to the SerwerSMS API: it did not answer in time. "
                    "Nothing was changed; try again."
                ),
            )
        except requests.exceptions.ReadTimeout:
            raise TimedOut(
                _("The SerwerSMS API did not answer in time."),
            )
        except requests.exceptions.SSLError:
            raise TlsInvalid(
                _(
                    "The SerwerSMS API's TLS certificate could not be verified, so nothing was "
                    "sent. Check SERWERSMS_API_URL and the server's clock and CA certificates."
                ),
            )
        except requests.exceptions.ConnectionError as error:
            if _was_sent(error):
                raise ConnectionLost(
                    _("The connection to the SerwerSMS API broke before it answered."),
                )
            raise ConnectionFailed(
                _("Could not connect to the SerwerSMS API. Nothing was changed; try again."),
            )
        except requests.exceptions.RequestException:
            # Anything else (such as an answer cut off half-way) happened after
            # the request may have gone out.
            raise ConnectionLost(
                _("The connection to the SerwerSMS API broke before it answered."),
            )

        if response.is_redirect:
            raise BadResponse(
                _(
                    "The SerwerSMS API answered with a redirect to another address (HTTP "
                    "%(status)s), which is not followed, so that your credentials go nowhere "
                    "else. Check the API address."
                )
                % {"status": response.status_code},
                status=response.status_code,
            )
        if response.status_code != 200:
            raise BadResponse(
                _("The SerwerSMS API answered with an error (HTTP %(status)s).")
                % {"status": response.status_code},
                status=response.status_code,
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise BadResponse(_("The SerwerSMS API gave an answer that could not be read."))
        if "error" in data:
            raise error_from_answer(data["error"])
        return data

    def _parsed(self, parse, data):
        """Parse a successful answer; an unexpected shape is a BadResponse."""
        try:
            return parse(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BadResponse(
                _("The SerwerSMS API gave an answer in an unexpected form.")
            ) from None

    def answer_of(self, resource: str, action: str, params: dict) -> dict:
        """A read's answer as the API gave it, unparsed and unadapted: for the contract
        check, which reports what the API itself does. Never a write."""
        if action not in READ_ACTIONS:
            raise ValueError(f"{resource}/{action} is not a read")
        return self._call(resource, action, params)

    def _index(self, resource: str, params: dict) -> dict:
        """A paged read, at the largest limit this API takes: one that refuses the limit
        asked (1006) is asked again at SMALLER_LIMIT, and at that from then on. The pages
        then count at that size; readers follow the page count the API gives."""
        limit = params.get("limit")
        largest = largest_limit(self.base_url)
        if largest and limit and limit > largest:
            params = {**params, "limit": largest}
        try:
            return self._call(resource, "index", params)
        except InvalidData as exc:
            if exc.code != 1006 or not params.get("limit") or params["limit"] <= SMALLER_LIMIT:
                raise
            data = self._call(resource, "index", {**params, "limit": SMALLER_LIMIT})
            _largest_limits[self.base_url] = SMALLER_LIMIT
            logger.warning(
                "%s refused a limit of %s; reading %s at a time from now on",
                self.base_url,
                params["limit"],
                SMALLER_LIMIT,
            )
            return data

    # --- Groups ---

    def groups_index(
        self, search=None, sort=None, order=None, page=None, limit=None
    ) -> Page[Group]:
        """groups/index: one page of groups, each with its contact count."""
        data = self._index(
            "groups",
            {"search": search or None, "sort": sort, "order": order, "page": page, "limit": limit},
        )
        return self._parsed(lambda d: _parse_page(d, _parse_group), data)

    def groups_view(self, id: int) -> Group:
        """groups/view: one group."""
        return self._parsed(_parse_group, self._call("groups", "view", {"id": id}))

    def groups_add(self, name: str) -> int:
        """groups/add: create a group; returns its id."""
        return self._parsed(_written_id, self._call("groups", "add", {"name": name}))

    def groups_edit(self, id: int, name: str) -> int:
        """groups/edit: rename a group."""
        return self._parsed(_written_id, self._call("groups", "edit", {"id": id, "name": name}))

    def groups_delete(self, id: int, delete_contacts: bool = False) -> None:
        """groups/delete: delete a group, and its contacts only if asked."""
        data = self._call("groups", "delete", {"id": id, "delete_contacts": delete_contacts})
        self._parsed(_check_success, data)

    def groups_check(self, phone: str) -> list[GroupMembership]:
        """groups/check: every group that holds a contact with this phone."""
        try:
            data = self._call("groups", "check", {"phone": phone})
        except NotFound:
            # An API may answer "no such number" for a phone that is in no group.
            return []
        return self._parsed(lambda d: [_parse_membership(item) for item in d["items"]], data)

    # --- Contacts ---

    def contacts_index(
        self, search=None, group_id=None, sort=None, order=None, page=None, limit=None
    ) -> Page[Contact]:
        """contacts/index: one page of contacts; group_id may be an id or "none"."""
        data = self._index(
            "contacts",
            {
                "search": search or None,
                "group_id": group_id,
                "sort": sort,
                "order": order,
                "page": page,
                "limit": limit,
            },
        )
        # An API that lists a contact once for each of its groups: each contact once.
        return self._parsed(lambda d: _once_each(_parse_page(d, _parse_contact)), data)

    def contacts_view(self, id: int) -> Contact:
        """contacts/view: one contact, without its groups (see groups_check)."""
        return self._parsed(_parse_contact, self._call("contacts", "view", {"id": id}))

    def contacts_add(self, contact: ContactData, group_ids: list[int]) -> int:
        """contacts/add: create a contact in the given groups; returns its id."""
        _refuse_a_hidden_phone(contact)
        params = {"group_id": list(group_ids), **asdict(contact)}
        return self._parsed(_written_id, self._call("contacts", "add", params))

    def contacts_edit(self, id: int, contact: ContactData, group_ids: list[int]) -> int:
        """contacts/edit: replace a contact's fields and groups with the whole record given."""
        # The whole record always goes out (CONTRACT.md): a field left out may be cleared.
        _refuse_a_hidden_phone(contact)
        params = {"id": id, "group_id": list(group_ids), **asdict(contact)}
        return self._parsed(_written_id, self._call("contacts", "edit", params))

    def contacts_delete(self, id: int) -> None:
        """contacts/delete: delete a contact."""
        self._parsed(_check_success, self._call("contacts", "delete", {"id": id}))

    def contacts_import(self, group_name: str, contacts: list[ContactData]) -> ImportAnswer:
        """contacts/import: many contacts in one call, into the group of that name (made by
        the call); only their IMPORT_FIELDS go."""
        for contact in contacts:
            _refuse_a_hidden_phone(contact)
        rows = [{name: getattr(contact, name) for name in IMPORT_FIELDS} for contact in contacts]
        data = self._call("contacts", "import", {"group_name": group_name, "contact": rows})
        return self._parsed(_parse_import, data)

    # --- The blacklist ---

    def blacklist_index(self, phone=None, page=None, limit=None) -> Page[BlacklistedNumber]:
        """blacklist/index: one page of the account's blacklist, or of its numbers that hold
        `phone` (part of a number)."""
        data = self._index("blacklist", {"phone": phone or None, "page": page, "limit": limit})
        return self._parsed(lambda d: _parse_page(d, _parse_blacklisted), data)

    def blacklist_check(self, phone: str) -> bool:
        """blacklist/check: whether the number is on the blacklist."""
        _refuse_a_hidden_number(phone)
        data = self._call("blacklist", "check", {"phone": phone})
        return self._parsed(_parse_exists, data)

    def blacklist_add(self, phone: str) -> None:
        """blacklist/add: put the number on the blacklist (it gets no more messages)."""
        _refuse_a_hidden_number(phone)
        self._parsed(_check_success, self._call("blacklist", "add", {"phone": phone}))

    def blacklist_delete(self, phone: str) -> None:
        """blacklist/delete: take the number off the blacklist."""
        _refuse_a_hidden_number(phone)
        self._parsed(_check_success, self._call("blacklist", "delete", {"phone": phone}))


def _refuse_a_hidden_phone(contact: ContactData) -> None:
    """A phone the API showed masked (+48500***700) is never written back."""
    if "*" in contact.phone:
        raise PhoneHidden(
            _(
                "SerwerSMS shows this contact's phone number hidden (%(phone)s): the API user "
                "may not see phone numbers, so saving would overwrite the number. Nothing was "
                "sent; give the API user the permission to see numbers in the SerwerSMS panel."
            )
            % {"phone": contact.phone}
        )


def _refuse_a_hidden_number(phone: str) -> None:
    """A number the API showed masked is never sent to the blacklist: what is left of it
    would be another number."""
    if "*" in phone:
        raise PhoneHidden(
            _(
                "SerwerSMS shows this number hidden (%(phone)s): the API user may not see "
                "phone numbers, so the blacklist cannot be checked or changed for it here. "
                "Nothing was sent; give the API user the permission to see numbers in the "
                "SerwerSMS panel."
            )
            % {"phone": phone}
        )


# However many pages the API says there are, a paged read stops here: 2,000 pages of 500
# is a million contacts, far past any account, and an API that ignores `page` and gives
# its first page again, or counts pages without end, must not keep a read going for ever.
MAX_PAGES = 2000


def every_page(read, first: Page | None = None) -> Iterator[Page]:
    """Each page of a paged read as it arrives: read(page_number) -> Page, from `first` if
    it has been read already. A reader that lets each page go before the next keeps one page
    in memory, not the whole read. It stops at the page count the API gives, and at an empty
    page; an answer for another page than the one asked for, or more than MAX_PAGES pages,
    is an answer in an unexpected form (BadResponse), never a read that does not end."""
    page_number = 1
    page = first or read(page_number)
    while True:
        if page.page != page_number:
            raise BadResponse(
                _(
                    "The SerwerSMS API answered page %(answered)s when asked for page "
                    "%(asked)s, so the rest could not be read."
                )
                % {"answered": page.page, "asked": page_number}
            )
        yield page
        if not page.has_next or not page.items:
            return
        if page_number >= MAX_PAGES:
            raise BadResponse(
                _(
                    "The SerwerSMS API says there are more than %(pages)s pages to read; "
                    "reading stopped there."
                )
                % {"pages": MAX_PAGES}
            )
        page_number += 1
        page = read(page_number)


def every_item(read) -> list:
    """Every item of a paged read, page after page: read(page_number) -> Page. An item met
    again on a later page (a contact listed once per group) is taken once."""
    return _first_of_each(item for page in every_page(read) for item in page.items)


def _check_success(data: dict) -> None:
    if data.get("success") is not True:
        raise KeyError("success")


def _was_sent(error: requests.exceptions.ConnectionError) -> bool:
    """Whether a connection error came after the request went out (the outcome is unknown)."""
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    # Only a connection that was never made (refused, no such host) sent nothing.
    return not isinstance(cause, NewConnectionError)
