"""Error reports to Sentry, when SENTRY_DSN is set (settings): with no credentials and no
personal data in them, as the mailed error reports (contacts_ui.reporting) and the logs.

Sentry is told nothing it need not know: no request body, cookies, query string or headers
but a few plain ones, no local variables, no user but their id (send_default_pii stays off,
so Sentry sends none; the id is added from the log context). What is left (messages,
exception values, breadcrumbs) is scrubbed as every log line is (contacts_ui.logs). Each
event is tagged with the request's id (or the job's), the code the error page shows.
"""

import sentry_sdk
import structlog
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import ignore_logger

from .logs import add_user_id, scrub_value

# The request headers an event keeps: none that carries a credential, a cookie or an address.
KEPT_HEADERS = frozenset(
    {"accept", "accept-language", "content-length", "content-type", "hx-request", "user-agent"}
)


def start(dsn: str, environment: str = "", release: str = "", traces_sample_rate=0.0, **more):
    """Start reporting to Sentry; `more` is for sentry_sdk.init (a test's transport)."""
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        # No user's name, e-mail or address, no cookies, no request body, no local variables.
        # send_default_pii is left unset: off is its default, and this sentry-sdk (2.76)
        # warns that the option is deprecated when it is given at all.
        max_request_body_size="never",
        include_local_variables=False,
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
        **more,
    )
    # A failed request's line (status 500) is no second event: its exception is the event.
    ignore_logger("contacts_ui.requests")


def _trimmed_request(request: dict) -> dict:
    headers = request.get("headers") or {}
    return {
        "method": request.get("method"),
        # The path alone: the query string holds what was searched for.
        "url": str(request.get("url") or "").split("?")[0],
        "headers": {name: value for name, value in headers.items() if name.lower() in KEPT_HEADERS},
    }


def before_send(event, hint):
    """The event as Sentry may keep it."""
    if "request" in event:
        event["request"] = _trimmed_request(event["request"])
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    event = scrub_value(event)
    # Who and which request, from the log context (contacts_ui.logs): the user's id alone,
    # and the code the error page shows.
    context = add_user_id(None, "", structlog.contextvars.get_contextvars())
    event["user"] = {"id": str(context["user_id"])} if context.get("user_id") else {}
    tags = event.setdefault("tags", {})
    for name in ("request_id", "job_id"):
        if context.get(name):
            tags[name] = str(context[name])
    return event


def before_breadcrumb(crumb, hint):
    """A breadcrumb scrubbed; a database query's without its parameters."""
    if crumb.get("category") == "query":
        crumb.pop("data", None)
    return scrub_value(crumb)
