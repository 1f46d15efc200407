"""Background jobs as the person sees them: progress, cancel, failures, retry, the history.

Jobs are started as a person starts them (a bulk action on the contacts list) and run by the
real task worker (tests.jobs.run_worker) against the sandbox over HTTP. Four items or more
wait for the worker; three or fewer are done within the request.
"""

import itertools
import re
import uuid
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.utils import timezone

from contacts_ui.jobs import runner as jobs
from contacts_ui.models import ApiCredentials, HistoryEntry, Job, JobItem
from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.sandbox import views as sandbox_views
from contacts_ui.sandbox.models import Account, Contact, Group
from contacts_ui.serwersms import CONTACT_FIELDS
from tests.db_snapshot import every_row
from tests.helpers import make_contact, make_user, sandbox_fails_after, table_rows
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

POLLING = 'hx-trigger="every 1s"'
API_ERROR = (
    "The SerwerSMS API refused the request: "
    "Wystąpił błąd wewnętrzny. Spróbuj ponownie później. (code 3000)."
)
REJECTED = (
    "SerwerSMS rejected the saved API credentials. Check and update them "
    "on the “My API credentials” page."
)


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(alice_account) -> list[Contact]:
    """Five contacts in no group, listed (by last name) in this order."""
    names = [("Anna", "Adamska"), ("Beata", "Bielska"), ("Celina", "Czarnecka")]
    names += [("Dorota", "Dudek"), ("Ewa", "Ewert")]
    return [
        make_contact(alice_account, f"+4850060070{n}", first_name=first, last_name=last)
        for n, (first, last) in enumerate(names, start=1)
    ]


def label(contact: Contact) -> str:
    return f"{contact.first_name} {contact.last_name} ({contact.phone})"


def start(client, action: str, contacts=(), group: Group | None = None, across=False) -> Job:
    """Confirm a bulk action on the contacts list, as its confirmation page posts it."""
    values = {"action": action, "post": "yes", "_changelist_filters": ""}
    values["_selected_action"] = [str(contact.id) for contact in contacts]
    if across:
        values["select_across"] = "1"
    if group is not None:
        values["group_id"] = str(group.id)
    response = client.post("/contacts/action/", values)
    assert response.status_code == 302, response.content.decode()
    return Job.objects.get(pk=response.url.split("/")[2])


def phones(account) -> list[str]:
    return sorted(Contact.objects.filter(account=account).values_list("phone", flat=True))


def statuses(job: Job) -> dict[str, str]:
    return dict(job.items.values_list("label", "status"))


def progress_page(client, job: Job, htmx=False) -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"/jobs/{job.pk}/", headers=headers)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def after_each_write(monkeypatch, action: str, then) -> None:
    """Call then(call number) in the sandbox right after each write of this action is made:
    what happens elsewhere while the job runs."""
    made = sandbox_api.ACTIONS[("contacts", action)]
    calls = itertools.count(1)

    def write_then(account, params):
        answer = made(account, params)
        then(next(calls))
        return answer

    monkeypatch.setitem(sandbox_api.ACTIONS, ("contacts", action), write_then)


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


# --- Failures ---------------------------------------------------------------------------

# A search's job reads the contacts (one page) and the groups (one page: there are none)
# before its first write; each item is then one write.
READS_BEFORE_WRITES = 2


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


# --- Only the owner's, and only on POST -------------------------------------------------


@pytest.fixture
def bob_client(bob_account):
    bob = Client()
    bob.force_login(make_user("bob", token="bob-token"))
    return bob


@pytest.mark.parametrize(
    "method, path, htmx",
    [
        ("get", "", False),
        ("get", "", True),
        ("get", "?items=all", False),
        ("post", "cancel/", False),
        ("post", "retry/", False),
    ],
)
def test_another_users_job_is_not_found(
    client, alice, alice_account, people, bob_client, settings, monkeypatch, method, path, htmx
):
    settings.BULK_CONCURRENCY = 1
    job = start(client, "delete", across=True)
    sandbox_fails_after(monkeypatch, answered=READS_BEFORE_WRITES + 1, mode="api_error")
    run_worker()  # a failed item: something Retry would act on
    before = every_row()
    headers = {"HX-Request": "true"} if htmx else {}

    response = getattr(bob_client, method)(f"/jobs/{job.pk}/{path}", headers=headers)

    assert response.status_code == 404
    assert every_row() == before


def test_an_unknown_job_is_not_found(client, alice):
    assert client.get(f"/jobs/{uuid.uuid4()}/").status_code == 404


def test_the_job_list_shows_the_users_own_jobs_only(
    client, alice, alice_account, people, bob_client, bob_account
):
    bobs = make_contact(bob_account, "+48600700800", first_name="Bobs")
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    start(client, "delete", people[:4])
    start(client, "add_to_group", people[4:], group=klienci)
    bob_client.post(
        "/contacts/action/", {"action": "delete", "post": "yes", "_selected_action": bobs.id}
    )
    assert Job.objects.filter(user__username="bob").count() == 1

    page = client.get("/jobs/").content.decode()

    rows = table_rows(page)
    assert [row[0] for row in rows] == [
        "Add selected contacts to a group: Klienci",
        "Delete selected contacts",
    ]
    assert [row[2:] for row in rows] == [
        ["finished", "1", "0", "0"],
        ["waiting to start", "0", "0", "4"],
    ]
    assert "/jobs/" + str(Job.objects.get(user__username="bob").pk) not in page


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/",
        "/jobs/{job}/",
        "/jobs/{job}/?items=all&p=2",
        "/jobs/{job}/cancel/",
        "/jobs/{job}/retry/",
        "/contacts/action/?action=delete&select_across=1&post=yes",
    ],
)
def test_get_changes_nothing(client, alice, alice_account, people, path):
    job = start(client, "delete", people[:4])  # waiting: cancel or retry would act on it
    before, kept = every_row(), phones(alice_account)

    client.get(path.format(job=job.pk))
    client.get(path.format(job=job.pk), headers={"HX-Request": "true"})

    assert every_row() == before
    assert phones(alice_account) == kept


def test_the_actions_refuse_get(client, alice, people):
    job = start(client, "delete", people[:4])

    assert client.get(f"/jobs/{job.pk}/cancel/").status_code == 405
    assert client.get(f"/jobs/{job.pk}/retry/").status_code == 405
    assert client.get("/contacts/action/").status_code == 405


# --- The history, and undo ----------------------------------------------------------------


@pytest.fixture
def grouped(alice_account) -> dict:
    """Klienci and Dostawcy, and five contacts with every field in one group or both."""
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    contacts = [
        make_contact(
            alice_account,
            f"+4850060070{n}",
            groups=[klienci, dostawcy] if n % 2 else [klienci],
            first_name=f"Imię{n}",
            last_name=f"Nazwisko{n}",
            email=f"k{n}@example.pl",
            company="Firma",
            city="Łódź",
            description="Opis",
        )
        for n in range(1, 6)
    ]
    return {"klienci": klienci, "dostawcy": dostawcy, "contacts": contacts}


def state(account) -> list:
    """The account's address book, ids aside: each contact's fields and group names."""
    return sorted(
        (
            tuple(getattr(contact, name) for name in CONTACT_FIELDS),
            tuple(sorted(contact.groups.values_list("name", flat=True))),
        )
        for contact in Contact.objects.filter(account=account)
    )


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

    assert response.status_code == 302
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

    assert state(alice_account) == before


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


# --- A worker that stopped, or none at all ------------------------------------------------


def test_a_job_no_worker_takes_says_so_after_a_while(client, alice, people):
    job = start(client, "delete", people[:4])
    assert "seems not to be running" not in progress_page(client, job)

    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=1))

    assert "the task worker that runs background work seems not to be running" in progress_page(
        client, job
    )


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
    assert "has not moved for over ten minutes" in progress_page(client, job)

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
