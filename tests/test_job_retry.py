"""Retrying a job (jobs/<id>/retry/): a job of just the failed items, under the same batch."""

import pytest
from cryptography.fernet import Fernet

from contacts_ui.models import HistoryEntry, Job, JobItem
from contacts_ui.sandbox import views as sandbox_views
from tests import job_steps
from tests.helpers import post_twice_at_once, sandbox_fails_after
from tests.job_steps import READS_BEFORE_WRITES, label, phones, start, statuses
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the job modules (tests/job_steps.py).
people = job_steps.people


def test_retry_makes_a_job_of_just_the_failed_items_under_the_same_batch(
    client, alice, alice_account, people, settings, monkeypatch
):
    settings.BULK_CONCURRENCY = 1
    job = start(client, "delete", across=True)
    sandbox_fails_after(monkeypatch, answered=READS_BEFORE_WRITES + 1, mode="api_error")
    run_worker()
    monkeypatch.setattr(sandbox_views, "_pick_fault", lambda *call: None)  # the API works again

    response = client.post(f"/jobs/{job.pk}/retry/")

    retry = Job.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and response.url == f"/jobs/{retry.pk}/"
    assert (retry.retry_of, retry.batch, retry.kind) == (job, job.batch, job.kind)
    assert list(retry.items.values_list("label", flat=True)) == [label(c) for c in people[1:]]
    assert retry.state == Job.State.QUEUED
    run_worker()
    retry.refresh_from_db()
    assert retry.state == Job.State.DONE
    assert set(statuses(retry).values()) == {JobItem.Status.DONE}
    assert phones(alice_account) == []
    deletions = HistoryEntry.objects.filter(batch=job.batch, outcome="done")
    assert sorted(deletions.values_list("target_id", flat=True)) == sorted(c.id for c in people)


def test_retry_with_nothing_failed_says_so_and_starts_nothing(client, alice, people):
    job = start(client, "delete", people[:4])
    run_worker()

    response = client.post(f"/jobs/{job.pk}/retry/", follow=True)

    assert "Nothing failed, so there is nothing to retry." in response.content.decode()
    assert Job.objects.count() == 1


def test_retry_of_a_job_still_waiting_is_refused(client, alice, people):
    job = start(client, "delete", people[:4])

    response = client.post(f"/jobs/{job.pk}/retry/", follow=True)

    assert "Wait for this work to finish before retrying." in response.content.decode()
    assert Job.objects.count() == 1


def test_retrying_items_of_unknown_outcome_does_not_make_the_change_twice(
    client, alice, alice_account, people, settings, monkeypatch
):
    settings.BULK_CONCURRENCY = 1
    job = start(client, "delete", across=True)
    sandbox_fails_after(monkeypatch, answered=READS_BEFORE_WRITES + 3, mode="disconnect")
    run_worker()
    monkeypatch.setattr(sandbox_views, "_pick_fault", lambda *call: None)

    client.post(f"/jobs/{job.pk}/retry/")
    run_worker()

    retry = Job.objects.get(retry_of=job)
    assert retry.state == Job.State.DONE
    assert (
        list(retry.items.values_list("status", "message"))
        == [(JobItem.Status.SKIPPED, "It was no longer there.")] * 2
    )
    assert phones(alice_account) == []


def test_a_job_stopped_by_an_unreadable_secret_can_be_retried_once_it_is_entered_again(
    client, alice, alice_account, people, settings
):
    job = start(client, "delete", people[:4])
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]  # the old key dropped
    run_worker()
    job.refresh_from_db()
    assert job.state == Job.State.STOPPED
    assert "Enter it again, then retry." in job.error
    entered = client.post(
        "/settings/credentials/", {"auth_style": "token", "secret": "alice-token"}
    )
    assert entered.status_code == 302

    client.post(f"/jobs/{job.pk}/retry/")
    run_worker()

    assert phones(alice_account) == [people[4].phone]


def test_two_retries_posted_at_once_make_one_job(
    alice, alice_account, people, settings, monkeypatch, client
):
    """Both requests pass the "retried already?" check before either makes its job (a
    barrier holds them there); the database lets only one job be a retry of the same job."""
    import threading

    from contacts_ui.jobs import runner

    settings.BULK_CONCURRENCY = 1
    job = start(client, "delete", across=True)
    sandbox_fails_after(monkeypatch, answered=READS_BEFORE_WRITES + 1, mode="api_error")
    run_worker()
    monkeypatch.setattr(sandbox_views, "_pick_fault", lambda *call: None)

    both_checked = threading.Barrier(2, timeout=10)
    retry_failed = runner.retry_failed

    def after_both_checked(request, failed_job):
        both_checked.wait()
        return retry_failed(request, failed_job)

    monkeypatch.setattr(runner, "retry_failed", after_both_checked)
    answers = post_twice_at_once(alice, f"/jobs/{job.pk}/retry/")

    [retry] = Job.objects.filter(retry_of=job)
    assert sorted(answer.status_code for answer in answers) == [302, 302]
    assert {answer.url for answer in answers} == {f"/jobs/{retry.pk}/"}
