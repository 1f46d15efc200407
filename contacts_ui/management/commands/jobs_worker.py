"""The task worker (django-tasks' db_worker), which also takes over the jobs of a worker
that was stopped mid-way (killed, or its machine gone).

Every JOB_TAKEOVER_CHECK_SECONDS a thread of its own looks for running jobs silent for
longer than JOB_ABANDONED_AFTER_SECONDS and queues them again; the worker that picks one
up goes on where it was left (contacts_ui.jobs.runner: items done are not done again, the
ones under way are marked "outcome unknown"). Run it as the Procfile's `worker:` process.
"""

import logging
import threading

from django.conf import settings
from django.db import connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from contacts_ui.jobs import runner

logger = logging.getLogger(__name__)


def _take_over_abandoned_jobs(stopped: threading.Event) -> None:
    try:
        while not stopped.wait(settings.JOB_TAKEOVER_CHECK_SECONDS):
            try:
                if found := runner.take_over_abandoned():
                    logger.warning("Queued %s job(s) whose worker stopped mid-way", found)
            except Exception:  # the database away, say: the worker goes on, and so does this
                logger.exception("Could not look for jobs whose worker stopped")
            finally:
                connections.close_all()
    finally:
        connections.close_all()


class Command(DbWorkerCommand):
    help = "Run the background jobs, taking over those of a worker that was stopped."

    def handle(self, *args, **options):
        stopped = threading.Event()
        watcher = threading.Thread(target=_take_over_abandoned_jobs, args=(stopped,), daemon=True)
        watcher.start()
        try:
            return super().handle(*args, **options)
        finally:
            stopped.set()
