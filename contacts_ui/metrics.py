"""The application's Prometheus metrics (prometheus-client), beside django-prometheus's own
of requests by view, status and latency.

Several processes (gunicorn's workers, the task worker) count into one set when
PROMETHEUS_MULTIPROC_DIR names a folder they share, as prometheus-client's multiprocess mode
has it; without it each process counts its own.
"""

from prometheus_client import Counter, Histogram

# Every call to the SerwerSMS API: `action` as resource/action (contacts/index), `outcome` one
# of contacts_ui.api_calls' (done, api_error, connection_failed, unknown), `detail` the API's
# error code or the kind of failure ("" when done).
API_CALLS = Counter(
    "serwersms_api_calls",
    "Calls to the SerwerSMS API, by action and outcome.",
    ["action", "outcome", "detail"],
)
# Seconds from sending a call to its answer (or its failure), by action and outcome.
API_CALL_SECONDS = Histogram(
    "serwersms_api_call_seconds",
    "Time a call to the SerwerSMS API took, by action and outcome.",
    ["action", "outcome"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0),
)
