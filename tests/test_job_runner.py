"""The job runner (jobs.runner) as the person sees its work: failures and their reasons,
credentials lost mid-way, the history it records, concurrency, the calls it makes, and one
person's jobs one at a time."""

import re

import pytest
from django.utils import timezone

from contacts_ui.jobs import runner as jobs
from contacts_ui.models import ApiCredentials, HistoryEntry, Job, JobItem
from contacts_ui.sandbox.models import Account, Contact, Group
from contacts_ui.serwersms import CONTACT_FIELDS
from tests import job_steps
from tests.helpers import make_contact, make_user, sandbox_fails_after, table_rows
from tests.job_steps import (
    POLLING,
    READS_BEFORE_WRITES,
    after_each_write,
    label,
    phones,
    progress_page,
    start,
    statuses,
)
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

API_ERROR = (
    "The SerwerSMS API refused the request: "
    "Wystąpił błąd wewnętrzny. Spróbuj ponownie później. (code 9999)."
)
REJECTED = (
    "SerwerSMS rejected the saved API credentials. Check and update them "
    "on the “My API credentials” page."
)

# Fixtures shared by the job modules (tests/job_steps.py).
people = job_steps.people
grouped = job_steps.grouped


# --- Failures ---------------------------------------------------------------------------


def test_failed_items_are_listed_with_the_apis_reason_and_the_rest_done(
    client, alice, alice_account, people, settings, monkeypatch
):
    settings.BULK_CONCURRENCY = 1
    job = start(client, "delete", across=True)
    sandbox_fails_after(monkeypatch, answered=READS_BEFORE_WRITES + 2, mode="api_error")

    run_worker()

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    done, failed = people[:2], people[2:]
    assert phones(alice_account) == [contact.phone for contact in failed]
    assert statuses(job) == {
        **{label(contact): JobItem.Status.DONE for contact in done},
        **{label(contact): JobItem.Status.FAILED for contact in failed},
    }
    page = progress_page(client, job)
    assert "Done: 2" in page and "Failed: 3" in page and "Left: 0" in page
    rows = table_rows(page, "job-items")
    assert rows == [[label(contact), "failed", API_ERROR] for contact in failed]
    assert f'action="/jobs/{job.pk}/retry/"' in page
    assert "Retry the 3 items that failed" in page


@pytest.mark.parametrize("mode", ["timeout", "disconnect"])
def test_an_unanswered_write_is_marked_outcome_unknown_with_a_note_to_check(
    client, alice, alice_account, settings, monkeypatch, mode
):
    settings.BULK_CONCURRENCY = 1
    settings.SANDBOX_TIMEOUT_SECONDS = 1.0
    settings.SERWERSMS_READ_TIMEOUT = 0.3
    people = [
        make_contact(alice_account, f"+4850060070{n}", first_name="Jan", last_name=f"L{n}")
        for n in (1, 2, 3)
    ]
    job = start(client, "delete", across=True)
    sandbox_fails_after(monkeypatch, answered=READS_BEFORE_WRITES + 1, mode=mode)

    run_worker()

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert list(job.items.values_list("status", flat=True)) == ["done", "unknown", "unknown"]
    assert phones(alice_account) == []  # the sandbox made the change, then lost the answer
    page = progress_page(client, job)
    assert "Failed: 2" in page
    assert (
        "For items marked “outcome unknown” the request went out and no answer came: the "
        "change may or may not have been made. Check them before retrying." in page
    )
    rows = table_rows(page, "job-items")
    assert [row[:2] for row in rows] == [[label(c), "outcome unknown"] for c in people[1:]]
    entries = HistoryEntry.objects.filter(batch=job.batch).order_by("id")
    assert list(entries.values_list("outcome", flat=True)) == ["done", "unknown", "unknown"]


def test_credentials_rejected_mid_job_stop_it_with_a_clear_error(
    client, alice, alice_account, people, settings, monkeypatch
):
    settings.BULK_CONCURRENCY = 1
    job = start(client, "delete", people[:4])

    def token_revoked(call):
        if call == 1:  # in the SerwerSMS panel, meanwhile
            Account.objects.filter(pk=alice_account.pk).update(token_digest="revoked")

    after_each_write(monkeypatch, "delete", token_revoked)

    run_worker()

    job.refresh_from_db()
    assert job.state == Job.State.STOPPED
    assert job.error == REJECTED
    first, second, *rest = people[:4]
    assert statuses(job) == {
        label(first): JobItem.Status.DONE,
        label(second): JobItem.Status.FAILED,
        **{label(contact): JobItem.Status.CANCELLED for contact in rest},
    }
    assert phones(alice_account) == [c.phone for c in people[1:]]
    page = progress_page(client, job)
    assert f'<p class="errornote">{REJECTED}</p>' in page
    assert "Stopped" in page and "Not done (cancelled): 2" in page


def test_credentials_removed_before_the_worker_runs_stop_the_job(
    client, alice, alice_account, people
):
    before = phones(alice_account)
    job = start(client, "delete", people[:4])
    ApiCredentials.objects.filter(user=alice).delete()

    run_worker()

    job.refresh_from_db()
    assert job.state == Job.State.STOPPED
    message = "Your API credentials were removed, so the work could not go on."
    assert job.error == message
    assert set(statuses(job).values()) == {JobItem.Status.CANCELLED}
    assert phones(alice_account) == before
    page = progress_page(client, job)
    assert f'<p class="errornote">{message}</p>' in page
    assert POLLING not in progress_page(client, job, htmx=True)


# --- The history ------------------------------------------------------------------------


def test_every_item_is_in_the_history_under_the_jobs_batch_with_before_and_after(
    client, alice, alice_account, grouped
):
    klienci, dostawcy = grouped["klienci"], grouped["dostawcy"]
    contacts = grouped["contacts"][:4]
    vip = Group.objects.create(account=alice_account, name="VIP")
    job = start(client, "add_to_group", contacts, group=vip)

    run_worker()

    entries = HistoryEntry.objects.filter(batch=job.batch)
    assert entries.count() == 4
    for contact in contacts:
        entry = entries.get(target_id=contact.id)
        assert (entry.user, entry.action, entry.outcome) == (alice, "contact_edit", "done")
        was = sorted(contact.groups.values_list("id", flat=True).exclude(id=vip.id))
        assert entry.before["group_ids"] == was
        assert entry.after["group_ids"] == sorted([*was, vip.id])
        for field in CONTACT_FIELDS:
            assert entry.before[field] == entry.after[field] == getattr(contact, field)
    assert entries.get(target_id=contacts[0].id).before["group_names"] == {
        str(klienci.id): "Klienci",
        str(dostawcy.id): "Dostawcy",
    }


# --- Concurrency, and how many calls --------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 4])
def test_the_concurrency_setting_changes_nothing_in_the_result(
    client, alice, alice_account, grouped, settings, concurrency
):
    settings.BULK_CONCURRENCY = concurrency
    vip = Group.objects.create(account=alice_account, name="VIP")
    contacts = grouped["contacts"]
    job = start(client, "move_to_group", contacts, group=vip)

    run_worker()

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert set(statuses(job).values()) == {JobItem.Status.DONE}
    assert list(vip.contacts.order_by("phone").values_list("phone", flat=True)) == [
        c.phone for c in contacts
    ]
    assert not grouped["klienci"].contacts.exists() and not grouped["dostawcy"].contacts.exists()
    assert HistoryEntry.objects.filter(batch=job.batch, outcome="done").count() == 5


def called(wire) -> list[str]:
    """The API actions called, as resource/action."""
    return [re.search(r"/(\w+/\w+)\.json$", call["url"]).group(1) for call in wire]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_bulk_deletion_reads_each_group_once_not_each_contact_twice(
    client, alice, alice_account, grouped, settings, wire, concurrency
):
    settings.BULK_CONCURRENCY = concurrency
    contacts = grouped["contacts"]
    was_in = {c.id: sorted(c.groups.values_list("id", flat=True)) for c in contacts}
    job = start(client, "delete", contacts)
    wire.clear()

    run_worker()

    calls = called(wire)
    assert calls.count("contacts/delete") == 5
    reads = [call for call in calls if call != "contacts/delete"]
    # The groups, then each group's members: one page each.
    assert sorted(reads) == ["contacts/index", "contacts/index", "groups/index"]
    entries = HistoryEntry.objects.filter(batch=job.batch)
    assert {entry.target_id: entry.before["group_ids"] for entry in entries} == was_in


# --- One person's work goes one job at a time --------------------------------------------


def test_a_persons_second_job_waits_for_the_first_and_then_runs(client, alice, people):
    from django_tasks_db.models import DBTaskResult

    first = start(client, "delete", people[:4])
    Job.objects.filter(pk=first.pk).update(
        state=Job.State.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    second = start(client, "delete", people[4:])  # one item: at once, were it not waiting
    second.refresh_from_db()
    assert second.state == Job.State.QUEUED
    # Asked again shortly, not straight away (the worker would spin on it).
    waiting = DBTaskResult.objects.filter(args_kwargs__args=[str(second.pk)]).latest("enqueued_at")
    assert waiting.run_after is not None and waiting.run_after > timezone.now()
    assert Contact.objects.filter(id=people[4].id).exists()

    Job.objects.filter(pk=first.pk).update(state=Job.State.DONE)
    jobs.run(second.pk)

    second.refresh_from_db()
    assert second.state == Job.State.DONE
    assert not Contact.objects.filter(id=people[4].id).exists()


def test_another_persons_running_job_does_not_hold_up_mine(client, alice, people, bob_account):
    bob = make_user("bob", token="bob-token")
    Job.objects.create(
        user=bob,
        kind=Job.Kind.CONTACT_DELETE,
        title="Bob's",
        state=Job.State.RUNNING,
        api_url="http://127.0.0.1:1/",
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    job = start(client, "delete", people[:1])
    job.refresh_from_db()
    assert job.state == Job.State.DONE
