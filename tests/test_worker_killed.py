"""The task worker killed mid-job (SIGKILL): another worker takes the job over, goes on where
it was left, does no item twice, and marks the item that was under way "outcome unknown"
without sending it again; what the person sees stays true throughout.

Real processes: `manage.py jobs_worker`, as the Procfile runs it, on this test's database,
against the sandbox of the test's live server (where the test sees every call made)."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from contacts_ui.jobs import runner
from contacts_ui.models import HistoryEntry, Job, JobItem
from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.sandbox import views as sandbox_views
from contacts_ui.sandbox.models import Contact, Group
from tests.bulk_actions import choose, confirm
from tests.helpers import make_contact

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
Status = JobItem.Status


def _database_url() -> str:
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


class Workers:
    """`manage.py jobs_worker` processes on this test's database; each stopped at the end."""

    def __init__(self):
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        env = os.environ | {
            "DATABASE_URL": _database_url(),
            "BULK_CONCURRENCY": "1",
            "JOB_ABANDONED_AFTER_SECONDS": "2",
            "JOB_TAKEOVER_CHECK_SECONDS": "0.5",
            "LOG_LEVEL": "WARNING",
        }
        process = subprocess.Popen(
            [sys.executable, "manage.py", "jobs_worker", "--interval", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def workers():
    started = Workers()
    yield started
    started.stop_all()


class Deleted(list):
    """The ids deleted, with the calls that arrived and the event that lets the third go."""


@pytest.fixture
def deletions(monkeypatch, alice_account):
    """Each contact the sandbox deleted; the third contacts/delete to arrive waits, before
    the sandbox takes it up, until the test lets it go (its worker is killed meanwhile)."""
    deleted = Deleted()
    arrived = []
    let_go = threading.Event()
    delete = sandbox_api.ACTIONS[("contacts", "delete")]
    pick_fault = sandbox_views._pick_fault

    def recorded(account, params):
        deleted.append(int(params["id"]))
        return delete(account, params)

    def third_waits(resource, action):
        if (resource, action) == ("contacts", "delete"):
            arrived.append(action)
            if len(arrived) == 3:
                let_go.wait(timeout=60)
        return pick_fault(resource, action)

    monkeypatch.setitem(sandbox_api.ACTIONS, ("contacts", "delete"), recorded)
    monkeypatch.setattr(sandbox_views, "_pick_fault", third_waits)
    deleted.arrived, deleted.let_go = arrived, let_go
    yield deleted
    let_go.set()


def _wait_for(condition, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail("waited in vain")


def test_a_job_whose_worker_is_killed_is_taken_over_and_finished_without_a_double_write(
    client, alice, alice_account, workers, deletions, settings
):
    settings.JOB_ABANDONED_AFTER_SECONDS = 2  # as the workers have it
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    people = [
        make_contact(alice_account, f"+4850060070{n}", [klienci], first_name=f"Osoba{n}")
        for n in range(6)
    ]
    confirm(client, choose(client, "delete", people))
    job = Job.objects.get()

    first = workers.start()
    _wait_for(lambda: len(deletions.arrived) == 3)  # the third deletion is out, and waits
    in_flight = job.items.get(status=Status.SENDING).payload["id"]
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    # Two done; the one under way and three more are left, as the job page says.
    assert runner.progress(Job.objects.get())["left"] == 4

    # The person watching the job's page meanwhile is answered, and told the truth.
    _wait_for(lambda: runner.abandoned(Job.objects.get()), seconds=10)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    assert "The worker doing this work was stopped mid-way" in page.content.decode()

    workers.start()
    _wait_for(lambda: Job.objects.get().state != Job.State.RUNNING)
    assert client.get(f"/jobs/{job.pk}/").status_code == 200

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    statuses = {item.payload["id"]: (item.status, item.message) for item in job.items.all()}
    assert statuses[in_flight][0] == Status.UNKNOWN
    assert "was stopped while it was being sent" in statuses[in_flight][1]
    assert sorted(status for status, _message in statuses.values()) == sorted(
        [Status.DONE] * 5 + [Status.UNKNOWN]
    )
    assert len(deletions.arrived) == 6  # the one under way was not sent again
    deletions.let_go.set()  # the call the killed worker sent arrives after all
    _wait_for(lambda: len(deletions) == 6)
    # Each contact deleted once: nothing done twice.
    assert sorted(deletions) == sorted(person.id for person in people)
    assert not Contact.objects.exists()

    # The history has an entry for each deletion sent, the one under way among them: done
    # for the five whose answer came, "outcome unknown" for the one the killed worker sent.
    entries = HistoryEntry.objects.filter(batch=job.batch, action="contact_delete")
    outcomes = dict(entries.values_list("target_id", "outcome"))
    assert sorted(outcomes) == sorted(person.id for person in people)
    assert outcomes.pop(in_flight) == HistoryEntry.Outcome.UNKNOWN
    assert set(outcomes.values()) == {HistoryEntry.Outcome.DONE}
    unknown = entries.get(target_id=in_flight)
    assert "was stopped while it was being sent" in unknown.error
    assert unknown.before["id"] == in_flight  # what it was, to put back should it be gone
