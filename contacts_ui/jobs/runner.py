"""How background jobs run: bulk actions, imports, merges and scans, by the task worker.

A view calls `start()`: it stores a Job with its items and queues `tasks.run_job`
(django-tasks, database backend; `manage.py jobs_worker` runs it). The runner claims the
job, reads the user's credentials itself, and runs the job's kind (jobs.kinds: what it
prepares, what each item does, how it finishes): the items a few at a time
(BULK_CONCURRENCY) over the shared HTTP session, or one at a time on its own thread for a
kind that says so. Each write goes through a WriteRecorder, so every item is in the
history under the job's batch.

Threads make API calls only; the runner's own thread writes every row (items, history
entries), so that no database connection is shared between threads. An item's history
entry is saved before its call goes out ("outcome unknown"): the item thread hands it to
the runner's thread and waits until it is saved. Between rounds the runner notices a
cancel request; a thread of its own says it is still at it (the heartbeat).
"""

import collections
import concurrent.futures
import logging
import math
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import group_list, logs, provider, roles
from ..api_access import api_base_url
from ..crypto import SecretUnreadable
from ..history.memo import ReadMemo
from ..history.recorder import WriteRecorder, save_now
from ..models import ApiCredentials, HistoryEntry, Job, JobItem
from ..serwersms import (
    AccessDenied,
    CredentialsRejected,
    CredentialsUnusable,
    SerwerSMSClient,
    SerwerSMSError,
    TransportError,
)
from .kinds import KINDS, ItemFailed, JobCancelled, JobKind, JobStopped, RunItem, Skip

logger = logging.getLogger(__name__)

Status = JobItem.Status

# Work of this many items or fewer is done within the request that asks for it.
INLINE_ITEMS = 3
# How often (seconds) the runner looks for a cancel request.
CANCEL_CHECK_EVERY = 0.5
# How often (seconds) a running job says it is still at it (a thread of its own, so that
# a call waiting on a slow API does not silence it). After JOB_ABANDONED_AFTER_SECONDS of
# silence the job counts as abandoned (its worker was stopped), and a worker takes it over.
HEARTBEAT_EVERY = 5
# How often (seconds) a job waiting for its user's other job to end asks again.
OWN_TURN_EVERY = 2


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
    job_id: uuid.UUID | None = None,
    always_queued: bool = False,
) -> Job:
    """Store the work and queue it (or, for a few items, do it now). `items` are
    (label, payload) pairs; a kind that reads its own items (a search, a group's
    members) takes none. `always_queued`: an item's work grows with the account (a
    large group's deletion), so even one item goes to the worker."""
    # The job and its items are stored together, or not at all. A second job with the same
    # job_id (a form posted twice), or a second retry of the same job, is refused here by
    # the database (IntegrityError), before any work is done.
    with transaction.atomic():
        job = Job.objects.create(
            id=job_id or uuid.uuid4(),
            user=request.user,
            kind=kind,
            title=title[:255],
            params=params or {},
            # A retry is the same work: it needs what the first run needed.
            permissions=retry_of.permissions
            if retry_of
            else _permissions_for(request, kind, items),
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
    if not always_queued and _runs_now(KINDS[kind], job, len(items)):
        # A failure of this application's own is logged, and the job stopped with a
        # sentence for the person (not raised): the request goes on to show it. Within the
        # request, its calls end within the page's time for the API, as the page's own do.
        _run(job.pk, deadline=time.monotonic() + settings.SERWERSMS_REQUEST_BUDGET)
        job.refresh_from_db()
    else:
        from ..tasks import run_job

        transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


def _permissions_for(request, kind: str, items) -> list[str]:
    """What the page that starts the work needs (the view's own permission), and to delete
    a group with its contacts, that permission too."""
    view = getattr(request.resolver_match, "func", None)
    needs = {getattr(view, "required_permission", roles.VIEW)}
    if kind == Job.Kind.GROUP_DELETE and any(
        payload.get("delete_contacts") for _label, payload in items
    ):
        needs.add(roles.DELETE_GROUP_WITH_CONTACTS)
    return sorted(needs)


def allowed(user, job: Job) -> bool:
    """Whether the person's role (now) allows the work the job does."""
    return all(roles.may(user, codename) for codename in job.permissions)


def _runs_now(kind: JobKind, job: Job, items: int) -> bool:
    """A few given items, with nothing to find and nothing to finish, are done at once."""
    return kind.finish is None and "query" not in job.params and 0 < items <= INLINE_ITEMS


def to_retry(job: Job):
    """The items a retry takes: those that failed or (unless they add records) whose
    outcome is unknown, and, when the work stopped as a whole (say, the secret could not
    be read), those not done."""
    statuses = [Status.FAILED]
    # An add whose outcome is unknown may have been made: done again, it would make a
    # second contact. The others set a state, and are safe to repeat.
    if not KINDS[job.kind].adds_records:
        statuses.append(Status.UNKNOWN)
    if job.state == Job.State.STOPPED or KINDS[job.kind].retry_takes_cancelled:
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


def _abandoned_after() -> timedelta:
    return timedelta(seconds=settings.JOB_ABANDONED_AFTER_SECONDS)


def abandoned(job: Job) -> bool:
    """Running, and silent for longer than a worker at it ever is: its worker was stopped."""
    last_word = job.heartbeat_at or job.started_at
    return (
        job.state == Job.State.RUNNING
        and last_word is not None
        and timezone.now() - last_word > _abandoned_after()
    )


def take_over_abandoned() -> int:
    """Queue every abandoned job again, for a worker to take over; how many."""
    from ..tasks import run_job

    silent_since = timezone.now() - _abandoned_after()
    found = Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=silent_since)
    ids = list(found.values_list("pk", flat=True))
    for job_id in ids:
        run_job.enqueue(str(job_id))
    return len(ids)


def _take_over(job: Job) -> bool:
    """Claim an abandoned job for this worker. What its stopped worker had under way is
    marked "outcome unknown" (it may have been done) and is not sent again; what it had
    not started is done now."""
    if not abandoned(job):
        return False
    taken = Job.objects.filter(
        pk=job.pk, state=Job.State.RUNNING, heartbeat_at=job.heartbeat_at
    ).update(heartbeat_at=timezone.now())
    if not taken:
        return False  # another worker took it first
    logger.warning("Job %s: its worker stopped mid-way; taken over", job.pk)
    stopped_while_sending = _(
        "The worker doing this was stopped while it was being sent, so it may or may not "
        "have been done. Check it, then retry if need be."
    )
    job.items.filter(status=Status.SENDING).update(
        status=Status.UNKNOWN, message=stopped_while_sending
    )
    # Their history entries, saved before the calls went out, were never settled.
    undoes = job.params.get("undoes")
    HistoryEntry.objects.filter(
        Q(batch=job.batch) | Q(undo_of_id=undoes) if undoes else Q(batch=job.batch),
        user_id=job.user_id,
        outcome=HistoryEntry.Outcome.UNKNOWN,
        error="",
    ).update(error=stopped_while_sending)
    return True


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
    left = counts[Status.PENDING] + counts[Status.SENDING]
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
    """Run a job to its end (the task worker's entry point). An error of this application's
    own stops the job with a sentence for the person, and is raised again for the worker."""
    error = _run(job_id)
    if error is not None:
        raise error


def _run(job_id, deadline: float | None = None) -> Exception | None:
    """Run a job to its end; an error of this application's own is logged, stops the job,
    and is returned."""
    # Every line logged while it runs, its API calls' among them, names the job.
    with structlog.contextvars.bound_contextvars(job_id=str(job_id)):
        return _run_job(job_id, deadline)


def _run_job(job_id, deadline: float | None) -> Exception | None:
    job = Job.objects.select_related("user").get(pk=job_id)
    if job.state == Job.State.RUNNING:
        if not _take_over(job):
            return None
    elif job.state != Job.State.QUEUED:
        return None
    elif job.cancel_requested:
        _cancel_waiting(job)
        return None
    elif not _claim(job):
        # Another of this person's jobs is running: this one waits its turn.
        from ..tasks import run_job

        later = timezone.now() + timedelta(seconds=OWN_TURN_EVERY)
        run_job.using(run_after=later).enqueue(str(job.pk))
        return None
    job.refresh_from_db()
    kind = KINDS[job.kind]
    # Entries recorded on the item threads wait here for the runner's thread to save them.
    unsaved: collections.deque[HistoryEntry] = collections.deque()
    pending = _PendingEntries()
    failure = None
    recorder = None
    with translation.override(job.language), _Heartbeat(job):
        try:
            recorder = _recorder_for(job, kind, unsaved, pending, deadline)
            if kind.prepare is not None:
                kind.prepare(recorder, job)
            cancelled = _run_items(job, kind, recorder, unsaved, pending)
            if kind.finish is not None and not cancelled:
                kind.finish(recorder, job)
            job.state = Job.State.CANCELLED if cancelled else Job.State.DONE
        except JobCancelled:
            job.state = Job.State.CANCELLED
        except JobStopped as stop:
            job.state, job.error = Job.State.STOPPED, str(stop)
        except SerwerSMSError as exc:
            job.state, job.error = Job.State.STOPPED, exc.message
        except Exception as exc:
            logger.exception("Job %s failed", job.pk)
            job.state = Job.State.STOPPED
            job.error = _("The work stopped because of an error in this application.")
            failure = exc
        finally:
            _save_entries(unsaved, job.user)
            if recorder is not None:
                recorder.knowledge.save_pending()  # what the item threads learned
            if job.state != Job.State.DONE:
                job.items.filter(status=Status.PENDING).update(status=Status.CANCELLED)
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "error", "result", "finished_at"])
    return failure


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


def _deactivated() -> str:
    return _("Your login was deactivated, so the work stopped.")


def _recorder_for(
    job: Job,
    kind: JobKind,
    unsaved: collections.deque,
    pending: "_PendingEntries",
    deadline: float | None = None,
) -> WriteRecorder:
    if not job.user.is_active:
        raise JobStopped(_deactivated())
    if not allowed(job.user, job):
        # The role changed after the work was started: it stops before any call.
        raise JobStopped(_("Your role no longer allows this work, so it stopped."))
    stored = ApiCredentials.objects.filter(user=job.user).first()
    if stored is None:
        raise JobStopped(_("Your API credentials were removed, so the work could not go on."))
    try:
        credentials = stored.as_credentials()
    except SecretUnreadable:
        raise JobStopped(
            _("Your saved API secret can no longer be read. Enter it again, then retry.")
        ) from None
    client = SerwerSMSClient(credentials, job.api_url, deadline=deadline)
    # A job that finishes undoing a change (a restored group's contacts) records each
    # write as part of that undo, as the undo page's writes are.
    undoes = job.params.get("undoes")
    from ..history import undo

    undo_of = undo.undoable_entries(job.user).filter(pk=undoes).first() if undoes else None
    if undoes and undo_of is None:
        raise JobStopped(
            _("The change this work undoes is no longer one your role and credentials may undo.")
        )
    return WriteRecorder(
        client,
        job.user,
        memo=ReadMemo(client),
        batch=None if undo_of else job.batch,
        undo_of=undo_of,
        # Items on the runner's own thread may save; the item threads must not.
        save=save_now if kind.in_order_on_runner_thread else unsaved.append,
        # Saved at once on the runner's thread; handed to it from the item threads.
        save_pending=pending.save,
        knowledge=provider.Knowledge.of(job.api_url, save_at_once=kind.in_order_on_runner_thread),
    )


def _save_entries(unsaved: collections.deque, user) -> None:
    if not unsaved:
        return
    while unsaved:
        unsaved.popleft().save()
    # Groups or their counts may have changed: the user's pages read the group list afresh.
    group_list.changed(user)


@dataclass(frozen=True)
class _Outcome:
    status: str
    message: str
    # The credentials stopped working: every other item would fail too.
    stops_the_job: bool = False


def _run_one(run_item: RunItem, recorder, payload: dict, params: dict, language: str) -> _Outcome:
    """One item: its status and message. On an item thread: no database access here."""
    with translation.override(language):
        try:
            return _Outcome(Status.DONE, run_item(recorder, payload, params) or "")
        except Skip as skip:
            return _Outcome(Status.SKIPPED, skip.message)
        except ItemFailed as failure:
            return _Outcome(Status.FAILED, failure.message)
        except (CredentialsRejected, AccessDenied, CredentialsUnusable) as exc:
            return _Outcome(Status.FAILED, exc.message, stops_the_job=True)
        except TransportError as exc:
            return _Outcome(Status.UNKNOWN if exc.request_sent else Status.FAILED, exc.message)
        except SerwerSMSError as exc:
            return _Outcome(Status.FAILED, exc.message)


class _Rounds:
    """The runner's bookkeeping between rounds of items, on its own thread: it notices a
    cancel request, a deactivated login or an item that stops the job, writes the items'
    outcomes and their history entries, and keeps the heartbeat."""

    def __init__(self, job: Job, unsaved: collections.deque):
        self.job = job
        self.unsaved = unsaved
        self.cancelled = False
        self.stop: str | None = None
        self._last_check = time.monotonic()

    @property
    def over(self) -> bool:
        return self.cancelled or self.stop is not None

    def finished(self, outcomes: list[tuple[int, _Outcome]]) -> None:
        """Items just finished: whether they stop the job, and whether it was cancelled."""
        for _item_id, outcome in outcomes:
            if outcome.stops_the_job and self.stop is None:
                self.stop = outcome.message
        if time.monotonic() - self._last_check > CANCEL_CHECK_EVERY:
            self._last_check = time.monotonic()
            # One read for both: a cancel request, and a login deactivated meanwhile (it
            # does no more work under its credentials).
            self.cancelled, active = (
                Job.objects.filter(pk=self.job.pk)
                .values_list("cancel_requested", "user__is_active")
                .get()
            )
            if self.stop is None and not active:
                self.stop = _deactivated()

    def write(self, outcomes: list[tuple[int, _Outcome]]) -> None:
        with transaction.atomic():
            JobItem.objects.bulk_update(
                [
                    JobItem(pk=item_id, status=o.status, message=o.message)
                    for item_id, o in outcomes
                ],
                ["status", "message"],
            )
            _save_entries(self.unsaved, self.job.user)

    def sending(self, item_ids: list[int]) -> None:
        """These items' calls are about to go out: a worker taking over from this one, if
        it is stopped, will know them for items whose outcome is unknown."""
        JobItem.objects.filter(pk__in=item_ids).update(status=Status.SENDING)


class _PendingEntries:
    """The history entries of item threads' writes about to go out, saved on the runner's
    thread (which alone touches the database) while the item thread waits: its call goes
    out once the entry that says so is saved. The runner serves them between rounds, as
    they come (`events` holds them, and the item threads' finished futures)."""

    def __init__(self):
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self._runner_thread = threading.get_ident()
        self._lock = threading.Lock()
        self._closed = False
        # Every request an item thread waits on, queued or taken by the runner.
        self._waiting: set[_SaveRequest] = set()

    def save(self, entry: HistoryEntry) -> None:
        if threading.get_ident() == self._runner_thread:
            entry.save()  # the job's own steps (prepare, finish), on the runner's thread
            return
        request = _SaveRequest(entry)
        with self._lock:
            if self._closed:
                raise ItemFailed(_("The work stopped before this was sent."))
            self._waiting.add(request)
            self.events.put(request)
        request.done.wait()
        with self._lock:
            self._waiting.discard(request)
        if request.refused:
            raise ItemFailed(_("Its entry in the history could not be saved, so it was not sent."))

    def close(self) -> None:
        """The runner serves no more: every item thread still waiting is refused (not
        sent), whether its request is queued or was taken with one that failed. On the
        runner's thread, as serving is, so the two never race."""
        with self._lock:
            self._closed = True
            waiting = list(self._waiting)
        for request in waiting:
            if not request.done.is_set():
                request.refuse()


class _SaveRequest:
    def __init__(self, entry: HistoryEntry):
        self.entry = entry
        self.done = threading.Event()
        self.refused = False

    def serve(self) -> None:
        try:
            self.entry.save()
        except Exception:
            self.refused = True
            raise  # the runner stops: its database is failing
        finally:
            self.done.set()

    def refuse(self) -> None:
        self.refused = True
        self.done.set()


class _Heartbeat:
    """The job says it is still at it every HEARTBEAT_EVERY seconds, from a thread of its
    own (with its own database connection), for as long as the runner runs it."""

    def __init__(self, job: Job):
        self.job = job
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_EVERY):
                Job.objects.filter(pk=self.job.pk, state=Job.State.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        finally:
            connections.close_all()


def _run_items(
    job: Job, kind: JobKind, recorder: WriteRecorder, unsaved, entries: _PendingEntries
) -> bool:
    """Run every pending item; True when cancelled before the end."""
    pending = iter(job.items.filter(status=Status.PENDING).values_list("id", "payload"))
    rounds = _Rounds(job, unsaved)
    if kind.in_order_on_runner_thread:
        _run_in_order(job, kind, recorder, pending, rounds)
    else:
        _run_concurrently(job, kind, recorder, pending, rounds, entries)
    if rounds.stop is not None:
        raise JobStopped(rounds.stop)
    return rounds.cancelled


def _run_in_order(job: Job, kind: JobKind, recorder, pending, rounds: _Rounds) -> None:
    """One item at a time, in the items' order, on the runner's own thread."""
    for item_id, payload in pending:
        rounds.sending([item_id])
        outcomes = [(item_id, _run_one(kind.run_item, recorder, payload, job.params, job.language))]
        rounds.finished(outcomes)
        rounds.write(outcomes)
        if rounds.over:
            return


def _run_concurrently(
    job: Job, kind: JobKind, recorder, pending, rounds: _Rounds, entries: _PendingEntries
) -> None:
    """BULK_CONCURRENCY items at a time on item threads. The runner's thread saves each
    item's entry before its call (the item thread waits for it), and writes the finished
    items; the next calls go out before they are written, so that no slot waits on the
    database."""
    assert recorder.save is not save_now, "Item threads must not touch the database."
    concurrency = max(1, settings.BULK_CONCURRENCY)
    running: dict[concurrent.futures.Future, int] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:

        def start_more() -> None:
            starting = []
            while not rounds.over and len(running) + len(starting) < concurrency:
                item = next(pending, None)
                if item is None:
                    break
                starting.append(item)
            if starting:
                rounds.sending([item_id for item_id, _payload in starting])
            for item_id, payload in starting:
                args = (kind.run_item, recorder, payload, job.params, job.language)
                # In the job's log context: the call's log line has the job's id.
                future = pool.submit(logs.carrying_context(_run_one), *args)
                running[future] = item_id
                future.add_done_callback(entries.events.put)

        try:
            start_more()
            while running:
                outcomes = []
                for event in _events_now(entries.events):
                    if isinstance(event, _SaveRequest):
                        event.serve()
                    else:
                        outcomes.append((running.pop(event), event.result()))
                if outcomes:
                    rounds.finished(outcomes)
                    start_more()
                    rounds.write(outcomes)
        finally:
            # Stopped by an error of its own: what waits to go out is not sent.
            entries.close()


def _events_now(events: queue.SimpleQueue) -> list:
    """The next event, waiting for it, and any others already there."""
    found = [events.get()]
    while True:
        try:
            found.append(events.get_nowait())
        except queue.Empty:
            return found
