"""The logs: one line per request and per API call, each a JSON object on stderr, tied
together by the request's id.

Every logger writes through the one formatter built here (settings.LOGGING): ours, which use
the standard library's logging, Django's, and structlog's. Each line carries what the
request (or background job) bound to the log context: its request_id, the user_id and, in
the task worker, the job_id. The request id is also sent back in the X-Request-ID header and
shown on the error pages, so that a person who reports a failure can quote it and the line
be found with grep.

What is logged is chosen so that no secret, phone number or e-mail address is in it (a
request's line names its path, never its query string; an API call's names its action,
never its parameters). scrub() masks them in every line all the same, in case one slips into
a message: a last line of defence, shared with the Sentry reports (error_reporting).
"""

import contextvars
import logging
import re
import time
import uuid

import structlog
from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

logger = structlog.get_logger("contacts_ui.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# What an id set by the proxy in front may look like (nginx's $request_id is 32 hex digits):
# short and plain, so that a forged one can neither stuff the logs nor break a page.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

# The request being answered on this thread (or on a pool thread working for it), for the
# user_id of its lines.
_request: contextvars.ContextVar = contextvars.ContextVar("request_being_answered", default=None)


# --- The request's id and its line ----------------------------------------------------------


def _request_id_for(request) -> str:
    """The proxy's id for the request when one stands in front and sent a plain one; else ours."""
    if settings.BEHIND_PROXY:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        if SAFE_REQUEST_ID.fullmatch(offered):
            return offered
    return uuid.uuid4().hex


def current_request_id() -> str:
    """The id of the request (or the empty string outside one), for the error pages."""
    return structlog.contextvars.get_contextvars().get("request_id", "")


def _route(request) -> str:
    """The URL pattern's name, or the path when none matched: never the query string, which
    holds what was searched for (phone numbers, e-mail addresses)."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None and match.view_name else request.path


# The load balancers' probes (contacts_ui.health): one passing every few seconds is not worth
# a line; one failing says "not ready" (a warning), not that this server failed.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})


def _level_for(request, status: int) -> int | None:
    """The request line's level; None: no line."""
    if request.path_info in PROBE_PATHS:
        return None if status < 400 else logging.WARNING
    if status >= 500:
        return logging.ERROR
    if status >= 400:
        return logging.WARNING
    return logging.INFO


class RequestLogMiddleware:
    """Give each request an id, bind it to every line logged while it is answered, send it
    back in X-Request-ID, and log one line for the request once it is answered.

    Before every middleware but django-prometheus's, so that every response carries the id,
    whichever middleware answered. An exception in a view is logged by Django (django.request,
    with its traceback) inside this context, so with the id; this line then says 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id_for(request)
        request.request_id = request_id
        started = time.monotonic()
        answering = _request.set(request)
        try:
            with structlog.contextvars.bound_contextvars(request_id=request_id):
                response = self.get_response(request)
                response[REQUEST_ID_HEADER] = request_id
                level = _level_for(request, response.status_code)
                if level is not None:
                    logger.log(
                        level,
                        "request",
                        method=request.method,
                        route=_route(request),
                        path=request.path,
                        status=response.status_code,
                        duration_ms=round((time.monotonic() - started) * 1000, 1),
                    )
                if response.streaming:
                    # A streamed file (the CSV export) makes its API calls as it is sent,
                    # after this returns: in the request's context still.
                    response.streaming_content = _in_context(
                        contextvars.copy_context(), response.streaming_content
                    )
        finally:
            _request.reset(answering)
        return response


def _in_context(context: contextvars.Context, chunks):
    iterator = iter(chunks)
    while True:
        try:
            chunk = context.run(next, iterator)
        except StopIteration:
            return
        yield chunk


def carrying_context(function):
    """`function`, to be run on another thread (a pool's) in the log context of this one: its
    lines keep the request's (or the job's) id. Each call runs in a copy of its own, as two
    threads cannot share one context."""
    context = contextvars.copy_context()

    def run(*args, **kwargs):
        return context.copy().run(function, *args, **kwargs)

    return run


# --- What every line carries -----------------------------------------------------------------


def add_user_id(logger, method_name, event_dict):
    """The signed-in person's id, once the request has looked them up: a log line never
    costs a query of its own (nor marks the session read)."""
    request = _request.get()
    if "user_id" in event_dict or request is None:
        return event_dict
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return event_dict
    event_dict["user_id"] = user.pk if user.is_authenticated else None
    return event_dict


# The fields a standard library record may add to its line (logger.info(..., extra=...)),
# named one by one: Django's own add the request object, whose repr holds the query string.
EXTRA_FIELDS = ("api_action", "api_outcome", "api_detail", "duration_ms", "status_code", "job_id")


# --- Scrubbing: the last line of defence -----------------------------------------------------

MASK = "[scrubbed]"

# Fields that are ours and hold no personal data; hex ids would otherwise risk a digit run.
NOT_SCRUBBED = frozenset({"request_id", "job_id", "timestamp", "level", "logger"})

# A field or header named like this holds a secret whatever its value looks like.
SECRET_NAME = re.compile(
    r"pass(word|wd)?|secret|token|api_?key|authorization|cookie|session|dsn|credential",
    re.IGNORECASE,
)

_PATTERNS = [
    # A secret given a name: password=..., "token": "...", Authorization: Basic ...
    (
        re.compile(
            r"(?i)\b(pass(?:word|wd)?|secret|token|api[_-]?key|authorization|dsn)"
            r"(['\"]?\s*[:=]\s*['\"]?)((?:basic|bearer|token)\s+)?[^\s'\"&,;)}\]]+"
        ),
        rf"\1\2\3{MASK}",
    ),
    (re.compile(r"(?i)\bbearer\s+[^\s'\",;]+"), f"Bearer {MASK}"),
    # Credentials in a URL: scheme://user:password@host, or a Sentry DSN's key@host.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@"), rf"\1{MASK}@"),
    # E-mail addresses, also URL-encoded (%40).
    (
        re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
        f"{MASK}",
    ),
    # Phone numbers: +48500600700, 500 600 700, +48 500-600-700, any run of 9 or more digits.
    (re.compile(r"(?<![\w+])(?:\+\d{1,3}[ -]?)?\d{3}[ -]\d{3}[ -]\d{3}(?![\w])"), MASK),
    (re.compile(r"(?<![\w])(?:\+|%2B)?\d{9,}(?![\w])"), MASK),
]


def scrub_text(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_value(value, name: str = ""):
    """`value` with every secret, phone number and e-mail address in it masked, however deep
    in dicts and lists; a field named like a secret is masked whole."""
    if name and SECRET_NAME.search(name) and value not in (None, "", [], {}):
        return MASK
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: scrub_value(item, str(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_value(item) for item in value)
    return value


def scrub(logger, method_name, event_dict):
    """A structlog processor: every field of the line scrubbed (scrub_value)."""
    return {
        key: value if key in NOT_SCRUBBED else scrub_value(value, key)
        for key, value in event_dict.items()
    }


FIRST_FIELDS = ("timestamp", "level", "logger", "event", "request_id", "user_id", "job_id")


def in_reading_order(logger, method_name, event_dict):
    """The fields every line has first, the line's own after them."""
    first = {name: event_dict.pop(name) for name in FIRST_FIELDS if name in event_dict}
    return {**first, **event_dict}


# --- The formatter (settings.LOGGING) ----------------------------------------------------------

# For structlog's own loggers (structlog.configure in settings): the context, the level
# filter, and the hand-over to the formatter below, which does the rest for every line.
STRUCTLOG_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.filter_by_level,
    structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
]


def formatter(output: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The one formatter of every line: `json` (one object a line, for production) or
    `console` (aligned and readable, for a developer)."""
    renderer = (
        structlog.processors.JSONRenderer(default=str)
        if output == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        # Records of the standard library's loggers: the log context, and the extra fields
        # allowed.
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.ExtraAdder(allow=EXTRA_FIELDS),
        ],
        processors=[
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            add_user_id,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # The traceback as text, so that it is scrubbed as well.
            structlog.processors.format_exc_info,
            scrub,
            in_reading_order,
            renderer,
        ],
    )
