"""An app process killed mid-write leaves a true history: the entry is written before the
call as "outcome unknown" and settled after it. Killed while the call is out, the entry
says the outcome is unknown; never missing for a write that went out, never "done" for one
that did not."""

import pytest
from django.db import DatabaseError

from contacts_ui import serwersms
from contacts_ui.jobs import runner
from contacts_ui.models import HistoryEntry, Job
from contacts_ui.sandbox.models import Contact, Group
from tests.bulk_actions import choose, confirm
from tests.helpers import ANNA, form_values, make_contact, sandbox_fails_on

pytestmark = pytest.mark.django_db(transaction=True)


class Killed(BaseException):
    """The process ending where it stands: nothing after it runs (not an Exception)."""


@pytest.fixture
def anna(alice_account):
    return make_contact(
        alice_account, groups=[Group.objects.create(account=alice_account, name="K")], **ANNA
    )


def test_a_process_killed_while_the_write_is_out_leaves_an_entry_saying_the_outcome_is_unknown(
    client, alice, anna, monkeypatch
):
    form = form_values(client.get(f"/contacts/{anna.id}/change/").content.decode(), "contact-form")
    seen = {}
    send = serwersms.SerwerSMSClient._send

    def killed_during_the_write(self, resource, action, *args):
        if action == "edit":
            # The call is on its way: what the history holds now is what a kill leaves.
            seen["entries"] = list(HistoryEntry.objects.values_list("action", "outcome"))
            send(self, resource, action, *args)
            raise Killed
        return send(self, resource, action, *args)

    monkeypatch.setattr(serwersms.SerwerSMSClient, "_send", killed_during_the_write)
    with pytest.raises(Killed):
        client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})

    assert seen["entries"] == [("contact_edit", "unknown")]
    entry = HistoryEntry.objects.get()
    assert entry.outcome == HistoryEntry.Outcome.UNKNOWN
    assert entry.after["city"] == "Kraków"


def test_a_write_that_ends_is_settled_in_the_same_entry(client, alice, anna):
    form = form_values(client.get(f"/contacts/{anna.id}/change/").content.decode(), "contact-form")
    client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})
    assert list(HistoryEntry.objects.values_list("action", "outcome")) == [("contact_edit", "done")]


def test_a_write_refused_is_settled_as_failed(client, alice, anna, monkeypatch):
    form = form_values(client.get(f"/contacts/{anna.id}/change/").content.decode(), "contact-form")
    sandbox_fails_on(monkeypatch, "api_error", "contacts/edit")
    client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})
    assert list(HistoryEntry.objects.values_list("outcome", flat=True)) == ["failed"]


def test_a_background_job_writes_each_items_entry_before_its_call_goes_out(
    client, alice, alice_account, monkeypatch
):
    people = [
        make_contact(alice_account, f"+4850060071{n}", first_name=f"Osoba{n}") for n in range(6)
    ]
    confirm(client, choose(client, "delete", people))
    job = Job.objects.get()
    when_sent = {}
    send = serwersms.SerwerSMSClient._send

    def watched(self, resource, action, url, body, headers):
        if action == "delete":
            # On the job's item thread, as the call goes out: what a kill would leave.
            when_sent[int(body["id"])] = dict(
                HistoryEntry.objects.filter(target_id=body["id"]).values_list("action", "outcome")
            )
        return send(self, resource, action, url, body, headers)

    monkeypatch.setattr(serwersms.SerwerSMSClient, "_send", watched)
    runner.run(job.pk)

    assert when_sent == {person.id: {"contact_delete": "unknown"} for person in people}
    assert not Contact.objects.exists()
    # Settled in the same entries after: one for each, each done.
    assert sorted(
        HistoryEntry.objects.filter(batch=job.batch).values_list("target_id", "outcome")
    ) == sorted((person.id, "done") for person in people)


def test_a_background_write_whose_entry_cannot_be_saved_is_not_sent(
    client, alice, alice_account, monkeypatch
):
    people = [
        make_contact(alice_account, f"+4850060072{n}", first_name=f"Osoba{n}") for n in range(5)
    ]
    confirm(client, choose(client, "delete", people))
    job = Job.objects.get()
    save = HistoryEntry.save
    failing = people[2].id

    def database_fails_for_one(entry, *args, **kwargs):
        if entry.pk is None and entry.target_id == failing:
            raise DatabaseError("the database went away")
        return save(entry, *args, **kwargs)

    monkeypatch.setattr(HistoryEntry, "save", database_fails_for_one)
    with pytest.raises(DatabaseError):
        runner.run(job.pk)

    # The job stopped, saying so; the contact whose entry could not be saved is still there,
    # and every deletion that went out has its entry.
    job.refresh_from_db()
    assert job.state == Job.State.STOPPED
    assert Contact.objects.filter(pk=failing).exists()
    still_there = set(Contact.objects.values_list("pk", flat=True))
    gone = {person.id for person in people} - still_there
    assert gone == set(
        HistoryEntry.objects.filter(batch=job.batch).values_list("target_id", flat=True)
    )
