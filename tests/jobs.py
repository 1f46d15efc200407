"""Running background jobs in tests through the real worker code path."""

from django_tasks_db.management.commands.db_worker import Worker


def run_worker() -> None:
    """Run every queued task, as `manage.py db_worker --batch` does, in this thread."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    ).run()
