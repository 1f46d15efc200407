"""The application's Prometheus metrics (prometheus-client), beside django-prometheus's own
of requests by view, status and latency.

Several processes (gunicorn's workers, the task worker) count into one set when
PROMETHEUS_MULTIPROC_DIR names a folder they share, as prometheus-client's multiprocess mode
has it; without it each process counts its own.
"""

import os
from datetime import timedelta

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily

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


# --- Background jobs: read from the database at each scrape -----------------------------------
# What an operator watches (jobs waiting, running, items failing) is in the database, whichever
# process ran the job: every web instance reports the same figures, from two grouped counts.

# The job items counted: those of jobs started this long ago at most, so that a scrape counts
# a day's work, not the whole history.
ITEMS_WINDOW = timedelta(hours=24)


class JobsCollector:
    """prometheus-client's custom collector: jobs by state and kind, and the items of the last
    day's jobs by status. A database that cannot be read makes the scrape say so
    (serwersms_contacts_jobs_scrape_error 1), not fail."""

    def describe(self):
        # Nothing is read at registration: the figures are the database's, at scrape time.
        return []

    def collect(self):
        from django.db import DatabaseError
        from django.db.models import Count
        from django.utils import timezone

        from contacts_ui.models import Job, JobItem

        jobs = GaugeMetricFamily(
            "serwersms_contacts_jobs",
            "Background jobs by state (queued: waiting for a worker) and kind.",
            labels=["state", "kind"],
        )
        items = GaugeMetricFamily(
            "serwersms_contacts_job_items",
            "Items of the jobs started in the last 24 hours, by status.",
            labels=["status"],
        )
        failed = 0
        try:
            by_state = dict.fromkeys(
                ((state, kind) for state in Job.State.values for kind in Job.Kind.values), 0
            )
            for row in Job.objects.order_by().values("state", "kind").annotate(n=Count("pk")):
                by_state[row["state"], row["kind"]] = row["n"]
            by_status = dict.fromkeys(JobItem.Status.values, 0)
            since = timezone.now() - ITEMS_WINDOW
            for row in (
                JobItem.objects.filter(job__created_at__gte=since)
                .order_by()
                .values("status")
                .annotate(n=Count("pk"))
            ):
                by_status[row["status"]] = row["n"]
        except DatabaseError:
            failed = 1
        else:
            for (state, kind), count in by_state.items():
                jobs.add_metric([state, kind], count)
            for status, count in by_status.items():
                items.add_metric([status], count)
            yield jobs
            yield items
        error = GaugeMetricFamily(
            "serwersms_contacts_jobs_scrape_error",
            "1 when the jobs could not be read from the database at this scrape.",
        )
        error.add_metric([], failed)
        yield error


JOBS = JobsCollector()


def registry() -> CollectorRegistry:
    """What /metrics serves: with PROMETHEUS_MULTIPROC_DIR, every process's figures summed
    (prometheus-client's multiprocess mode), else this process's own; and the jobs."""
    served = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(served)
    else:
        served.register(_ThisProcess())
    served.register(JOBS)
    return served


class _ThisProcess:
    """The default registry's metrics (django-prometheus's, the API calls, the process's),
    served beside the jobs without registering the jobs in the default registry."""

    def describe(self):
        return []

    def collect(self):
        yield from REGISTRY.collect()
