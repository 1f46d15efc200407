"""Running background jobs in tests through the real worker code path."""

import contextlib
import threading

from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker


def _worker(batch: bool) -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0 if batch else 0.1,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )


def run_worker() -> None:
    """Run every queued task, as `manage.py db_worker --batch` does, in this thread."""
    _worker(batch=True).run()


@contextlib.contextmanager
def worker_in_background():
    """The worker running in a thread of its own, as `manage.py db_worker` runs beside
    the web server, until the block ends (for browser tests that watch the progress)."""
    worker = _worker(batch=False)

    def work():
        try:
            worker.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.running = False
        thread.join(timeout=30)
