"""How long an import keeps people's names and phones: a day, the uploaded file and the rows
in its job's items alike (manage.py prune_history). The history keeps, on its own terms,
each contact an import created, for undo; a job's items are needed only to run, retry, or
download the rows that failed, and once a day has passed they keep just each row's line in
the file, its status and why it failed."""

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import ImportUpload, Job, JobItem

# An uploaded CSV, and the rows of an import started from one, are kept this long.
ROWS_KEPT = timedelta(days=1)
# Items rewritten at a time.
BATCH = 1000

_FINISHED = [Job.State.DONE, Job.State.CANCELLED, Job.State.STOPPED]
# Another kind's items hold ids, not people's rows.
_HOLDS_ROWS = {"kind": Job.Kind.CONTACT_IMPORT, "items__payload__has_key": "data"}


def forget_rows(before: datetime) -> tuple[int, int]:
    """Remove the uploads made before `before`, and the rows from the items of the finished
    imports started before it (an unfinished one's items still need theirs). Returns how
    many uploads and how many items."""
    uploads, _deleted = ImportUpload.objects.filter(created_at__lt=before).delete()
    jobs = Job.objects.filter(created_at__lt=before, state__in=_FINISHED, **_HOLDS_ROWS)
    items = 0
    for job in jobs.distinct():
        items += _forget_items(job)
    return uploads, items


@transaction.atomic
def _forget_items(job: Job) -> int:
    count = 0
    with translation.override(job.language):
        kept = job.items.filter(payload__has_key="data").only("id", "payload")
        for batch in _batches(kept.iterator(chunk_size=BATCH), BATCH):
            forgotten = [
                JobItem(
                    pk=item.pk,
                    payload={"row": item.payload.get("row")},
                    label=_row_label(item.payload.get("row"))[:255],
                )
                for item in batch
            ]
            JobItem.objects.bulk_update(forgotten, ["payload", "label"])
            count += len(forgotten)
        unfinished = [JobItem.Status.FAILED, JobItem.Status.UNKNOWN, JobItem.Status.CANCELLED]
        if job.items.filter(status__in=unfinished).exists():
            # Said on the job's page, where the retry and the failed rows' download are.
            job.result = {**(job.result or {}), "note": rows_gone_message()}
            job.save(update_fields=["result"])
    return count


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _row_label(line) -> str:
    if line is None:
        return _("A row of the file")
    return _("Line %(line)d of the file") % {"line": line}


def rows_gone(items: QuerySet) -> bool:
    """Whether the rows of any of these import items are no longer kept."""
    return items.exclude(payload__has_key="data").exists()


def rows_gone_message() -> str:
    return _(
        "The rows of this import are no longer kept: an uploaded file's rows are removed a day "
        "after the import. To import the rows that failed, upload the file again; the items "
        "below name their lines in it."
    )
