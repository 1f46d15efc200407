"""What each kind of background job does: one JobKind record a kind.

The runner (jobs.runner) knows how a job runs: claiming it, threads, the heartbeat,
cancelling, progress, retries. This module says, for each kind, what it prepares (reads
in bulk before the items, or finds the items itself), what one item does, whether its
items must run in order on the runner's own thread, and how it finishes.

An item's function takes the job's WriteRecorder, the item's payload and the job's
params; it returns a message (or nothing) when done, raises Skip when there was nothing
to do and ItemFailed when this application could not do it. The service module's
errors say themselves why a call failed.
"""

import concurrent.futures
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import logs, provider
from ..forms import ContactListQuery
from ..history.recorder import WriteRecorder
from ..models import HistoryEntry, Job, JobItem
from ..serwersms import PAGE_LIMIT, ContactData, GroupMembership, NotFound, every_item

Kind = Job.Kind
Status = JobItem.Status
DONE_OR_SKIPPED = [Status.DONE, Status.SKIPPED]


class JobStopped(Exception):
    """The work as a whole cannot go on; the message says why."""


class JobCancelled(Exception):
    """The person cancelled the work while a step of the job as a whole ran."""


class _ItemOutcome(Exception):
    """How an item ended, other than done, with a sentence for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Skip(_ItemOutcome):
    """The item needed nothing (say, the contact is in the group already)."""


class ItemFailed(_ItemOutcome):
    """The item could not be done, for a reason of this application's (not the API's)."""


# An item's work: (recorder, payload, params) -> a message for the person, or None.
RunItem = Callable[[WriteRecorder, dict, dict], str | None]
# Work on the job as a whole, before or after its items.
JobStep = Callable[[WriteRecorder, Job], None]


@dataclass(frozen=True)
class JobKind:
    run_item: RunItem
    # Before the items: read in bulk what the records need, or find the items.
    prepare: JobStep | None = None
    # Once every item is done (not after a cancel).
    finish: JobStep | None = None
    # Its items create records: one whose outcome is unknown may have been made, and
    # done again would make a second one, so a retry leaves it out.
    adds_records: bool = False
    # Its items run one at a time, in order, on the runner's own thread: each may rest on
    # the one before, and they read and write the database (the history) themselves.
    in_order_on_runner_thread: bool = False
    # Its items finish work begun elsewhere that nothing else would finish (the contacts of
    # a group created again by an undo): a retry takes those cancelled too.
    retry_takes_cancelled: bool = False


# --- Reading in bulk what the records need ---------------------------------------------


def _every_group(recorder: WriteRecorder) -> list:
    groups = every_item(
        lambda p: recorder.client.groups_index(sort="name", order="asc", page=p, limit=PAGE_LIMIT)
    )
    recorder.memo.remember_groups(groups)
    return groups


def _read_memberships(recorder: WriteRecorder, items: int, groups=None) -> None:
    """Read every group's members when that costs fewer calls than one groups/check per
    item; then each item's record before the write costs no read of its own. `groups`:
    every group, when read already."""
    client = recorder.client
    if groups is None:
        groups = _every_group(recorder)
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
        for group, group_members in pool.map(logs.carrying_context(members), groups):
            for contact in group_members:
                contacts.append(contact)
                by_phone.setdefault(contact.phone, []).append(
                    GroupMembership(contact.id, group.id, group.name)
                )
    recorder.memo.remember_contacts(contacts)
    recorder.memo.remember_memberships(by_phone, complete=True)


def _add_contact_items(job: Job, contacts) -> None:
    """The job's items: one a contact, found by the job itself."""
    JobItem.objects.bulk_create(
        [
            JobItem(
                job=job, position=position, label=contact.label[:255], payload={"id": contact.id}
            )
            for position, contact in enumerate(contacts)
        ],
        batch_size=1000,
    )


def _items_found(recorder: WriteRecorder, job: Job, chosen=list) -> None:
    """Contacts chosen by a search (not yet found): the items, `chosen` of those it finds."""
    query = job.params.get("query")
    if query is not None and not job.items.exists():
        found = every_item(
            lambda p: recorder.client.contacts_index(
                **ContactListQuery.search_params(query), page=p, limit=PAGE_LIMIT
            )
        )
        recorder.memo.remember_contacts(found)
        _add_contact_items(job, chosen(found))


def prepare_contacts(recorder: WriteRecorder, job: Job) -> None:
    """Contacts chosen by a search: every contact it finds becomes an item. Then the
    records before the writes are read in bulk."""
    _items_found(recorder, job)
    _read_memberships(recorder, job.items.filter(status=Status.PENDING).count())


def prepare_found_contacts(recorder: WriteRecorder, job: Job) -> None:
    """Contacts chosen by a search, for an action on their numbers: the first contact
    of each number the search finds becomes an item."""
    _items_found(recorder, job, one_per_number)


def one_per_number(contacts) -> list:
    """The first contact of each number: a number's blacklisting is one change however many
    contacts have it."""
    first = {}
    for contact in contacts:
        first.setdefault(contact.phone, contact)
    return list(first.values())


def prepare_group_merge(recorder: WriteRecorder, job: Job) -> None:
    """Merging groups: every member of the source group is an item."""
    if job.items.exists():
        _read_memberships(recorder, job.items.filter(status=Status.PENDING).count())
        return
    source_id = job.params["source_id"]
    members = every_item(
        lambda p: recorder.client.contacts_index(group_id=source_id, page=p, limit=PAGE_LIMIT)
    )
    recorder.memo.remember_contacts(members)
    _add_contact_items(job, members)
    _read_memberships(recorder, len(members))


def prepare_group_delete(recorder: WriteRecorder, job: Job) -> None:
    """Deleting groups: each deletion records who was in the group, with all their groups
    (to undo it). With members to record, read in bulk when that costs fewer calls than
    a groups/check a member."""
    members = job.params.get("members", 0)
    if members:
        _read_memberships(recorder, members)


def prepare_group_restore(recorder: WriteRecorder, job: Job) -> None:
    """Restoring a deleted group's contacts (its deletion undone; the group is there
    again): the groups that exist now, since a re-created contact goes back into those of
    its groups that do; and, for contacts to put back, every group's members in bulk."""
    groups = _every_group(recorder)
    existing = {group.id for group in groups}
    if job.params["new_group_id"] not in existing:
        raise JobStopped(
            _("The group “%(group)s” was deleted again meanwhile, so no contact was restored.")
            % {"group": job.params["group_name"]}
        )
    # Read by every item, for this run only (a retry reads them again).
    job.params["existing_group_ids"] = sorted(existing)
    if not job.params["deleted_with_it"]:
        _read_memberships(recorder, job.items.filter(status=Status.PENDING).count(), groups=groups)


def prepare_import(recorder: WriteRecorder, job: Job) -> None:
    """An import into a new group: the group made (with the rows, by the provider's bulk
    import, when it takes them all). An import into groups too large for its preview to
    check: each phone already in one of them, read now, so that its row is left out as the
    preview leaves out the rows it checks."""
    from ..imports import bulk
    from ..imports.csv_rows import phones_in_group

    if job.params.get("new_group"):
        bulk.make_new_group(recorder, job)

    in_groups: dict[str, list[str]] = {}
    for group_id, name in job.params.get("check_groups", {}).items():
        for phone in phones_in_group(recorder.client, int(group_id)):
            in_groups.setdefault(phone, []).append(name)
    # Read by every item, for this run only (a retry reads them again).
    job.params["phones_in_groups"] = in_groups


def prepare_undo(recorder: WriteRecorder, job: Job) -> None:
    """Undoing many changes of contacts (an import's, a bulk action's): when each is of a
    different contact, the records each undo checks are read in bulk, as the bulk actions
    read theirs (`_read_memberships`), so that an undo costs its write alone. The groups'
    own state is not kept: undoing a group's creation reads it then, emptied by the undos
    before it."""
    payloads = job.items.filter(status=Status.PENDING).values_list("payload", flat=True)
    entry_ids = [payload["entry_id"] for payload in payloads]
    targets = []
    from ..history import undo

    may_undo = undo.undoable_entries(recorder.user)
    for start in range(0, len(entry_ids), 1000):
        targets += may_undo.filter(
            pk__in=entry_ids[start : start + 1000], kind=HistoryEntry.CONTACT
        ).values_list("target_id", flat=True)
    if len(targets) < 2 or len(set(targets)) != len(targets):
        return  # one contact's changes in turn: each undo reads what the one before left
    groups = every_item(
        lambda p: recorder.client.groups_index(sort="name", order="asc", page=p, limit=PAGE_LIMIT)
    )
    _read_memberships(recorder, len(targets), groups=groups)


# --- What each item does ---------------------------------------------------------------


def _record(recorder: WriteRecorder, contact_id: int) -> dict:
    try:
        return recorder.memo.contact_record(contact_id)
    except NotFound:
        raise Skip(_("It was no longer there.")) from None


def _set_groups(recorder: WriteRecorder, record: dict, group_ids: set[int], unchanged: str):
    if group_ids == set(record["group_ids"]):
        raise Skip(unchanged)
    recorder.contacts_edit(record["id"], ContactData.from_record(record), sorted(group_ids))


def delete_contact(recorder, payload, params):
    _record(recorder, payload["id"])
    try:
        recorder.contacts_delete(payload["id"])
    except NotFound:
        # Deleted elsewhere since the records were read.
        raise Skip(_("It was no longer there.")) from None


def add_to_group(recorder, payload, params):
    record = _record(recorder, payload["id"])
    _set_groups(
        recorder,
        record,
        {*record["group_ids"], params["group_id"]},
        _("Already in “%(group)s”.") % {"group": params["group_name"]},
    )


def remove_from_group(recorder, payload, params):
    record = _record(recorder, payload["id"])
    _set_groups(
        recorder,
        record,
        set(record["group_ids"]) - {params["group_id"]},
        _("Not in “%(group)s”.") % {"group": params["group_name"]},
    )


def move_to_group(recorder, payload, params):
    """Out of the group the list was filtered by (or, with none, out of every group),
    into the chosen one."""
    record = _record(recorder, payload["id"])
    source = params.get("from_group_id")
    kept = set(record["group_ids"]) - {source} if source else set()
    _set_groups(
        recorder,
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


def _contact(recorder: WriteRecorder, contact_id: int):
    try:
        return recorder.memo.contact(contact_id)
    except NotFound:
        raise Skip(_("It was no longer there.")) from None


def _list_number(recorder: WriteRecorder, payload: dict, listed: bool) -> None:
    """The contact's number put on the blacklist (listed) or taken off it; Skip when it is
    so already (contacts may share a number)."""
    contact = _contact(recorder, payload["id"])
    if recorder.client.blacklist_check(contact.phone) == listed:
        raise Skip(
            _("Its number is on the blacklist already.")
            if listed
            else _("Its number is not on the blacklist.")
        )
    write = recorder.blacklist_add if listed else recorder.blacklist_delete
    write(contact.phone, contact.display_name)


def blacklist_number(recorder, payload, params):
    _list_number(recorder, payload, listed=True)


def unblacklist_number(recorder, payload, params):
    _list_number(recorder, payload, listed=False)


def merge_into_target(recorder, payload, params):
    record = _record(recorder, payload["id"])
    groups = set(record["group_ids"]) | {params["target_id"]}
    if provider.EDIT_ADDS_GROUPS not in recorder.knowledge:
        groups -= {params["source_id"]}
    # Else the API takes no contact out of a group: each is put in the target, and the
    # source group's deletion (finish_group_merge) takes them out of it.
    _set_groups(recorder, record, groups, _("Already moved."))


def import_contact(recorder, payload, params):
    data = ContactData(**payload["data"])
    if payload.get("blacklist") and not recorder.client.blacklist_check(data.phone):
        # First: a number whose owner asked not to be texted is listed before anything else
        # (and a retry of a row whose contact failed finds it listed).
        recorder.blacklist_add(data.phone, data.display_name)
    already_in = params.get("phones_in_groups", {}).get(payload["data"]["phone"])
    if already_in:
        raise Skip(
            _("Left out: the phone is in “%(groups)s” already.")
            % {"groups": "”, “".join(already_in)}
        )
    new_group = params.get("new_group_id")
    recorder.contacts_add(data, [new_group] if new_group else payload.get("group_ids", []))


def delete_group(recorder, payload, params):
    try:
        recorder.groups_delete(payload["id"], delete_contacts=payload.get("delete_contacts", False))
    except NotFound:
        raise Skip(_("It was no longer there.")) from None


def restore_member(recorder, payload, params):
    """One member of a deleted group, back: re-created, or put back in the group."""
    from ..history import undo

    try:
        return undo.restore_member(
            recorder,
            payload,
            deleted_with_it=params["deleted_with_it"],
            group_id_then=params["group_id_then"],
            new_group_id=params["new_group_id"],
            existing=set(params["existing_group_ids"]),
        )
    except undo.NotRestored as exc:
        raise Skip(exc.message) from None


def no_items(recorder, payload, params):
    raise AssertionError("This kind of job has no items.")


def undo_entry(recorder, payload, params):
    """Undo one recorded change (reading and writing the history: in_order_on_runner_thread)."""
    from ..history import undo

    entry = undo.undoable_entries(recorder.user).filter(pk=payload["entry_id"]).first()
    if entry is None:
        raise ItemFailed(_("Your role, or your API credentials, no longer let you undo this."))
    if not undo.undoable(entry):
        raise Skip(_("Undone already, or it cannot be undone."))
    try:
        return undo.perform(entry, recorder)
    except undo.UndoRefused as refused:
        raise ItemFailed(refused.message) from None


# --- Finishing ---------------------------------------------------------------------------


def _delete_source_of_members_all_moved(recorder: WriteRecorder, job: Job, source) -> None:
    """With an API that takes no contact out of a group, the source group still holds the
    members put in the target: it is deleted when it holds no one else."""
    moved = {item.payload["id"] for item in job.items.filter(status__in=DONE_OR_SKIPPED)}
    members = every_item(
        lambda p: recorder.client.contacts_index(group_id=source.id, page=p, limit=PAGE_LIMIT)
    )
    others = [member for member in members if member.id not in moved]
    if others:
        job.result = {
            "note": ngettext(
                "“%(group)s” was not deleted: %(count)s contact was added to it meanwhile.",
                "“%(group)s” was not deleted: %(count)s contacts were added to it meanwhile.",
                len(others),
            )
            % {"group": source.name, "count": len(others)}
        }
        return
    recorder.groups_delete(source.id, delete_contacts=False)
    job.result = {"note": _("“%(group)s” was deleted.") % {"group": source.name}}


def finish_group_merge(recorder: WriteRecorder, job: Job) -> None:
    """Delete the source group once it is empty; otherwise leave it and say why."""
    if job.items.filter(status__in=[Status.FAILED, Status.UNKNOWN, Status.CANCELLED]).exists():
        job.result = {
            "note": _("“%(group)s” was not deleted, since not every contact was moved.")
            % {"group": job.params["source_name"]}
        }
        return
    try:
        source = recorder.client.groups_view(job.params["source_id"])
    except NotFound:
        job.result = {
            "note": _("“%(group)s” was deleted meanwhile, elsewhere.")
            % {"group": job.params["source_name"]}
        }
        return
    recorder.memo.remember_groups([source])
    if source.count and provider.EDIT_ADDS_GROUPS in recorder.knowledge:
        _delete_source_of_members_all_moved(recorder, job, source)
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
    recorder.groups_delete(source.id, delete_contacts=False)
    job.result = {"note": _("“%(group)s” was deleted.") % {"group": source.name}}


def finish_scan(recorder: WriteRecorder, job: Job) -> None:
    from ..cleanup import detectors

    job.result = detectors.scan(recorder.client)


# --- The kinds -------------------------------------------------------------------------

KINDS: dict[str, JobKind] = {
    Kind.CONTACT_DELETE: JobKind(delete_contact, prepare=prepare_contacts),
    Kind.CONTACT_ADD_TO_GROUP: JobKind(add_to_group, prepare=prepare_contacts),
    Kind.CONTACT_REMOVE_FROM_GROUP: JobKind(remove_from_group, prepare=prepare_contacts),
    Kind.CONTACT_MOVE_TO_GROUP: JobKind(move_to_group, prepare=prepare_contacts),
    Kind.CONTACT_BLACKLIST_ADD: JobKind(blacklist_number, prepare=prepare_found_contacts),
    Kind.CONTACT_BLACKLIST_REMOVE: JobKind(unblacklist_number, prepare=prepare_found_contacts),
    Kind.CONTACT_IMPORT: JobKind(import_contact, prepare=prepare_import, adds_records=True),
    Kind.GROUP_DELETE: JobKind(delete_group, prepare=prepare_group_delete),
    Kind.GROUP_MERGE: JobKind(
        merge_into_target, prepare=prepare_group_merge, finish=finish_group_merge
    ),
    Kind.ACCOUNT_SCAN: JobKind(no_items, finish=finish_scan),
    Kind.HISTORY_UNDO: JobKind(undo_entry, prepare=prepare_undo, in_order_on_runner_thread=True),
    # A contact re-created by an item is looked for by its phone first, so an item whose
    # outcome is unknown is safe to retry (not adds_records).
    Kind.GROUP_RESTORE: JobKind(
        restore_member, prepare=prepare_group_restore, retry_takes_cancelled=True
    ),
}
