"""Only the owner's jobs, and only on POST: across the job views (list, page, cancel, retry)."""

import pytest

from tests import job_steps
from tests.db_snapshot import every_row
from tests.helpers import sandbox_fails_after
from tests.job_steps import READS_BEFORE_WRITES, phones, start
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the job modules (tests/job_steps.py).
people = job_steps.people


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
