"""An import into a new group: by the provider's bulk import (contacts/import) when the
file maps only the fields that call takes, else row by row into a group made first.

Run as the import job's prepare step, on the runner's own thread (it saves history entries
in bulk). The rows go in calls of IMPORT_BATCH_SIZE (the size `make contract` confirms), all under
the new group's name (the first call makes the group, the next add to it); a call the API
refuses (too many rows, or one row it will not take) is sent again in halves, down to the
row it refuses alone. The answers only count rows, so once the calls
are made the group is read back: a row found there is done, with its contact in the
history; a row not found failed, and goes to the failed rows' CSV as today's do.

What the API's documents leave open is learned as the other calls are (contacts_ui.provider):
an API that makes a new group with each call, even under a name in use, puts a second
call's rows in a second group; that is said, kept, and from then on an import sends only
its first call that way and the rest row by row into the group it made.
"""

from collections import deque

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import provider
from ..history.recorder import ImportRecording, WriteRecorder
from ..jobs.kinds import JobCancelled, JobStopped
from ..models import Job, JobItem
from ..serwersms import (
    IMPORT_FIELDS,
    PAGE_LIMIT,
    AccessDenied,
    ApiError,
    Contact,
    ContactData,
    CredentialsRejected,
    SerwerSMSError,
    TransportError,
    every_item,
)
from . import csv_rows

Status = JobItem.Status


def takes_only_import_fields(mapping: list[str]) -> bool:
    """Whether the provider's bulk import can send everything the mapping reads: only the
    fields contacts/import takes, and no blacklist column."""
    return all(not name or name in IMPORT_FIELDS for name in mapping)


def same_name(first: str, second: str) -> bool:
    return first.strip().casefold() == second.strip().casefold()


def groups_named(recorder: WriteRecorder, name: str) -> list:
    """Every group of the account with this name (in any case)."""
    found = every_item(
        lambda p: recorder.client.groups_index(search=name, page=p, limit=PAGE_LIMIT)
    )
    return [group for group in found if same_name(group.name, name)]


def _keep(job: Job, **values) -> None:
    job.params.update(values)
    Job.objects.filter(pk=job.pk).update(params=job.params)


def make_new_group(recorder: WriteRecorder, job: Job) -> None:
    """The import job's first step when its rows go to a new group: the group made (and,
    when the file maps only what contacts/import takes, the rows sent with it). Its id is
    kept in the job's params, for the rows left to add one by one and for a retry."""
    params = job.params
    if params.get("new_group_id"):
        return  # made already: a retry, or the rows left after the bulk import
    name = params["new_group"]
    # Kept by this job's id: a retry (another job, its params copied) checks again.
    if params.get("name_checked_by") != str(job.pk):
        # Checked by the preview; checked again, since a colleague may have made it since.
        if groups_named(recorder, name):
            raise JobStopped(
                _(
                    "A group named “%(name)s” exists now (made since the preview), so nothing "
                    "was imported. Choose another name for the new group, or import into "
                    "that group."
                )
                % {"name": name}
            )
        _keep(job, name_checked_by=str(job.pk))
    if not params.get("bulk"):
        _keep(job, new_group_id=recorder.groups_add(name))
        return
    BulkImport(recorder, job, name).run()


class BulkImport:
    """The rows of one import job sent with contacts/import, then settled from the group."""

    def __init__(self, recorder: WriteRecorder, job: Job, name: str):
        self.recorder = recorder
        self.job = job
        self.name = name
        self.recording: ImportRecording = recorder.contacts_import(name)
        # Each row sent: its item's id, its contact.
        self.sent: dict[int, ContactData] = {}
        # Rows the API refused alone (why), and rows of calls that got no answer.
        self.refused: dict[int, str] = {}
        self.unanswered: set[int] = set()
        # Groups the API made for later calls, when it makes one with each call.
        self.other_groups: list[int] = []

    def run(self) -> None:
        self._adopt_a_group_made_before_a_stop()
        rows = list(
            self.job.items.filter(status=Status.PENDING)
            .order_by("position")
            .values_list("id", "payload")
        )
        batches = deque(
            [
                [(item_id, ContactData(**payload["data"])) for item_id, payload in part]
                for part in _parts(rows, max(1, settings.IMPORT_BATCH_SIZE))
            ]
        )
        cancelled = False
        try:
            while batches:
                if self._one_call_only() and self.recording.group_id is not None:
                    break  # the rest go row by row, into the group the first call made
                if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
                    cancelled = True
                    break
                self._send(batches.popleft(), batches)
                self._say_how_far(len(rows))
        except SerwerSMSError as stop:
            # The credentials stopped working, or the API cannot be reached: what was sent
            # is settled from the group if it can be read, and the job stops.
            self._settle(after=stop)
            raise
        self._settle()
        if cancelled:
            raise JobCancelled

    def _say_how_far(self, total: int) -> None:
        """The job page's progress counts rows settled, which the group read back settles
        at the end: meanwhile it says how many rows were sent."""
        self.job.result = {
            "note": _(
                "Sent to SerwerSMS: %(sent)s of %(total)s rows. Each is checked in the group "
                "once all are sent."
            )
            % {"sent": len(self.sent), "total": total}
        }
        Job.objects.filter(pk=self.job.pk).update(result=self.job.result)

    def _one_call_only(self) -> bool:
        return provider.IMPORT_MAKES_ANOTHER_GROUP in self.recorder.knowledge

    def _adopt_a_group_made_before_a_stop(self) -> None:
        """A run taken over from a worker stopped while its first call was out: the group,
        if that call made it, is the one with the name (no group had it before)."""
        if self.job.params.get("import_started_by") != str(self.job.pk):
            _keep(self.job, import_started_by=str(self.job.pk))
            return
        found = groups_named(self.recorder, self.name)
        if len(found) > 1:
            raise JobStopped(
                _(
                    "The import was stopped while it was being sent, and %(count)s groups are "
                    "now named “%(name)s”, so it cannot tell which one it made. Nothing more "
                    "was sent; check those groups."
                )
                % {"count": len(found), "name": self.name}
            )
        if found:
            self._group_made(found[0].id)

    def _group_made(self, group_id: int) -> None:
        self.recording.group_made(group_id)
        _keep(self.job, new_group_id=group_id)

    def _send(self, batch: list[tuple[int, ContactData]], batches: deque) -> None:
        ids = [item_id for item_id, _contact in batch]
        JobItem.objects.filter(pk__in=ids).update(status=Status.SENDING)
        self.sent.update(batch)
        had_group = self.recording.group_id
        try:
            answer = self.recording.send(batch)
        except (CredentialsRejected, AccessDenied) as refusal:
            self._not_sent(batch, refusal)
            raise
        except ApiError as refusal:
            # Too many rows in one call, or a row it would not take: in halves, down to
            # the row it refuses alone.
            if len(batch) == 1:
                self.refused[ids[0]] = refusal.message
                return
            half = (len(batch) + 1) // 2
            batches.appendleft(batch[half:])
            batches.appendleft(batch[:half])
            return
        except TransportError as lost:
            if not lost.request_sent:
                self._not_sent(batch, lost)
                raise
            self.unanswered.update(ids)
            return
        if had_group is None:
            self._group_made(answer.group_id)
        elif answer.group_id != had_group and answer.group_id not in self.other_groups:
            self.other_groups.append(answer.group_id)
            self.recording.another_group_made(answer.group_id)
            self.recorder.knowledge.learn(
                provider.IMPORT_MAKES_ANOTHER_GROUP,
                f"contacts/import under the name of group {had_group} made group {answer.group_id}",
            )

    def _not_sent(self, batch: list[tuple[int, ContactData]], error: SerwerSMSError) -> None:
        """A call that made nothing and stops the job: its rows are not done (the job's
        stop leaves them cancelled, for a retry), and their entries say why."""
        ids = [item_id for item_id, _contact in batch]
        for item_id in ids:
            del self.sent[item_id]
        self.recording.settle({}, dict.fromkeys(ids, error.message))
        JobItem.objects.filter(pk__in=ids).update(status=Status.PENDING)

    # --- Settling, from the group read back ---------------------------------------------

    def _settle(self, after: SerwerSMSError | None = None) -> None:
        """Each row sent, done or failed by what the groups hold; when they cannot be read,
        each is marked "outcome unknown" and the entries say why."""
        self.job.result = None  # "Sent …": what is settled now says the rest
        if not self.sent:
            if self.recording.group_id is None:
                self.recording.group_not_made(
                    after.message if after is not None else _("No row was sent.")
                )
            return
        try:
            if self.recording.group_id is None and self.unanswered:
                # No answer named the group: a call that went through made it.
                found = groups_named(self.recorder, self.name)
                if found:
                    self._group_made(found[0].id)
            members = self._members()
        except SerwerSMSError as exc:
            self._unknown(exc if after is None else after)
            if after is None:
                raise
            return
        if self.recording.group_id is None:
            self.recording.group_not_made(
                _("SerwerSMS made no group: every row was refused.")
                if not self.unanswered
                else _("No answer came, and no group has the name.")
            )
        found = _match(self.sent, members, exclude=self.refused)
        errors = {
            item_id: self._why_not_there(item_id) for item_id in self.sent if item_id not in found
        }
        self.recording.settle(found, errors)
        for part in _parts(list(found), 1000):
            JobItem.objects.filter(pk__in=part).update(status=Status.DONE, message="")
        by_message: dict[str, list[int]] = {}
        for item_id, message in errors.items():
            by_message.setdefault(message, []).append(item_id)
        for message, item_ids in by_message.items():
            for part in _parts(item_ids, 1000):
                JobItem.objects.filter(pk__in=part).update(status=Status.FAILED, message=message)
        self._say_where_rows_went()

    def _members(self) -> list[tuple[int, Contact]]:
        client = self.recorder.client
        members = []
        for group_id in [self.recording.group_id, *self.other_groups]:
            if group_id is None:
                continue
            read = every_item(
                lambda p, g=group_id: client.contacts_index(group_id=g, page=p, limit=PAGE_LIMIT)
            )
            members += [(group_id, contact) for contact in read]
        return members

    def _why_not_there(self, item_id: int) -> str:
        if item_id in self.refused:
            return self.refused[item_id]
        if item_id in self.unanswered:
            return _(
                "No answer came to the call that sent this row, and it is not in the group: "
                "it was not added."
            )
        return _(
            "SerwerSMS did not take this row: the bulk import counts the rows it refuses "
            "without saying why. Check the number, then import the row again."
        )

    def _unknown(self, reason: SerwerSMSError) -> None:
        message = _(
            "This row was sent, but the group could not be read back to see whether it went "
            "in: %(reason)s Check the group before you import it again."
        ) % {"reason": reason.message}
        for part in _parts(list(self.sent), 1000):
            JobItem.objects.filter(pk__in=part, status=Status.SENDING).update(
                status=Status.UNKNOWN, message=message
            )
        self.recording.settle({}, {}, unknown=message)

    def _say_where_rows_went(self) -> None:
        if not self.other_groups:
            return
        self.job.result = {
            "note": ngettext(
                "SerwerSMS made another group also named “%(name)s” for some of the rows: "
                "this API makes a new group with each bulk import call. Its rows are listed "
                "as done; the rest went one by one into the first group. Merge the %(count)s "
                "group into it under Groups.",
                "SerwerSMS made other groups also named “%(name)s” for some of the rows: this "
                "API makes a new group with each bulk import call. Their rows are listed as "
                "done; the rest went one by one into the first group. Merge the %(count)s "
                "groups into it under Groups.",
                len(self.other_groups),
            )
            % {"name": self.name, "count": len(self.other_groups)}
        }


def _parts(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _match(
    sent: dict[int, ContactData], members: list[tuple[int, Contact]], exclude
) -> dict[int, tuple[Contact, int]]:
    """Each row sent found in the groups read back: by its number (E.164), or, where the
    API shows numbers masked (+48500***700), by what is shown of it and the name. Each
    contact is taken for one row."""
    by_number: dict[str, list[tuple[int, Contact]]] = {}
    masked: list[tuple[int, Contact]] = []
    for group_id, contact in members:
        if "*" in contact.phone:
            masked.append((group_id, contact))
        else:
            number = csv_rows.phone_or_none(contact.phone) or contact.phone
            by_number.setdefault(number, []).append((group_id, contact))
    found = {}
    for item_id, data in sent.items():
        if item_id in exclude:
            continue
        candidates = by_number.get(data.phone)
        if candidates:
            group_id, contact = candidates.pop(0)
            found[item_id] = (contact, group_id)
            continue
        for index, (group_id, contact) in enumerate(masked):
            if _shown_as(contact, data):
                found[item_id] = (contact, group_id)
                del masked[index]
                break
    return found


def _shown_as(contact: Contact, data: ContactData) -> bool:
    head, _stars, tail = contact.phone.partition("*")
    tail = tail.lstrip("*")
    return (
        data.phone.startswith(head)
        and data.phone.endswith(tail)
        and (contact.first_name, contact.last_name) == (data.first_name, data.last_name)
    )
