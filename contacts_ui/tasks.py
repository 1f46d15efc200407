"""The task the worker runs (django-tasks; `manage.py db_worker`)."""

from django_tasks import task

from . import jobs


@task()
def run_job(job_id: str) -> None:
    """Run one background job (contacts_ui.jobs) to its end."""
    jobs.run(job_id)
