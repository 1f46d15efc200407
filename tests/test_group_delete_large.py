"""A group of more than a handful of contacts is deleted, and restored, by the task worker.

Recording a deletion reads every member with its groups (to undo it), and undoing it
writes every member again: work that grows with the group, so a request only starts a
job (with its progress on the job's page); the group of a few contacts is still done
at once (tests/test_group_delete.py, tests/test_undo.py).
"""

import pytest

from contacts_ui.models import HistoryEntry, Job, JobItem
from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import address_book, make_contact
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 12


@pytest.fixture
def klienci(alice_account):
    """Klienci, of MEMBERS contacts; every third of them also in Dostawcy."""
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    for n in range(MEMBERS):
        groups = [klienci, dostawcy] if n % 3 == 0 else [klienci]
        make_contact(alice_account, f"+485006007{n:02d}", groups=groups, first_name=f"Osoba{n}")
    return klienci


state = address_book


def delete(client, group, **data):
    response = client.post(f"/groups/{group.id}/delete/", data)
    job = Job.objects.get(kind=Job.Kind.GROUP_DELETE)
    assert response.url == f"/jobs/{job.pk}/"
    return job


def test_the_confirmation_says_the_deletion_runs_in_the_background(client, alice, klienci):
    page = client.get(f"/groups/{klienci.id}/delete/").content.decode()
    assert "the work runs in the background: its page shows the progress" in page


def test_deleting_a_large_group_starts_a_job_that_the_request_does_not_run(
    client, alice, klienci, wire
):
    wire.clear()
    job = delete(client, klienci)

    assert Group.objects.filter(id=klienci.id).exists()
    assert job.state == Job.State.QUEUED
    assert "Klienci" in job.title and str(MEMBERS) in job.title
    # The request read the group, and no member.
    assert [call["url"].rsplit("/", 2)[-2:] for call in wire] == [["groups", "view.json"]]


def test_the_job_deletes_the_group_and_records_every_member_with_its_groups(
    client, alice, alice_account, klienci
):
    job = delete(client, klienci)
    run_worker()

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert not Group.objects.filter(id=klienci.id).exists()
    assert Contact.objects.filter(account=alice_account).count() == MEMBERS
    entry = HistoryEntry.objects.get(action=HistoryEntry.Action.GROUP_DELETE)
    members = entry.before["members"]
    assert len(members) == MEMBERS
    both = [m for m in members if len(m["group_ids"]) == 2]
    assert len(both) == MEMBERS // 3


def test_the_job_deletes_the_contacts_too_when_asked(client, alice, alice_account, klienci):
    delete(client, klienci, delete_contacts="on")
    run_worker()

    assert not Contact.objects.filter(account=alice_account).exists()
    entry = HistoryEntry.objects.get(action=HistoryEntry.Action.GROUP_DELETE)
    assert entry.before["delete_contacts"] is True


@pytest.mark.parametrize("delete_contacts", [{}, {"delete_contacts": "on"}])
def test_undoing_it_creates_the_group_now_and_restores_its_contacts_in_a_job(
    client, alice, alice_account, klienci, delete_contacts
):
    before = state(alice_account)
    delete(client, klienci, **delete_contacts)
    run_worker()
    deletion = HistoryEntry.objects.get(action=HistoryEntry.Action.GROUP_DELETE)

    response = client.post(f"/history/{deletion.id}/undo/")

    restore = Job.objects.get(kind=Job.Kind.GROUP_RESTORE)
    assert response.url == f"/jobs/{restore.pk}/"
    assert Group.objects.filter(name="Klienci").exists()
    assert restore.items.count() == MEMBERS
    run_worker()
    restore.refresh_from_db()
    assert restore.state == Job.State.DONE
    assert set(restore.items.values_list("status", flat=True)) == {JobItem.Status.DONE}
    assert state(alice_account) == before
    # Every write is recorded as part of the undo, and the deletion counts as undone.
    assert deletion.undos.count() == MEMBERS + 1
    page = client.get(f"/history/{deletion.id}/undo/").content.decode()
    assert "This change cannot be undone (or has been undone already)." in page


def test_a_restored_contact_there_again_is_skipped_and_said(client, alice, alice_account, klienci):
    delete(client, klienci, delete_contacts="on")
    run_worker()
    deletion = HistoryEntry.objects.get(action=HistoryEntry.Action.GROUP_DELETE)
    make_contact(alice_account, "+48500600700", first_name="Znowu")

    client.post(f"/history/{deletion.id}/undo/")
    run_worker()

    skipped = JobItem.objects.get(status=JobItem.Status.SKIPPED)
    assert skipped.message == "A contact with this phone exists again."
    assert Contact.objects.filter(phone="+48500600700").count() == 1


def test_a_second_undo_of_it_is_refused(client, alice, klienci):
    delete(client, klienci)
    run_worker()
    deletion = HistoryEntry.objects.get(action=HistoryEntry.Action.GROUP_DELETE)
    client.post(f"/history/{deletion.id}/undo/")

    client.post(f"/history/{deletion.id}/undo/")

    assert Job.objects.filter(kind=Job.Kind.GROUP_RESTORE).count() == 1
    assert Group.objects.filter(name="Klienci").count() == 1


def test_restoring_it_from_the_trash_starts_the_same_job(client, alice, alice_account, klienci):
    before = state(alice_account)
    delete(client, klienci)
    run_worker()
    deletion = HistoryEntry.objects.get(action=HistoryEntry.Action.GROUP_DELETE)

    response = client.post(
        "/trash/restore/", {"entry": deletion.id}, headers={"HX-Request": "true"}
    )

    assert "are being restored in the background" in response.content.decode()
    run_worker()
    assert state(alice_account) == before


def test_many_restores_at_once_without_javascript_are_the_workers(
    client, alice, alice_account, klienci
):
    before = state(alice_account)
    for contact in Contact.objects.filter(account=alice_account)[:5]:
        client.post(f"/contacts/{contact.id}/delete/")
    deletions = HistoryEntry.objects.filter(action=HistoryEntry.Action.CONTACT_DELETE)

    response = client.post("/trash/restore/", {"entry": [entry.id for entry in deletions]})

    job = Job.objects.get(kind=Job.Kind.HISTORY_UNDO)
    assert response.url == f"/jobs/{job.pk}/"
    assert Contact.objects.filter(account=alice_account).count() == MEMBERS - 5
    run_worker()
    assert state(alice_account) == before


def test_a_restore_cancelled_before_it_starts_is_finished_by_a_retry(
    client, alice, alice_account, klienci
):
    before = state(alice_account)
    delete(client, klienci)
    run_worker()
    deletion = HistoryEntry.objects.get(action=HistoryEntry.Action.GROUP_DELETE)
    client.post(f"/history/{deletion.id}/undo/")
    restore = Job.objects.get(kind=Job.Kind.GROUP_RESTORE)
    client.post(f"/jobs/{restore.pk}/cancel/")
    restore.refresh_from_db()
    assert restore.state == Job.State.CANCELLED
    # The group is there again, so the history offers no second undo: the retry finishes it.
    page = client.get(f"/jobs/{restore.pk}/").content.decode()
    assert f"Retry the {MEMBERS} items that failed or were not done" in page

    client.post(f"/jobs/{restore.pk}/retry/")
    run_worker()

    assert state(alice_account) == before
