"""An import's rows are kept a day, as its uploaded file is: `manage.py prune_history` takes
them out of the job's items too, and what is left (each row's line, status and why it
failed) still shows; the failed rows' download and the retry say the rows are gone."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from contacts_ui.models import ImportUpload, Job, JobItem
from tests.helpers import table_rows
from tests.import_files import failed_import

pytestmark = pytest.mark.django_db(transaction=True)

GONE = "The rows of this import are no longer kept"


def _aged(job: Job, days: float) -> Job:
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days))
    ImportUpload.objects.update(created_at=timezone.now() - timedelta(days=days))
    return job


def _stored(job: Job) -> str:
    """Everything an import's items hold, as text to search."""
    items = job.items.order_by("position").values("label", "payload", "message")
    return json.dumps(list(items), ensure_ascii=False)


def test_prune_history_leaves_no_row_of_an_import_over_a_day_old(
    client, alice, monkeypatch, settings
):
    job = _aged(failed_import(client, monkeypatch, settings), days=1.1)
    assert "Osoba" in _stored(job) and "50060070" in _stored(job)

    call_command("prune_history")

    stored = _stored(job)
    for person in ("Osoba", "Łódź", "50060070", "+4850060070"):
        assert person not in stored
    # What is left: each row's line in the file, and how it went.
    items = job.items.order_by("position")
    assert [item.payload for item in items] == [{"row": n} for n in range(2, 7)]
    assert [item.label for item in items] == [f"Line {n} of the file" for n in range(2, 7)]
    assert [item.status for item in items] == ["done"] * 2 + ["failed"] * 3
    assert ImportUpload.objects.count() == 0


def test_an_import_under_a_day_old_keeps_its_rows(client, alice, monkeypatch, settings):
    job = _aged(failed_import(client, monkeypatch, settings), days=0.9)
    before = _stored(job)
    call_command("prune_history")
    assert _stored(job) == before
    assert ImportUpload.objects.count() == 1


def test_an_unfinished_import_keeps_the_rows_its_items_still_need(
    client, alice, monkeypatch, settings
):
    job = _aged(failed_import(client, monkeypatch, settings), days=2)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    job.items.filter(status=JobItem.Status.FAILED).update(status=JobItem.Status.PENDING)
    before = _stored(job)
    call_command("prune_history")
    assert _stored(job) == before


def test_the_job_page_shows_what_is_left_and_says_the_rows_are_gone(
    client, alice, monkeypatch, settings
):
    job = _aged(failed_import(client, monkeypatch, settings), days=2)
    call_command("prune_history")
    response = client.get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert GONE in page
    assert [row[0] for row in table_rows(page, "job-items")] == [
        "Line 4 of the file",
        "Line 5 of the file",
        "Line 6 of the file",
    ]
    assert client.get(f"/jobs/{job.pk}/?items=all").status_code == 200


def test_the_failed_rows_download_says_the_rows_are_gone(client, alice, monkeypatch, settings):
    job = _aged(failed_import(client, monkeypatch, settings), days=2)
    call_command("prune_history")
    response = client.get(f"/jobs/{job.pk}/failed.csv", follow=True)
    assert response.redirect_chain == [(f"/jobs/{job.pk}/", 302)]
    assert GONE in response.content.decode()


def test_a_retry_says_the_rows_are_gone_and_starts_nothing(client, alice, monkeypatch, settings):
    job = _aged(failed_import(client, monkeypatch, settings), days=2)
    call_command("prune_history")
    response = client.post(f"/jobs/{job.pk}/retry/", follow=True)
    assert response.redirect_chain == [(f"/jobs/{job.pk}/", 302)]
    assert GONE in response.content.decode()
    assert Job.objects.count() == 1
