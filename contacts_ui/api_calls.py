"""What each call to the SerwerSMS API came to, said once: one log line and the metrics.

contacts_ui.serwersms reports every HTTP request it makes here, whatever its end. The line
names the action, the outcome and the time taken, never the parameters: they hold the
credentials, phone numbers and e-mail addresses.
"""

import logging
import time

from contacts_ui import metrics

logger = logging.getLogger("contacts_ui.api")

# Outcomes: the API answered and did it; it answered with one of its error codes; nothing
# reached it (nothing was changed); or the call went out and no usable answer came back, so
# whether a write took effect is unknown (timed out, connection lost, an HTTP error or an
# answer that could not be read).
DONE = "done"
API_ERROR = "api_error"
CONNECTION_FAILED = "connection_failed"
UNKNOWN = "unknown"


def failure(error) -> tuple[str, str]:
    """The outcome and detail of a call that brought no usable answer (a TransportError)."""
    # Imported here: contacts_ui.serwersms imports this module.
    from contacts_ui.serwersms import BadResponse, ConnectionLost, TimedOut, TlsInvalid

    if isinstance(error, TlsInvalid):
        return CONNECTION_FAILED, "tls_invalid"
    if not error.request_sent:
        return CONNECTION_FAILED, "no_connection"
    if isinstance(error, TimedOut):
        return UNKNOWN, "timed_out"
    if isinstance(error, ConnectionLost):
        return UNKNOWN, "connection_lost"
    if isinstance(error, BadResponse):
        return UNKNOWN, f"http_{error.status}" if error.status else "unreadable"
    return UNKNOWN, type(error).__name__


def finished(resource: str, action: str, started: float, outcome: str, detail: str = "") -> None:
    """Report one call, begun at time.monotonic() `started`."""
    seconds = time.monotonic() - started
    name = f"{resource}/{action}"
    metrics.API_CALLS.labels(action=name, outcome=outcome, detail=detail).inc()
    metrics.API_CALL_SECONDS.labels(action=name, outcome=outcome).observe(seconds)
    # One event name for every call, its facts in fields of their own (contacts_ui.logs makes
    # them keys of the JSON line, beside the request's id and user): easy to filter on.
    logger.log(
        logging.INFO if outcome in (DONE, API_ERROR) else logging.WARNING,
        "api_call",
        extra={
            "api_action": name,
            "api_outcome": outcome,
            "api_detail": detail,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
