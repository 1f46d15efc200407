"""Long work: bulk actions, imports, merges and scans, run by the task worker.

A view calls `start()`: it stores a Job with its items and queues `tasks.run_job`
(django-tasks, database backend; `manage.py db_worker` runs it). The worker reads the
user's credentials itself, reads in bulk what the records before each write need
(pages of 500, not one read per item), then runs the items a few at a time
(BULK_CONCURRENCY) over the shared HTTP session. Each write goes through a
RecordingClient, so every item is in the history under the job's batch.

Threads make API calls only; the runner's own thread writes every row (items, history
entries), so that no database connection is shared between threads. The runner looks
for a cancel request between items and stops taking new ones when it sees one.
"""

import concurrent.futures
import contextlib
import logging
import math
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import group_list
from ..api_access import api_base_url
from ..crypto import SecretUnreadable
from ..forms import ContactListQuery
from ..history.recording import RecordingClient, contact_name
from ..models import ApiCredentials, Job, JobItem
from ..serwersms import (
    PAGE_LIMIT,
    AccessDenied,
    ContactData,
    CredentialsRejected,
    CredentialsUnusable,
    GroupMembership,
    NotFound,
    SerwerSMSClient,
    SerwerSMSError,
    TransportError,
    every_item,
)

logger = logging.getLogger(__name__)

Kind = Job.Kind
Status = JobItem.Status

# Work of this many items or fewer is done within the request that asks for it.
INLINE_ITEMS = 3
# How often (seconds) the runner looks for a cancel request.
CANCEL_CHECK_EVERY = 0.5
# How often (seconds) a running job says it is still at it, and how long it may say
# nothing before it counts as abandoned (its worker stopped mid-way).
HEARTBEAT_EVERY = 5
# How often (seconds) a job waiting for its user's other job to end asks again.
OWN_TURN_EVERY = 2
ABANDONED_AFTER = timedelta(minutes=10)


class _ItemOutcome(Exception):
    """How an item ended, other than done, with a sentence for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Skip(_ItemOutcome):
    """The item needed nothing (say, the contact is in the group already)."""


class ItemFailed(_ItemOutcome):
    """The item could not be done, for a reason of this application's (not the API's)."""


class JobStopped(Exception):
    """The work as a whole cannot go on; the message says why."""


# --- Starting -----------------------------------------------------------------------


def start(
    request,
    *,
    kind: str,
    title: str,
    items=(),
    params: dict | None = None,
    back_url: str = "",
    batch: uuid.UUID | None = None,
    retry_of: Job | None = None,
) -> Job:
    """Store the work and queue it (or, for a few items, do it now). `items` are
    (label, payload) pairs; a kind that reads its own items (a search, a group's
    members) takes none."""
    job = Job.objects.create(
        user=request.user,
        kind=kind,
        title=title[:255],
        params=params or {},
        api_url=api_base_url(request),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        back_url=back_url[:2000],
        batch=batch or uuid.uuid4(),
        retry_of=retry_of,
    )
    JobItem.objects.bulk_create(
        [
            JobItem(job=job, position=position, label=str(label)[:255], payload=payload)
            for position, (label, payload) in enumerate(items)
        ],
        batch_size=1000,
    )
    if kind not in FINISHERS and "query" not in job.params and 0 < len(items) <= INLINE_ITEMS:
        # A failure of this application's own is logged, and the job marked stopped
        # with a sentence for the person, by run(); the request goes on to show it.
        with contextlib.suppress(Exception):
            run(job.pk)
        job.refresh_from_db()
    else:
        from ..tasks import run_job

        transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


def to_retry(job: Job):
    """The items a retry takes: those that failed or (unless they add records) whose
    outcome is unknown, and, when the work stopped as a whole (say, the secret could not
    be read), those not done."""
    statuses = [Status.FAILED]
    # An add whose outcome is unknown may have been made: done again, it would make a
    # second contact. The others set a state, and are safe to repeat.
    if job.kind not in ADDS:
        statuses.append(Status.UNKNOWN)
    if job.state == Job.State.STOPPED:
        statuses.append(Status.CANCELLED)
    return job.items.filter(status__in=statuses)


def retry_failed(request, job: Job) -> Job:
    """A new job of the items to retry, under the same batch, so that undoing the action
    undoes both."""
    failed = to_retry(job)
    return start(
        request,
        kind=job.kind,
        title=_("%(title)s (again, the items that failed)") % {"title": job.title},
        items=[(item.label, item.payload) for item in failed],
        params={**job.params, "retry": True},
        back_url=job.back_url,
        batch=job.batch,
        retry_of=job,
    )


def abandoned(job: Job) -> bool:
    """Running, and silent for longer than a worker at it ever is: its worker was stopped."""
    last_word = job.heartbeat_at or job.started_at
    return (
        job.state == Job.State.RUNNING
        and last_word is not None
        and timezone.now() - last_word > ABANDONED_AFTER
    )


def request_cancel(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    # A job still waiting for the worker is cancelled here and now.
    if job.state == Job.State.QUEUED:
        _cancel_waiting(job)
    # One whose worker was stopped is closed here: what it did not do can be retried.
    elif abandoned(job):
        updated = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
            state=Job.State.STOPPED,
            finished_at=timezone.now(),
            error=_("The worker running this stopped before the end (a restart, say)."),
        )
        if updated:
            job.items.filter(status=Status.PENDING).update(status=Status.CANCELLED)


def _cancel_waiting(job: Job) -> None:
    updated = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
        state=Job.State.CANCELLED, finished_at=timezone.now()
    )
    if updated:
        job.items.filter(status=Status.PENDING).update(status=Status.CANCELLED)


# --- Progress -------------------------------------------------------------------------


def progress(job: Job) -> dict:
    """Done, failed and left, with an estimate of the time left."""
    counts = dict.fromkeys(Status.values, 0)
    for row in job.items.values("status").order_by().annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    total = sum(counts.values())
    done = counts[Status.DONE] + counts[Status.SKIPPED]
    failed = counts[Status.FAILED] + counts[Status.UNKNOWN]
    left = counts[Status.PENDING]
    seconds_left = None
    if job.state == Job.State.RUNNING and job.started_at and left and (done + failed):
        elapsed = (timezone.now() - job.started_at).total_seconds()
        seconds_left = math.ceil(elapsed / (done + failed) * left)
    return {
        "total": total,
        "done": done,
        "skipped": counts[Status.SKIPPED],
        "failed": failed,
        "unknown": counts[Status.UNKNOWN],
        "cancelled": counts[Status.CANCELLED],
        "left": left,
        "finished_count": done + failed,
        "percent": math.floor((done + failed) * 100 / total) if total else 0,
        "seconds_left": seconds_left,
    }


# --- Running --------------------------------------------------------------------------


def run(job_id) -> None:
    """Run a job to its end (the task worker's entry point)."""
    job = Job.objects.select_related("user").get(pk=job_id)
    if job.state != Job.State.QUEUED:
        return
    if job.cancel_requested:
        _cancel_waiting(job)
        return
    if not _claim(job):
        # Another of this person's jobs is running: this one waits its turn.
        from ..tasks import run_job

        later = timezone.now() + timedelta(seconds=OWN_TURN_EVERY)
        run_job.using(run_after=later).enqueue(str(job.pk))
        return
    job.refresh_from_db()
    with translation.override(job.language):
        client = None
        try:
            client = _client_for(job)
            if job.kind in PREPARERS:
                PREPARERS[job.kind](client, job)
            cancelled = _run_items(job, client)
            if job.kind in FINISHERS and not cancelled:
                FINISHERS[job.kind](client, job)
            job.state = Job.State.CANCELLED if cancelled else Job.State.DONE
        except JobStopped as stop:
            job.state, job.error = Job.State.STOPPED, str(stop)
        except SerwerSMSError as exc:
            job.state, job.error = Job.State.STOPPED, exc.message
        except Exception:
            logger.exception("Job %s failed", job.pk)
            job.state = Job.State.STOPPED
            job.error = _("The work stopped because of an error in this application.")
            raise
        finally:
            if client is not None:
                _save_entries(client)
            if job.state != Job.State.DONE:
                job.items.filter(status=Status.PENDING).update(status=Status.CANCELLED)
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "error", "result", "finished_at"])


def _claim(job: Job) -> bool:
    """Mark the job running, unless another of its user's jobs runs: each person's work
    goes one job (BULK_CONCURRENCY calls) at a time, however many workers there are, and
    other people's work goes on beside it."""
    with transaction.atomic():
        # One claim a user at a time: a row lock on PostgreSQL (SQLite has one writer).
        get_user_model().objects.select_for_update().filter(pk=job.user_id).first()
        others = Job.objects.filter(user_id=job.user_id, state=Job.State.RUNNING).exclude(pk=job.pk)
        if any(not abandoned(other) for other in others):
            return False
        now = timezone.now()
        return bool(
            Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
                state=Job.State.RUNNING, started_at=now, heartbeat_at=now
            )
        )


def _client_for(job: Job) -> RecordingClient:
    stored = ApiCredentials.objects.filter(user=job.user).first()
    if stored is None:
        raise JobStopped(_("Your API credentials were removed, so the work could not go on."))
    try:
        credentials = stored.as_credentials()
    except SecretUnreadable:
        raise JobStopped(
            _("Your saved API secret can no longer be read. Enter it again, then retry.")
        ) from None
    return RecordingClient(
        SerwerSMSClient(credentials, job.api_url), job.user, batch=job.batch, defer_saves=True
    )


def _save_entries(client: RecordingClient) -> None:
    if not client.unsaved:
        return
    while client.unsaved:
        client.unsaved.popleft().save()
    # Groups or their counts may have changed: the user's pages read the group list afresh.
    group_list.changed(client.user)


def _run_one(handler, client, payload: dict, params: dict, language: str) -> tuple[str, str]:
    """One item, in a worker thread: its status and message. No database access here."""
    with translation.override(language):
        try:
            return Status.DONE, handler(client, payload, params) or ""
        except Skip as skip:
            return Status.SKIPPED, skip.message
        except ItemFailed as failure:
            return Status.FAILED, failure.message
        except (CredentialsRejected, AccessDenied, CredentialsUnusable):
            raise
        except TransportError as exc:
            return (Status.UNKNOWN if exc.request_sent else Status.FAILED), exc.message
        except SerwerSMSError as exc:
            return Status.FAILED, exc.message


def _run_here(function, *args) -> concurrent.futures.Future:
    """Run in this thread, answering as a thread pool's future would."""
    future = concurrent.futures.Future()
    try:
        future.set_result(function(*args))
    except Exception as exc:
        future.set_exception(exc)
    return future


def _run_items(job: Job, client: RecordingClient) -> bool:
    """Run every pending item, a few at a time; True when cancelled before the end."""
    handler = HANDLERS[job.kind]
    pending = iter(job.items.filter(status=Status.PENDING).values_list("id", "payload"))
    # Undo goes one item at a time, latest first: a later change may rest on an earlier one.
    concurrency = 1 if job.kind in SEQUENTIAL else max(1, settings.BULK_CONCURRENCY)
    cancelled, last_check = False, time.monotonic()
    last_heartbeat = time.monotonic()
    stop: SerwerSMSError | None = None
    running: dict[concurrent.futures.Future, int] = {}

    def start_more(pool) -> None:
        while not cancelled and stop is None and len(running) < concurrency:
            item = next(pending, None)
            if item is None:
                return
            args = (_run_one, handler, client, item[1], job.params, job.language)
            future = _run_here(*args) if job.kind in SEQUENTIAL else pool.submit(*args)
            running[future] = item[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        start_more(pool)
        while running:
            finished, _pending = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED
            )
            outcomes = []
            for future in finished:
                item_id = running.pop(future)
                try:
                    status, message = future.result()
                except SerwerSMSError as exc:
                    # The credentials stopped working: every other item would fail too.
                    stop = stop or exc
                    status, message = Status.FAILED, exc.message
                outcomes.append(JobItem(pk=item_id, status=status, message=message))
            if time.monotonic() - last_check > CANCEL_CHECK_EVERY:
                last_check = time.monotonic()
                cancelled = Job.objects.filter(pk=job.pk, cancel_requested=True).exists()
            # The next calls go out before these are written, so no slot waits on the database.
            start_more(pool)
            with transaction.atomic():
                JobItem.objects.bulk_update(outcomes, ["status", "message"])
                _save_entries(client)
                if time.monotonic() - last_heartbeat > HEARTBEAT_EVERY:
                    last_heartbeat = time.monotonic()
                    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    if stop is not None:
        raise JobStopped(stop.message)
    return cancelled


# --- Reading in bulk what the records need ---------------------------------------------


def _all_groups(client: RecordingClient) -> list:
    return every_item(
        lambda p: client.groups_index(sort="name", order="asc", page=p, limit=PAGE_LIMIT)
    )


def _read_memberships(client: RecordingClient, items: int) -> None:
    """Read every group's members when that costs fewer calls than one groups/check per
    item; then each item's record before the write costs no read of its own."""
    groups = _all_groups(client)
    cost = sum(max(1, math.ceil(group.count / PAGE_LIMIT)) for group in groups)
    if cost > items:
        return

    def members(group):
        return group, every_item(
            lambda p: client.contacts_index(group_id=group.id, page=p, limit=PAGE_LIMIT)
        )

    by_phone: dict[str, list[GroupMembership]] = {}
    contacts = []
    with concurrent.futures.ThreadPoolExecutor(max(1, settings.BULK_CONCURRENCY)) as pool:
        for group, group_members in pool.map(members, groups):
            for contact in group_members:
                contacts.append(contact)
                by_phone.setdefault(contact.phone, []).append(
                    GroupMembership(contact.id, group.id, group.name)
                )
    client.remember(contacts, by_phone)


def _prepare_contacts(client: RecordingClient, job: Job) -> None:
    """Contacts chosen by a search: every contact it finds becomes an item. Then the
    records before the writes are read in bulk."""
    query = job.params.get("query")
    if query is not None and not job.items.exists():
        found = every_item(
            lambda p: client.contacts_index(
                **ContactListQuery.search_params(query), page=p, limit=PAGE_LIMIT
            )
        )
        client.remember(found)
        _add_contact_items(job, found)
    _read_memberships(client, job.items.filter(status=Status.PENDING).count())


def _prepare_group_merge(client: RecordingClient, job: Job) -> None:
    """Merging groups: every member of the source group is an item."""
    if job.items.exists():
        _read_memberships(client, job.items.filter(status=Status.PENDING).count())
        return
    members = every_item(
        lambda p: client.contacts_index(group_id=job.params["source_id"], page=p, limit=PAGE_LIMIT)
    )
    client.remember(members)
    _add_contact_items(job, members)
    _read_memberships(client, len(members))


def _add_contact_items(job: Job, contacts) -> None:
    """The job's items: one a contact, found by the job itself."""
    JobItem.objects.bulk_create(
        [
            JobItem(
                job=job,
                position=position,
                label=contact_label(contact)[:255],
                payload={"id": contact.id},
            )
            for position, contact in enumerate(contacts)
        ],
        batch_size=1000,
    )


def contact_label(contact) -> str:
    name = contact_name({"first_name": contact.first_name, "last_name": contact.last_name})
    return f"{name} ({contact.phone})" if name else contact.phone


# --- What each item does ---------------------------------------------------------------


def _record(client: RecordingClient, contact_id: int) -> dict:
    try:
        return client.contact_now(contact_id)
    except NotFound:
        raise Skip(_("It was no longer there.")) from None


def _set_groups(client: RecordingClient, record: dict, group_ids: set[int], unchanged: str):
    if group_ids == set(record["group_ids"]):
        raise Skip(unchanged)
    data = ContactData(**{field: record[field] for field in ContactData.__dataclass_fields__})
    client.contacts_edit(record["id"], data, sorted(group_ids))


def delete_contact(client, payload, params):
    _record(client, payload["id"])
    try:
        client.contacts_delete(payload["id"])
    except NotFound:
        # Deleted elsewhere since the records were read.
        raise Skip(_("It was no longer there.")) from None


def add_to_group(client, payload, params):
    record = _record(client, payload["id"])
    _set_groups(
        client,
        record,
        {*record["group_ids"], params["group_id"]},
        _("Already in “%(group)s”.") % {"group": params["group_name"]},
    )


def remove_from_group(client, payload, params):
    record = _record(client, payload["id"])
    _set_groups(
        client,
        record,
        set(record["group_ids"]) - {params["group_id"]},
        _("Not in “%(group)s”.") % {"group": params["group_name"]},
    )


def move_to_group(client, payload, params):
    """Out of the group the list was filtered by (or, with none, out of every group),
    into the chosen one."""
    record = _record(client, payload["id"])
    source = params.get("from_group_id")
    kept = set(record["group_ids"]) - {source} if source else set()
    _set_groups(
        client,
        record,
        kept | {params["group_id"]},
        (
            _(
                "Nothing to move: it is in “%(group)s” already, "
                "and not in the group it was to leave."
            )
            if source
            else _("Nothing to move: “%(group)s” is its only group already.")
        )
        % {"group": params["group_name"]},
    )


def merge_into_target(client, payload, params):
    record = _record(client, payload["id"])
    _set_groups(
        client,
        record,
        set(record["group_ids"]) - {params["source_id"]} | {params["target_id"]},
        _("Already moved."),
    )


def import_contact(client, payload, params):
    data = ContactData(**payload["data"])
    client.contacts_add(data, payload.get("group_ids", []))
    return ""


def delete_group(client, payload, params):
    try:
        client.groups_delete(payload["id"], delete_contacts=False)
    except NotFound:
        raise Skip(_("It was no longer there.")) from None


def scan_account(client, payload, params):
    raise AssertionError("A scan has no items.")


def undo_entry(client, payload, params):
    """Undo one recorded change (in the runner's own thread: undo reads and writes the history)."""
    from ..history import undo
    from ..models import HistoryEntry

    entry = HistoryEntry.objects.filter(pk=payload["entry_id"], user=client.user).first()
    if entry is None or not undo.undoable(entry):
        raise Skip(_("Undone already, or it cannot be undone."))
    try:
        return undo.perform(entry, client)
    except undo.UndoRefused as refused:
        raise ItemFailed(refused.message) from None


def _finish_group_merge(client: RecordingClient, job: Job) -> None:
    """Delete the source group once it is empty; otherwise leave it and say why."""
    if job.items.filter(status__in=[Status.FAILED, Status.UNKNOWN, Status.CANCELLED]).exists():
        job.result = {
            "note": _("“%(group)s” was not deleted, since not every contact was moved.")
            % {"group": job.params["source_name"]}
        }
        return
    try:
        source = client.groups_view(job.params["source_id"])
    except NotFound:
        job.result = {
            "note": _("“%(group)s” was deleted meanwhile, elsewhere.")
            % {"group": job.params["source_name"]}
        }
        return
    if source.count:
        job.result = {
            "note": ngettext(
                "“%(group)s” was not deleted: it still holds %(count)s contact.",
                "“%(group)s” was not deleted: it still holds %(count)s contacts.",
                source.count,
            )
            % {"group": source.name, "count": source.count}
        }
        return
    client.groups_delete(source.id, delete_contacts=False)
    job.result = {"note": _("“%(group)s” was deleted.") % {"group": source.name}}


def _finish_scan(client: RecordingClient, job: Job) -> None:
    from ..cleanup import detectors

    job.result = detectors.scan(client)


HANDLERS: dict[str, Callable] = {
    Kind.CONTACT_DELETE: delete_contact,
    Kind.CONTACT_ADD_TO_GROUP: add_to_group,
    Kind.CONTACT_REMOVE_FROM_GROUP: remove_from_group,
    Kind.CONTACT_MOVE_TO_GROUP: move_to_group,
    Kind.CONTACT_IMPORT: import_contact,
    Kind.GROUP_DELETE: delete_group,
    Kind.GROUP_MERGE: merge_into_target,
    Kind.ACCOUNT_SCAN: scan_account,
    Kind.HISTORY_UNDO: undo_entry,
}
# Kinds whose items create records (not safe to repeat when the outcome is unknown).
ADDS = {Kind.CONTACT_IMPORT}
# Kinds whose items run one at a time in the runner's own thread.
SEQUENTIAL = {Kind.HISTORY_UNDO}
# Read in bulk before the items run (and, for a search, find the items).
PREPARERS: dict[str, Callable] = {
    Kind.CONTACT_DELETE: _prepare_contacts,
    Kind.CONTACT_ADD_TO_GROUP: _prepare_contacts,
    Kind.CONTACT_REMOVE_FROM_GROUP: _prepare_contacts,
    Kind.CONTACT_MOVE_TO_GROUP: _prepare_contacts,
    Kind.GROUP_MERGE: _prepare_group_merge,
}
# Run once every item is done.
FINISHERS: dict[str, Callable] = {
    Kind.GROUP_MERGE: _finish_group_merge,
    Kind.ACCOUNT_SCAN: _finish_scan,
}
