"""Undo: the way back from a change recorded in the history.

`describe` says what undoing an entry will do, `check` refuses (reading only) when
the target has changed since or already exists again, and `perform` makes the
writes through a WriteRecorder, so that an undo is itself recorded (each write
an entry of its own, pointing at the entry it undoes). Both read with the
recorder's client and memo, so that what `check` read costs `perform` nothing.
"""

import contextlib
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import roles
from ..models import ApiCredentials, HistoryEntry
from ..serwersms import (
    CONTACT_FIELDS,
    PAGE_LIMIT,
    ContactData,
    NotFound,
    SerwerSMSError,
    every_item,
)
from .recorder import WriteRecorder
from .records import differing

Action = HistoryEntry.Action
UNDOABLE = {
    Action.CONTACT_ADD,
    Action.CONTACT_EDIT,
    Action.CONTACT_DELETE,
    Action.GROUP_ADD,
    Action.GROUP_EDIT,
    Action.GROUP_DELETE,
    Action.BLACKLIST_ADD,
    Action.BLACKLIST_DELETE,
}
BLACKLIST_ACTIONS = {Action.BLACKLIST_ADD, Action.BLACKLIST_DELETE}
COMPARED_CONTACT_FIELDS = (*CONTACT_FIELDS, "group_ids")


class UndoRefused(Exception):
    """Undoing would overwrite or duplicate something; nothing was changed."""

    def __init__(self, message: str, differences: list[tuple[str, object, object]] = ()):
        # Each difference: (field, as the history expects it, as it is now).
        super().__init__(message)
        self.message = message
        self.differences = list(differences)


def undoable(entry: HistoryEntry) -> bool:
    """Whether the entry can be undone: a change of the address book that may have been
    made (done, or outcome unknown), whose target is known, not undone already."""
    return (
        entry.action in UNDOABLE
        and entry.outcome != HistoryEntry.Outcome.FAILED
        # A blacklist entry's target is its number.
        and (entry.target_id is not None or entry.action in BLACKLIST_ACTIONS)
        and not entry.undos.filter(outcome=HistoryEntry.Outcome.DONE).exists()
    )


def may_undo(user, entry: HistoryEntry) -> bool:
    """Whether this person's role lets them undo the entry (undoable_entries' rule)."""
    return undoable_entries(user).filter(pk=entry.pk).exists()


def undoable_entries(user):
    """The entries this person may undo: their own change with "undo their own changes" (an
    Editor's); a colleague's with "undo anyone's change" (a Manager's), and only while both
    hold the same API credentials: the undo goes out under the person's own, and another's
    may reach another SerwerSMS account."""
    own = HistoryEntry.objects.filter(user=user) if roles.may(user, roles.UNDO_OWN) else None
    if not roles.may(user, roles.UNDO_ANY):
        return own if own is not None else HistoryEntry.objects.none()
    key = ApiCredentials.objects.filter(user=user).values_list("account_key", flat=True).first()
    colleagues = (
        HistoryEntry.objects.filter(user__api_credentials__account_key=key).exclude(user=user)
        if key
        else HistoryEntry.objects.none()
    )
    return colleagues if own is None else own | colleagues


def refuse_unless_undoable(entry: HistoryEntry) -> None:
    """UndoRefused when the entry cannot be undone, or has been undone already."""
    if not undoable(entry):
        raise UndoRefused(_("This change cannot be undone (or has been undone already)."))


def describe(entry: HistoryEntry) -> str:
    """What undoing the entry will do, in a sentence or two."""
    name = entry.target_name
    before = entry.before or {}
    if entry.action == Action.CONTACT_ADD:
        return _("The contact “%(name)s” that was added will be deleted.") % {"name": name}
    if entry.action == Action.CONTACT_EDIT:
        return _(
            "The contact “%(name)s” gets back the values it had before the change, its groups "
            "included."
        ) % {"name": name}
    if entry.action == Action.CONTACT_DELETE:
        return _(
            "The contact “%(name)s” will be created again with the same fields, in the groups "
            "it was in (those that still exist). SerwerSMS gives it a new id."
        ) % {"name": name}
    if entry.action == Action.GROUP_ADD:
        return _("The group “%(name)s” that was added will be deleted.") % {"name": name}
    if entry.action == Action.BLACKLIST_ADD:
        return _("%(phone)s will be taken off the blacklist: it can get messages again.") % {
            "phone": entry.phone
        }
    if entry.action == Action.BLACKLIST_DELETE:
        return _("%(phone)s will be put back on the blacklist: it gets no messages.") % {
            "phone": entry.phone
        }
    if entry.action == Action.GROUP_EDIT:
        return _("The group will be renamed back from “%(new)s” to “%(old)s”.") % {
            "new": (entry.after or {}).get("name", ""),
            "old": before.get("name", ""),
        }
    count = len(before.get("members", []))
    if before.get("delete_contacts"):
        members = ngettext(
            "its %(count)s contact, deleted with it, will be created again (each with a new id)",
            "its %(count)s contacts, deleted with it, will be created again (each with a new id)",
            count,
        ) % {"count": count}
    else:
        members = ngettext(
            "its %(count)s contact will be put back in it",
            "its %(count)s contacts will be put back in it",
            count,
        ) % {"count": count}
    return _(
        "The group “%(name)s” will be created again (SerwerSMS gives it a new id), and %(members)s."
    ) % {"name": name, "members": members}


# --- Checks: reading only ------------------------------------------------------------


def _contact_with_phone(recorder: WriteRecorder, phone: str) -> dict | None:
    page = recorder.client.contacts_index(search=phone, limit=50)
    for contact in page.items:
        if contact.phone == phone:
            return recorder.memo.contact_record(contact.id)
    return None


def _group_named(recorder: WriteRecorder, name: str):
    found = every_item(
        lambda page: recorder.client.groups_index(search=name, page=page, limit=PAGE_LIMIT)
    )
    recorder.memo.remember_groups(found)
    return next((group for group in found if group.name == name), None)


def _changed_since(entry: HistoryEntry) -> str:
    return _("“%(name)s” has changed since, so undoing would overwrite that change.") % {
        "name": entry.target_name
    }


def check(entry: HistoryEntry, recorder: WriteRecorder) -> None:
    """Refuse (UndoRefused) when the target changed since or exists again. Reads only."""
    before, after = entry.before or {}, entry.after or {}
    if entry.action in (Action.CONTACT_ADD, Action.CONTACT_EDIT):
        try:
            now = recorder.memo.contact_record(entry.target_id)
        except NotFound:
            raise UndoRefused(
                _("The contact “%(name)s” no longer exists.") % {"name": entry.target_name}
            ) from None
        differences = differing(after, now, COMPARED_CONTACT_FIELDS)
        if differences:
            raise UndoRefused(_changed_since(entry), differences)
    elif entry.action == Action.CONTACT_DELETE:
        existing = _contact_with_phone(recorder, before["phone"])
        if existing is not None:
            raise UndoRefused(
                _("A contact with the phone %(phone)s exists again.") % {"phone": before["phone"]},
                differing(before, existing, COMPARED_CONTACT_FIELDS),
            )
    elif entry.action in (Action.GROUP_ADD, Action.GROUP_EDIT):
        try:
            now = recorder.memo.group_record(entry.target_id)
        except NotFound:
            raise UndoRefused(
                _("The group “%(name)s” no longer exists.") % {"name": entry.target_name}
            ) from None
        fields = ["name", "count"] if entry.action == Action.GROUP_ADD else ["name"]
        expected = {**after, "count": 0} if entry.action == Action.GROUP_ADD else after
        differences = differing(expected, now, fields)
        if differences:
            raise UndoRefused(_changed_since(entry), differences)
    elif entry.action in BLACKLIST_ACTIONS:
        listed = recorder.client.blacklist_check(entry.phone)
        if listed != after.get("listed"):
            raise UndoRefused(
                _("%(phone)s is no longer listed as this change left it: someone changed it since.")
                % {"phone": entry.phone},
                [("listed", after.get("listed"), listed)],
            )
    elif entry.action == Action.GROUP_DELETE:
        existing = _group_named(recorder, before["name"])
        if existing is not None:
            raise UndoRefused(
                _("A group named “%(name)s” exists again.") % {"name": before["name"]},
                [("name", before["name"], existing.name)],
            )


# --- Undoing ---------------------------------------------------------------------------


# An undo that started this long ago and never finished (its process was stopped) no
# longer keeps another from starting.
UNDO_CLAIM_EXPIRES = timedelta(minutes=10)


def _claim(entry: HistoryEntry) -> bool:
    """Mark the entry as being undone, unless an undo of it is under way already: one
    conditional update, so that of two requests at once only one gets it."""
    now = timezone.now()
    free = Q(undo_started_at=None) | Q(undo_started_at__lt=now - UNDO_CLAIM_EXPIRES)
    return bool(HistoryEntry.objects.filter(free, pk=entry.pk).update(undo_started_at=now))


def _release(entry: HistoryEntry) -> None:
    HistoryEntry.objects.filter(pk=entry.pk).update(undo_started_at=None)


@contextlib.contextmanager
def _claimed(entry: HistoryEntry, recorder: WriteRecorder):
    """Checked, then claimed for the block: of two undos of one entry at once, one goes
    on and the other is refused."""
    refuse_unless_undoable(entry)
    check(entry, recorder)
    if not _claim(entry):
        raise UndoRefused(
            _("“%(name)s” is being undone already, elsewhere; nothing was changed.")
            % {"name": entry.target_name}
        )
    try:
        # Undone meanwhile by a request that finished before this one claimed it.
        refuse_unless_undoable(entry)
        yield
    finally:
        _release(entry)


def perform(entry: HistoryEntry, recorder: WriteRecorder) -> str:
    """Check, then undo the entry; what was done, as a sentence. Raises UndoRefused, or the
    service module's errors when a write fails (each write is recorded either way). Of two
    undos of one entry at once, one writes and the other is refused."""
    with _claimed(entry, recorder):
        return _undo(entry, recorder)


def recreate_group(entry: HistoryEntry, recorder: WriteRecorder) -> int:
    """The first step of undoing a large group's deletion, checked and claimed as `perform`
    is: the group, created again; its id. Its members are restored by a job
    (Job.Kind.GROUP_RESTORE), each with `restore_member`. Once the group is there again,
    the entry counts as undone."""
    with _claimed(entry, recorder):
        writer = recorder.undoing(entry)
        return writer.groups_add(entry.before["name"])


def _undo(entry: HistoryEntry, recorder: WriteRecorder) -> str:
    writer = recorder.undoing(entry)
    before = entry.before or {}
    name = entry.target_name
    if entry.action == Action.CONTACT_ADD:
        writer.contacts_delete(entry.target_id)
        return _("The contact “%(name)s” was deleted again.") % {"name": name}
    if entry.action == Action.CONTACT_EDIT:
        writer.contacts_edit(entry.target_id, ContactData.from_record(before), before["group_ids"])
        return _("The contact “%(name)s” has its previous values back.") % {
            "name": ContactData.from_record(before).display_name
        }
    if entry.action == Action.CONTACT_DELETE:
        return _recreate_contact(writer, before, {}, _existing_group_ids(writer))
    if entry.action == Action.GROUP_ADD:
        writer.groups_delete(entry.target_id, delete_contacts=False)
        return _("The group “%(name)s” was deleted again.") % {"name": name}
    if entry.action == Action.GROUP_EDIT:
        writer.groups_edit(entry.target_id, before["name"])
        return _("The group is called “%(name)s” again.") % {"name": before["name"]}
    if entry.action == Action.BLACKLIST_ADD:
        writer.blacklist_delete(entry.phone, entry.target_name)
        return _("%(phone)s is off the blacklist again.") % {"phone": entry.phone}
    if entry.action == Action.BLACKLIST_DELETE:
        writer.blacklist_add(entry.phone, entry.target_name)
        return _("%(phone)s is on the blacklist again.") % {"phone": entry.phone}
    return _restore_group(writer, entry)


def _existing_group_ids(recorder: WriteRecorder) -> set[int]:
    groups = every_item(lambda page: recorder.client.groups_index(page=page, limit=PAGE_LIMIT))
    recorder.memo.remember_groups(groups)
    return {group.id for group in groups}


def _recreate_contact(
    writer: WriteRecorder, record: dict, group_map: dict[int, int], existing: set[int]
) -> str:
    """Create a deleted contact again, in those of its groups that exist (`existing`);
    group_map gives re-created groups' new ids."""
    group_ids, missing = [], []
    for group_id in record["group_ids"]:
        group_id = group_map.get(group_id, group_id)
        (group_ids if group_id in existing else missing).append(group_id)
    new_id = writer.contacts_add(ContactData.from_record(record), group_ids)
    text = _("The contact “%(name)s” was created again (its new id is %(id)s).") % {
        "name": ContactData.from_record(record).display_name,
        "id": new_id,
    }
    if missing:
        names = record.get("group_names", {})
        text += " " + _("These groups no longer exist, so it is not in them: %(groups)s.") % {
            "groups": ", ".join(names.get(str(i), str(i)) for i in missing)
        }
    return text


class NotRestored(Exception):
    """A member of a deleted group that needs no restoring, with a sentence saying why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def restore_member(
    writer: WriteRecorder,
    member: dict,
    *,
    deleted_with_it: bool,
    group_id_then: int,
    new_group_id: int,
    existing: set[int],
) -> str | None:
    """Restore one member of a deleted group (as its deletion recorded it): re-created if
    it went with the group, else put back in the group, created again as `new_group_id`.
    NotRestored when it is there again or gone; the service module's errors when a write
    fails. A sentence when there is more to say than that it was done."""
    if deleted_with_it:
        if _contact_with_phone(writer, member["phone"]) is not None:
            raise NotRestored(_("A contact with this phone exists again."))
        return _recreate_contact(writer, member, {group_id_then: new_group_id}, existing)
    try:
        now = writer.memo.contact_record(member["id"])
    except NotFound:
        raise NotRestored(_("It was no longer there.")) from None
    if new_group_id in now["group_ids"]:
        raise NotRestored(_("It is in the group already."))
    writer.contacts_edit(
        member["id"], ContactData.from_record(now), [*now["group_ids"], new_group_id]
    )
    return None


def _restore_group(writer: WriteRecorder, entry: HistoryEntry) -> str:
    """Create a deleted group again, then its contacts: re-created if they went with it,
    else put back in it. A contact that cannot be restored is skipped and named."""
    before = entry.before
    new_id = writer.groups_add(before["name"])
    existing = _existing_group_ids(writer) | {new_id}
    restored, skipped = 0, []
    for member in before.get("members", []):
        try:
            restore_member(
                writer,
                member,
                deleted_with_it=bool(before.get("delete_contacts")),
                group_id_then=before["id"],
                new_group_id=new_id,
                existing=existing,
            )
            restored += 1
        except (NotRestored, SerwerSMSError):
            # There again, gone meanwhile, or the write failed (recorded as such): say so, go on.
            skipped.append(ContactData.from_record(member).display_name)
    text = _("The group “%(name)s” was created again (its new id is %(id)s).") % {
        "name": before["name"],
        "id": new_id,
    }
    if before.get("members"):
        text += " " + ngettext(
            "%(count)s contact restored.", "%(count)s contacts restored.", restored
        ) % {"count": restored}
    if skipped:
        text += " " + _("Not restored (already there again, gone, or failed): %(names)s.") % {
            "names": ", ".join(skipped)
        }
    return text
