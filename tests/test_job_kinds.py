"""What each kind of job does (jobs.kinds) and the runner's rules, as code rather than comments.

A kind's record says whether its items add records (an unknown outcome is then not retried),
whether they run in order on the runner's own thread (undo, which reads and writes the
history), what it prepares and how it finishes. The runner runs any kind the same way: these
tests give it kinds of their own to prove how.
"""

import threading

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from contacts_ui.history.recorder import save_now
from contacts_ui.jobs import kinds, runner
from contacts_ui.models import Job, JobItem

pytestmark = pytest.mark.django_db(transaction=True)

Kind = Job.Kind


def test_every_kind_of_job_has_a_record_of_what_it_does():
    assert set(kinds.KINDS) == set(Kind.values)


def test_only_an_import_adds_records():
    adding = [kind for kind, record in kinds.KINDS.items() if record.adds_records]
    assert adding == [Kind.CONTACT_IMPORT]


def test_only_undo_runs_in_order_on_the_runners_own_thread():
    in_order = [kind for kind, record in kinds.KINDS.items() if record.in_order_on_runner_thread]
    assert in_order == [Kind.HISTORY_UNDO]


@pytest.fixture
def a_kind_of_our_own(monkeypatch):
    """Group deletion, run by a function the test gives: what it saw is kept."""
    seen = []

    def use(run_item, **options):
        def noting(recorder, payload, params):
            seen.append((threading.current_thread(), recorder.save))
            return run_item(recorder, payload, params)

        kind = kinds.JobKind(noting, **options)
        monkeypatch.setitem(kinds.KINDS, Kind.GROUP_DELETE, kind)
        return seen

    return use


def start(user, items: int) -> Job:
    request = RequestFactory().post("/")
    request.user = user
    return runner.start(
        request,
        kind=Kind.GROUP_DELETE,
        title="Test",
        items=[(f"item {n}", {"id": n}) for n in range(items)],
    )


def test_items_on_item_threads_hand_their_entries_to_the_runner(alice, a_kind_of_our_own, settings):
    settings.BULK_CONCURRENCY = 2
    seen = a_kind_of_our_own(lambda recorder, payload, params: "done")
    job = start(alice, 5)

    runner.run(job.pk)

    assert len(seen) == 5
    assert all(thread is not threading.main_thread() for thread, _save in seen)
    # Not save_now: a thread must not touch the database; the runner's thread saves.
    assert all(save is not save_now for _thread, save in seen)
    assert set(job.items.values_list("status", flat=True)) == {JobItem.Status.DONE}


def test_items_in_order_run_on_the_runners_thread_and_save_there(alice, a_kind_of_our_own):
    seen = a_kind_of_our_own(
        lambda recorder, payload, params: "done", in_order_on_runner_thread=True
    )
    job = start(alice, 5)

    runner.run(job.pk)

    assert [thread for thread, _save in seen] == [threading.current_thread()] * 5
    assert all(save is save_now for _thread, save in seen)
    assert (
        list(job.items.order_by("position").values_list("status", flat=True))
        == [JobItem.Status.DONE] * 5
    )


def broken(recorder, payload, params):
    raise ZeroDivisionError("a bug of ours")


def test_a_bug_in_a_job_stops_it_with_a_sentence_and_the_worker_hears_of_it(
    alice, a_kind_of_our_own
):
    a_kind_of_our_own(broken)
    job = start(alice, 5)

    with pytest.raises(ZeroDivisionError):
        runner.run(job.pk)

    job.refresh_from_db()
    assert job.state == Job.State.STOPPED
    assert job.error == "The work stopped because of an error in this application."


def test_a_bug_in_work_done_within_the_request_stops_the_job_and_the_request_goes_on(
    alice, a_kind_of_our_own
):
    a_kind_of_our_own(broken)

    job = start(alice, 2)

    assert job.state == Job.State.STOPPED
    assert job.error == "The work stopped because of an error in this application."


def test_a_kinds_finish_runs_after_its_items_and_not_after_a_cancel(alice, a_kind_of_our_own):
    finished = []
    a_kind_of_our_own(
        lambda recorder, payload, params: None,
        finish=lambda recorder, job: finished.append(job.items.filter(status="done").count()),
    )
    job = start(alice, 2)
    # A kind with a finish always waits for the worker.
    assert job.state == Job.State.QUEUED
    runner.run(job.pk)
    assert finished == [2]

    cancelled = start(alice, 2)
    Job.objects.filter(pk=cancelled.pk).update(cancel_requested=True)
    runner.run(cancelled.pk)
    assert finished == [2]
    assert Job.objects.get(pk=cancelled.pk).state == Job.State.CANCELLED


def test_a_deactivated_users_job_does_not_start(alice, a_kind_of_our_own):
    seen = a_kind_of_our_own(lambda recorder, payload, params: "done")
    job = start(alice, 5)
    alice.is_active = False
    alice.save()

    runner.run(job.pk)

    job.refresh_from_db()
    assert seen == []
    assert job.state == Job.State.STOPPED
    assert job.error == "Your login was deactivated, so the work stopped."
    assert set(job.items.values_list("status", flat=True)) == {JobItem.Status.CANCELLED}


def test_a_job_stops_when_its_user_is_deactivated_meanwhile(
    alice, a_kind_of_our_own, settings, monkeypatch
):
    settings.BULK_CONCURRENCY = 1
    monkeypatch.setattr(runner, "CANCEL_CHECK_EVERY", 0)

    def deactivate_on_the_first(recorder, payload, params):
        User.objects.filter(pk=recorder.user.pk).update(is_active=False)

    seen = a_kind_of_our_own(deactivate_on_the_first)
    job = start(alice, 5)

    runner.run(job.pk)

    job.refresh_from_db()
    assert len(seen) == 1
    assert job.state == Job.State.STOPPED
    assert job.error == "Your login was deactivated, so the work stopped."
    assert job.items.filter(status=JobItem.Status.CANCELLED).count() == 4
