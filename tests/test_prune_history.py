"""manage.py prune_history: entries older than the retention age go, younger ones stay."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from contacts_ui.models import HistoryEntry, ImportUpload, Job
from tests.helpers import make_user
from tests.history_entries import aged, contact_edit, group_edit

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return make_user("alice")


def _names() -> set[str]:
    return set(HistoryEntry.objects.values_list("target_name", flat=True))


def _run(capsys, *args) -> str:
    call_command("prune_history", *args)
    return capsys.readouterr().out


def test_it_removes_only_entries_older_than_the_setting(alice, settings, capsys):
    settings.HISTORY_RETENTION_DAYS = 30
    aged(group_edit(alice, new="Old"), days=31)
    aged(group_edit(alice, new="Older"), days=400)
    aged(group_edit(alice, new="Just young enough"), days=29.9)
    group_edit(alice, new="New")
    out = _run(capsys)
    assert _names() == {"Just young enough", "New"}
    assert "Removed 2 history entries older than 30 days" in out


def test_the_default_keeps_ninety_days(alice, capsys):
    aged(group_edit(alice, new="Old"), days=91)
    aged(group_edit(alice, new="Kept"), days=89)
    _run(capsys)
    assert _names() == {"Kept"}


def test_days_overrides_the_setting(alice, settings, capsys):
    settings.HISTORY_RETENTION_DAYS = 90
    aged(group_edit(alice, new="A week old"), days=7)
    aged(group_edit(alice, new="A day old"), days=1)
    out = _run(capsys, "--days", "3")
    assert _names() == {"A day old"}
    assert "Removed 1 history entries older than 3 days" in out


def test_a_dry_run_removes_nothing_and_says_how_many_it_would(alice, capsys):
    aged(group_edit(alice, new="Old"), days=200)
    aged(group_edit(alice, new="Older"), days=300)
    group_edit(alice, new="New")
    out = _run(capsys, "--dry-run")
    assert _names() == {"Old", "Older", "New"}
    assert "Would remove 2 history entries older than 90 days" in out
    assert "removed none" in out


def test_a_younger_undo_stays_when_the_entry_it_undid_goes(alice, capsys):
    undone = aged(contact_edit(alice, city="Kraków"), days=100)
    undo = aged(contact_edit(alice, city="Łódź", undo_of=undone), days=10)
    _run(capsys)
    undo.refresh_from_db()
    assert undo.undo_of is None
    assert HistoryEntry.objects.count() == 1


def test_it_refuses_a_retention_under_one_day(alice, capsys):
    group_edit(alice)
    with pytest.raises(CommandError, match="at least one day"):
        call_command("prune_history", "--days", "0")
    assert HistoryEntry.objects.count() == 1


def test_it_removes_old_finished_jobs_and_day_old_uploads_only(alice, capsys):

    long_ago = timezone.now() - timedelta(days=91)

    def job(state, created_at):
        return Job.objects.create(
            user=alice,
            kind=Job.Kind.CONTACT_DELETE,
            title="t",
            state=state,
            api_url="http://x/",
            created_at=created_at,
        )

    old_done = job(Job.State.DONE, long_ago)
    old_running = job(Job.State.RUNNING, long_ago)
    recent = job(Job.State.DONE, timezone.now())
    upload = dict(user=alice, filename="a.csv", encoding="utf-8", delimiter=";")
    stale = ImportUpload.objects.create(**upload, created_at=timezone.now() - timedelta(days=2))
    fresh = ImportUpload.objects.create(**upload)
    call_command("prune_history")
    assert set(Job.objects.values_list("pk", flat=True)) == {old_running.pk, recent.pk}
    assert not Job.objects.filter(pk=old_done.pk).exists()
    assert list(ImportUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not ImportUpload.objects.filter(pk=stale.pk).exists()
