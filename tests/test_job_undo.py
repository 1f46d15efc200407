"""Undoing a job's work from the history: its batch, restored as it was."""

import pytest

from contacts_ui.models import HistoryEntry, Job
from contacts_ui.sandbox import views as sandbox_views
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import CONTACT_FIELDS
from tests import job_steps
from tests.helpers import sandbox_fails_after
from tests.job_steps import progress_page, start
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the job modules (tests/job_steps.py).
people = job_steps.people
grouped = job_steps.grouped


def state(account) -> list:
    """The account's address book, ids aside: each contact's fields and group names."""
    return sorted(
        (
            tuple(getattr(contact, name) for name in CONTACT_FIELDS),
            tuple(sorted(contact.groups.values_list("name", flat=True))),
        )
        for contact in Contact.objects.filter(account=account)
    )


def test_undoing_a_bulk_deletion_restores_every_contact_with_its_groups(
    client, alice, alice_account, grouped
):
    before = state(alice_account)
    job = start(client, "delete", grouped["contacts"][:4])
    run_worker()
    assert len(state(alice_account)) == 1
    entries = HistoryEntry.objects.filter(batch=job.batch)
    assert all(entry.after is None and entry.before["group_ids"] for entry in entries)
    page = progress_page(client, job)
    assert f'href="/history/batch/{job.batch}/undo/"' in page

    response = client.post(
        f"/history/batch/{job.batch}/undo/", {"entry": [entry.id for entry in entries]}
    )

    # Without JavaScript, more than three undos are the task worker's.
    undoing = Job.objects.get(kind=Job.Kind.HISTORY_UNDO)
    assert response.url == f"/jobs/{undoing.pk}/"
    run_worker()
    assert state(alice_account) == before


def test_undoing_a_retried_bulk_action_undoes_both_jobs_changes(
    client, alice, alice_account, people, settings, monkeypatch
):
    settings.BULK_CONCURRENCY = 1
    vip = Group.objects.create(account=alice_account, name="VIP")
    before = state(alice_account)
    job = start(client, "add_to_group", group=vip, across=True)
    # The contacts, the groups and VIP's (no) members are read before the first write.
    sandbox_fails_after(monkeypatch, answered=3 + 2, mode="api_error")
    run_worker()
    assert vip.contacts.count() == 2
    monkeypatch.setattr(sandbox_views, "_pick_fault", lambda *call: None)
    client.post(f"/jobs/{job.pk}/retry/")
    run_worker()
    assert vip.contacts.count() == 5
    entries = HistoryEntry.objects.filter(batch=job.batch)
    assert sorted(entries.values_list("outcome", flat=True)) == ["done"] * 5 + ["failed"] * 3

    client.post(f"/history/batch/{job.batch}/undo/", {"entry": [e.id for e in entries]})
    run_worker()

    assert state(alice_account) == before
