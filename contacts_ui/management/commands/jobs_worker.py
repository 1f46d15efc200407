"""The task worker (django-tasks' db_worker), which also takes over the jobs of a worker
that was stopped mid-way (killed, or its machine gone).

Every JOB_TAKEOVER_CHECK_SECONDS a thread of its own looks for running jobs silent for
longer than JOB_ABANDONED_AFTER_SECONDS and queues them again; the worker that picks one
up goes on where it was left (contacts_ui.jobs.runner: items done are not done again, the
ones under way are marked "outcome unknown"). Run it as the Procfile's `worker:` process.

Every WORKER_HEARTBEAT_SECONDS another thread records that this worker is alive (a
WorkerHeartbeat row named host:pid), which /readyz reads on every web instance; the row
goes when the worker stops cleanly (contacts_ui.health).
"""

import contextlib
import functools
import logging
import threading

from django.conf import settings
from django.db import connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from contacts_ui import health
from contacts_ui.jobs import runner

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _survived(failure: str):
    """Work of a thread beside the worker: an error in it (the database away, say) is logged
    as `failure`, and the worker goes on, and so does the thread. The thread's database
    connections are closed after each round."""
    try:
        yield
    except Exception:
        logger.exception(failure)
    finally:
        connections.close_all()


def _every(seconds: float, stopped: threading.Event, work, *, at_once: bool = False) -> None:
    """work() every `seconds` until `stopped` (and first at once, when asked)."""
    if at_once:
        work()
    while not stopped.wait(seconds):
        work()


def _take_over_abandoned_jobs() -> None:
    with _survived("Could not look for jobs whose worker stopped"):
        if found := runner.take_over_abandoned():
            logger.warning("Queued %s job(s) whose worker stopped mid-way", found)


# Well under WORKER_SEEN_SECONDS (60 s by default), so that one missed beat is no alarm.
WORKER_HEARTBEAT_SECONDS = 5.0


def _beat(name: str) -> None:
    with _survived("Could not record that this worker is alive"):
        health.worker_alive(name)


def _say_stopped(name: str) -> None:
    try:
        health.worker_stopped(name)
    except Exception:
        logger.exception("Could not record that this worker stopped")


class Command(DbWorkerCommand):
    help = "Run the background jobs, taking over those of a worker that was stopped."

    def handle(self, *args, **options):
        stopped = threading.Event()
        watcher = threading.Thread(
            target=_every,
            args=(settings.JOB_TAKEOVER_CHECK_SECONDS, stopped, _take_over_abandoned_jobs),
            daemon=True,
        )
        watcher.start()
        name = health.process_name()
        # At once, not after the first wait: a worker just started is ready.
        heartbeat = threading.Thread(
            target=_every,
            args=(WORKER_HEARTBEAT_SECONDS, stopped, functools.partial(_beat, name)),
            kwargs={"at_once": True},
            daemon=True,
        )
        heartbeat.start()
        try:
            return super().handle(*args, **options)
        finally:
            stopped.set()
            # After the heartbeat's last beat, so that the row it deletes is not written again.
            heartbeat.join(timeout=WORKER_HEARTBEAT_SECONDS)
            _say_stopped(name)
