"""The task the worker runs (django-tasks; `manage.py jobs_worker`)."""

from django_tasks import task

from .jobs import runner


@task()
def run_job(job_id: str) -> None:
    """Run one background job (contacts_ui.jobs.runner) to its end."""
    runner.run(job_id)
