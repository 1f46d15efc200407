"""A job's page (jobs/<id>/): its progress, whole or as the partial htmx polls, and a word
when no worker takes the job."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts_ui.models import Job
from tests import job_steps
from tests.job_steps import POLLING, after_each_write, progress_page, start
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the job modules (tests/job_steps.py).
people = job_steps.people


# --- Progress ---------------------------------------------------------------------------


def test_a_waiting_jobs_page_shows_its_counts_and_polls(client, alice, people):
    job = start(client, "delete", people[:4])

    page = progress_page(client, job)
    partial = progress_page(client, job, htmx=True)

    assert "Waiting to start" in page
    for text in ("Done: 0", "Failed: 0", "Left: 4"):
        assert text in page and text in partial
    assert partial.startswith('<div id="job-progress"') and "<html" not in partial
    assert POLLING in partial
    assert f'hx-get="/jobs/{job.pk}/"' in partial
    assert f'action="/jobs/{job.pk}/cancel/"' in partial


def test_the_job_page_answers_differently_to_htmx_and_says_so(client, alice, people):
    job = start(client, "delete", people[:4])

    response = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})

    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_job_page(client, alice, people):
    job = start(client, "delete", people[:4])

    response = client.get(
        f"/jobs/{job.pk}/",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    page = response.content.decode()
    assert "<html" in page and '<div id="job-progress"' in page


def test_a_finished_jobs_partial_stops_polling(client, alice, people):
    job = start(client, "delete", people[:4])

    run_worker()

    page = progress_page(client, job)
    partial = progress_page(client, job, htmx=True)
    assert "Finished" in partial
    for text in ("Done: 4", "Failed: 0", "Left: 0"):
        assert text in page and text in partial
    assert POLLING not in partial and POLLING not in page
    assert "/cancel/" not in partial
    assert "/retry/" not in partial  # nothing failed


def test_while_a_job_runs_its_partial_shows_progress_and_keeps_polling(
    client, alice, people, settings, monkeypatch
):
    settings.BULK_CONCURRENCY = 1
    job = start(client, "delete", people[:4])
    seen = {}

    def look(call):
        if call == 2:  # the second contact is being deleted
            seen["partial"] = progress_page(client, job, htmx=True)

    after_each_write(monkeypatch, "delete", look)

    run_worker()

    partial = seen["partial"]
    assert "Running" in partial
    for text in ("Done: 1", "Failed: 0", "Left: 3"):
        assert text in partial
    assert POLLING in partial
    assert f'action="/jobs/{job.pk}/cancel/"' in partial


def test_an_unknown_job_is_not_found(client, alice):
    assert client.get(f"/jobs/{uuid.uuid4()}/").status_code == 404


# --- A worker that stopped, or none at all ------------------------------------------------


def test_a_job_no_worker_takes_says_so_after_a_while(client, alice, people):
    job = start(client, "delete", people[:4])
    assert "seems not to be running" not in progress_page(client, job)

    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=1))

    assert "the task worker that runs background work seems not to be running" in progress_page(
        client, job
    )
