"""Stopping messages to many contacts at once (and allowing them again): ticked rows or
every contact a search finds, confirmed, then a job that puts each number on the blacklist
once, recorded in the history under one batch and undoable as one."""

import pytest

from contacts_ui.models import HistoryEntry, Job, JobItem
from contacts_ui.sandbox.models import BlacklistedNumber
from tests import bulk_actions
from tests.bulk_actions import choose, confirm
from tests.helpers import form_values, make_contact
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

groups = bulk_actions.groups
people = bulk_actions.people


def listed(account) -> set[str]:
    return set(BlacklistedNumber.objects.filter(account=account).values_list("phone", flat=True))


def test_the_ticked_contacts_numbers_are_put_on_the_blacklist(client, alice, alice_account, people):
    chosen = [people["Adam"], people["Beata"]]
    confirmation = choose(client, "blacklist_add", chosen)
    page = confirmation.content.decode()
    assert "The numbers of 2 contacts will be put on the blacklist" in page
    assert listed(alice_account) == set()  # asking changed nothing

    assert confirm(client, confirmation).status_code == 302
    run_worker()

    assert listed(alice_account) == {people["Adam"].phone, people["Beata"].phone}
    job = Job.objects.get()
    assert job.state == Job.State.DONE
    assert set(HistoryEntry.objects.filter(batch=job.batch).values_list("action", flat=True)) == {
        "blacklist_add"
    }


def test_every_contact_a_search_finds_is_stopped_each_number_once(
    client, alice, alice_account, people, groups
):
    klienci = groups["Klienci"]
    # A second contact with Adam's number, and Gosia's number listed already.
    make_contact(alice_account, people["Adam"].phone, groups=[klienci], first_name="Adam2")
    BlacklistedNumber.objects.create(account=alice_account, phone=people["Gosia"].phone)

    confirmation = choose(
        client, "blacklist_add", list_url=f"/contacts/?g={klienci.id}", across=True
    )
    confirm(client, confirmation)
    run_worker()

    members = {"Adam", "Beata", "Edward", "Gosia"}
    assert listed(alice_account) == {people[name].phone for name in members}
    job = Job.objects.get()
    statuses = sorted(job.items.values_list("status", flat=True))
    # Five contacts, four numbers: one item a number; three put on it, Gosia's skipped.
    assert statuses == sorted([JobItem.Status.DONE] * 3 + [JobItem.Status.SKIPPED])
    assert HistoryEntry.objects.filter(batch=job.batch, outcome="done").count() == 3


def test_the_whole_action_is_undone_as_one(client, alice, alice_account, people):
    confirm(client, choose(client, "blacklist_add", [people["Adam"], people["Beata"]]))
    run_worker()
    job = Job.objects.get()

    url = f"/history/batch/{job.batch}/undo/"
    confirmation = client.get(url).content.decode()
    assert "will be taken off the blacklist" in confirmation
    client.post(url, form_values(confirmation, "batch-undo-form"))
    run_worker()

    assert listed(alice_account) == set()


def test_the_ticked_contacts_numbers_are_taken_off_the_blacklist(
    client, alice, alice_account, people
):
    for name in ("Adam", "Cezary"):
        BlacklistedNumber.objects.create(account=alice_account, phone=people[name].phone)
    confirmation = choose(client, "blacklist_remove", [people["Adam"], people["Beata"]])
    assert "The numbers of 2 contacts will be taken off the blacklist" in (
        confirmation.content.decode()
    )
    confirm(client, confirmation)
    run_worker()

    assert listed(alice_account) == {people["Cezary"].phone}
    item_messages = dict(Job.objects.get().items.values_list("label", "message"))
    assert "Its number is not on the blacklist." in item_messages.values()
