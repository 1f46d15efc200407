"""Cancelling a job (jobs/<id>/cancel/): waiting, running, finished, and a job whose worker
stopped mid-way."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts_ui.jobs import runner as jobs
from contacts_ui.models import HistoryEntry, Job, JobItem
from contacts_ui.sandbox.models import Contact
from tests import job_steps
from tests.helpers import table_rows
from tests.job_steps import (
    POLLING,
    after_each_write,
    label,
    phones,
    progress_page,
    start,
    statuses,
)
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the job modules (tests/job_steps.py).
people = job_steps.people


# --- Cancel -----------------------------------------------------------------------------


def test_cancelling_a_waiting_job_cancels_every_item_and_changes_nothing(
    client, alice, alice_account, people
):
    before = phones(alice_account)
    job = start(client, "delete", people[:4])

    response = client.post(f"/jobs/{job.pk}/cancel/")
    run_worker()

    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    assert set(statuses(job).values()) == {JobItem.Status.CANCELLED}
    assert phones(alice_account) == before
    assert not HistoryEntry.objects.filter(batch=job.batch).exists()
    page = progress_page(client, job)
    assert "Not done (cancelled): 4" in page and "Left: 0" in page
    assert POLLING not in progress_page(client, job, htmx=True)
    rows = table_rows(client.get(f"/jobs/{job.pk}/?items=all").content.decode(), "job-items")
    assert [row[1] for row in rows] == ["not done (cancelled)"] * 4


def test_cancelling_a_running_job_finishes_the_item_under_way_and_starts_no_more(
    client, alice, alice_account, people, settings, monkeypatch
):
    settings.BULK_CONCURRENCY = 1
    monkeypatch.setattr(jobs, "CANCEL_CHECK_EVERY", 0)
    job = start(client, "delete", people[:4])
    answers = []

    def press_cancel(call):
        if call == 1:  # the person presses Cancel while the first contact is deleted
            answers.append(client.post(f"/jobs/{job.pk}/cancel/"))

    after_each_write(monkeypatch, "delete", press_cancel)

    run_worker()

    job.refresh_from_db()
    assert answers[0].status_code == 302
    assert job.state == Job.State.CANCELLED
    first, *rest = people[:4]
    assert statuses(job) == {
        label(first): JobItem.Status.DONE,
        **{label(contact): JobItem.Status.CANCELLED for contact in rest},
    }
    assert not Contact.objects.filter(id=first.id).exists()
    assert Contact.objects.filter(id__in=[c.id for c in rest]).count() == 3
    page = progress_page(client, job)
    assert "Done: 1" in page and "Not done (cancelled): 3" in page


def test_cancelling_a_finished_job_says_it_had_finished(client, alice, people):
    job = start(client, "delete", people[:4])
    run_worker()

    response = client.post(f"/jobs/{job.pk}/cancel/", follow=True)

    assert "This work had already finished." in response.content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and not job.cancel_requested


# --- A worker that stopped ----------------------------------------------------------------


def test_a_job_whose_worker_stopped_mid_way_can_be_closed_and_the_rest_retried(
    client, alice, alice_account, people
):
    job = start(client, "delete", people[:4])
    # As a worker leaves it when it is killed after the first item.
    job.items.filter(position=0).update(status=JobItem.Status.DONE)
    long_ago = timezone.now() - timedelta(minutes=11)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, started_at=long_ago, heartbeat_at=long_ago
    )
    assert "The worker doing this work was stopped mid-way" in progress_page(client, job)

    client.post(f"/jobs/{job.pk}/cancel/")

    job.refresh_from_db()
    assert job.state == Job.State.STOPPED
    assert "The worker running this stopped before the end" in job.error
    page = progress_page(client, job)
    assert "Retry the 3 items that failed or were not done" in page
    retry = Job.objects.get(pk=client.post(f"/jobs/{job.pk}/retry/").url.split("/")[2])
    run_worker()
    retry.refresh_from_db()
    assert retry.state == Job.State.DONE
    assert not Contact.objects.filter(id__in=[c.id for c in people[1:4]]).exists()


def test_a_running_job_that_is_alive_is_not_closed_by_cancel(client, alice, people):
    job = start(client, "delete", people[:4])
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    client.post(f"/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    # The worker, alive, sees the request between items and stops there itself.
    assert job.state == Job.State.RUNNING and job.cancel_requested
