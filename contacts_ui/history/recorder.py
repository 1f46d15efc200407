"""The history of writes: recorded in one place, on the write path.

Every write of the address book goes through a WriteRecorder: it takes the record as
it is before the change from its ReadMemo (free when the caller has read it through the
memo or put it there, else read then), makes the call
with the service client, and writes one HistoryEntry with the outcome (done, failed,
or unknown when the request went out and no answer came). Reads do not go through it:
views and jobs read with the service client itself.

Each entry is saved before its call, as "outcome unknown", and settled after it: a
process killed while the call is out leaves an entry that says what is known.

What varies between a request and a background job is passed in, never copied: the
memo of what was read, the batch a bulk action's entries share, the entry an undo
undoes, and how an entry is saved (at once, or handed to the job runner's own thread,
since its item threads must not touch the database).
"""

import contextlib
from collections.abc import Callable

from django.db import connection
from django.utils.translation import gettext as _

from .. import group_list, provider
from ..models import HistoryEntry
from ..serwersms import (
    ContactData,
    ImportAnswer,
    InvalidData,
    NotApplied,
    SerwerSMSClient,
    SerwerSMSError,
    TransportError,
)
from .memo import ReadMemo
from .records import contact_record

Action = HistoryEntry.Action


def save_now(entry: HistoryEntry) -> None:
    """Save the entry; the write may have changed groups or their counts (even one that
    failed may have gone through), so every page reads the group list afresh."""
    entry.save()
    group_list.changed(entry.user)


def save_pending_now(entry: HistoryEntry) -> None:
    """Save the entry of a write about to go out ("outcome unknown"); nothing changed yet,
    so the group list is renewed once, when it is settled."""
    entry.save()


class WriteNotVerified(SerwerSMSError):
    """The write was answered as made, and reading it back to check it failed."""


def _outcome(error: SerwerSMSError) -> str:
    if isinstance(error, WriteNotVerified):
        return HistoryEntry.Outcome.UNKNOWN
    if isinstance(error, TransportError) and error.request_sent:
        return HistoryEntry.Outcome.UNKNOWN
    return HistoryEntry.Outcome.FAILED


class WriteRecorder:
    """The writes of the service client, each recorded in the user's history."""

    def __init__(
        self,
        client: SerwerSMSClient,
        user,
        *,
        memo: ReadMemo | None = None,
        batch=None,
        undo_of: HistoryEntry | None = None,
        save: Callable[[HistoryEntry], None] = save_now,
        save_pending: Callable[[HistoryEntry], None] = save_pending_now,
        knowledge: provider.Knowledge | None = None,
    ):
        self.client = client
        self._knowledge = knowledge
        self.user = user
        self.memo = memo if memo is not None else ReadMemo(client)
        # A bulk action records each of its items as an entry, all under one batch.
        self.batch = batch
        self.undo_of = undo_of
        self.save = save
        self.save_pending = save_pending

    def __repr__(self) -> str:
        return f"<WriteRecorder {self.client!r}>"

    @property
    def knowledge(self) -> provider.Knowledge:
        """What the API is known to refuse or not do, and what these writes teach of it;
        read from the database when a write first needs it (a page that only reads
        through the recorder's memo never does)."""
        if self._knowledge is None:
            self._knowledge = provider.Knowledge.of(self.client.base_url)
        return self._knowledge

    def undoing(self, entry: HistoryEntry) -> "WriteRecorder":
        """A recorder for the writes that undo `entry`: the same client, memo and saving,
        each write pointing at the entry it undoes (and in no batch of its own)."""
        return WriteRecorder(
            self.client,
            self.user,
            memo=self.memo,
            undo_of=entry,
            save=self.save,
            save_pending=self.save_pending,
            knowledge=self.knowledge,
        )

    @contextlib.contextmanager
    def _recording(self, action, *, name: str, phone: str = "", target_id=None, before, after):
        entry = HistoryEntry(
            user=self.user,
            username=self.user.get_username(),
            action=action,
            outcome=HistoryEntry.Outcome.DONE,
            target_id=target_id,
            target_name=name[:255],
            phone=phone[:32],
            before=before,
            after=after,
            undo_of=self.undo_of,
            batch=self.batch,
        )
        # Written before the call, as "outcome unknown", and settled after it: a process
        # killed while the call is out leaves an entry that says what is known.
        entry.outcome = HistoryEntry.Outcome.UNKNOWN
        self.save_pending(entry)
        try:
            yield entry
        except SerwerSMSError as error:
            entry.outcome = _outcome(error)
            entry.error = error.message
            self.save(entry)
            raise
        entry.outcome = HistoryEntry.Outcome.DONE
        self.save(entry)

    def contacts_add(self, contact: ContactData, group_ids: list[int]) -> int:
        after = contact_record(None, contact, group_ids, self.memo.group_names())
        if not group_ids:
            self.knowledge.refuse_adding_in_no_group(contact.display_name)
        try:
            with self._recording(
                Action.CONTACT_ADD,
                name=contact.display_name,
                phone=contact.phone,
                before=None,
                after=after,
            ) as entry:
                entry.target_id = after["id"] = self.client.contacts_add(contact, group_ids)
        except InvalidData as exc:
            if not group_ids and provider.refused_for_want_of_a_group(exc):
                raise self.knowledge.refused_adding_in_no_group(contact.display_name, exc) from exc
            raise
        return entry.target_id

    def contacts_edit(self, id: int, contact: ContactData, group_ids: list[int]) -> int:
        before = self.memo.contact_record(id)
        after = contact_record(id, contact, group_ids, self.memo.group_names())
        left = set(before["group_ids"]) - set(group_ids)
        if left:
            self.knowledge.refuse_leaving_a_group(contact.display_name)
            if not group_ids:
                self.knowledge.refuse_no_group_left(contact.display_name)
        try:
            with self._recording(
                Action.CONTACT_EDIT,
                name=contact.display_name,
                phone=contact.phone,
                target_id=id,
                before=before,
                after=after,
            ) as entry:
                written = self.client.contacts_edit(id, contact, group_ids)
                if left:
                    self._check_groups_left(entry, contact, left)
                return written
        except InvalidData as exc:
            if left and not group_ids and provider.refused_for_want_of_a_group(exc):
                raise self.knowledge.refused_no_group_left(contact.display_name, exc) from exc
            raise

    def _check_groups_left(self, entry: HistoryEntry, contact: ContactData, left: set[int]):
        """Leaving a group decides who gets its messages: read it back, never assume it.
        The entry's "after" is what the API holds; NotApplied when it kept a group."""
        try:
            memberships = self.client.groups_check(contact.phone)
        except SerwerSMSError as exc:
            raise WriteNotVerified(
                _(
                    "SerwerSMS answered that the change was saved, but it could not be read "
                    "back to see that “%(name)s” left the group: %(reason)s"
                )
                % {"name": contact.display_name, "reason": exc.message}
            ) from exc
        held = [m for m in memberships if m.contact_id == entry.target_id]
        names = {**self.memo.group_names(), **{m.group_id: m.group_name for m in held}}
        entry.after = contact_record(entry.target_id, contact, [m.group_id for m in held], names)
        kept = [m.group_name for m in held if m.group_id in left]
        if kept:
            error = NotApplied(
                _(
                    "SerwerSMS answered that the change was saved, but “%(name)s” is still in "
                    "“%(groups)s”: the API did not take the contact out of that group. Its other "
                    "changes may have been saved; see its page."
                )
                % {"name": contact.display_name, "groups": "”, “".join(kept)}
            )
            self.knowledge.learn(provider.EDIT_ADDS_GROUPS, error.message)
            raise error

    def contacts_delete(self, id: int) -> None:
        before = self.memo.contact_record(id)
        with self._recording(
            Action.CONTACT_DELETE,
            name=ContactData.from_record(before).display_name,
            phone=before["phone"],
            target_id=id,
            before=before,
            after=None,
        ):
            self.client.contacts_delete(id)

    def groups_add(self, name: str) -> int:
        after = {"id": None, "name": name}
        with self._recording(Action.GROUP_ADD, name=name, before=None, after=after) as entry:
            entry.target_id = after["id"] = self.client.groups_add(name)
        return entry.target_id

    def groups_edit(self, id: int, name: str) -> int:
        before = self.memo.group_record(id)
        with self._recording(
            Action.GROUP_EDIT,
            name=name,
            target_id=id,
            before=before,
            after={**before, "name": name},
        ):
            return self.client.groups_edit(id, name)

    def groups_delete(self, id: int, delete_contacts: bool = False) -> None:
        before = {
            **self.memo.group_record(id),
            "delete_contacts": delete_contacts,
            # Who was in it: to put them back in the group, or (when they went
            # with it) to re-create them, should the deletion be undone.
            "members": self.memo.member_records(id),
        }
        with self._recording(
            Action.GROUP_DELETE, name=before["name"], target_id=id, before=before, after=None
        ):
            self.client.groups_delete(id, delete_contacts=delete_contacts)

    def contacts_import(self, group_name: str, group_id: int | None = None) -> "ImportRecording":
        """The provider's bulk import (contacts/import) into a new group of that name, or
        (its group made already) into that group, recorded row by row."""
        return ImportRecording(self, group_name, group_id)

    def blacklist_add(self, phone: str, name: str = "") -> None:
        """Put the number on the blacklist; `name`, the contact it is of, if any. Read back:
        a number the person was told is listed must be."""
        self._blacklist_write(Action.BLACKLIST_ADD, phone, name, listed=True)

    def blacklist_delete(self, phone: str, name: str = "") -> None:
        """Take the number off the blacklist. Read back, as adding is."""
        self._blacklist_write(Action.BLACKLIST_DELETE, phone, name, listed=False)

    def _blacklist_write(self, action, phone: str, name: str, *, listed: bool) -> None:
        write = self.client.blacklist_add if listed else self.client.blacklist_delete
        with self._recording(
            action,
            name=name or phone,
            phone=phone,
            before={"phone": phone, "listed": not listed},
            after={"phone": phone, "listed": listed},
        ):
            write(phone)
            try:
                now = self.client.blacklist_check(phone)
            except SerwerSMSError as exc:
                raise WriteNotVerified(
                    _(
                        "SerwerSMS answered that the blacklist was changed, but it could not be "
                        "read back to see that %(phone)s is listed as asked: %(reason)s"
                    )
                    % {"phone": phone, "reason": exc.message}
                ) from exc
            if now != listed:
                raise NotApplied(
                    _(
                        "SerwerSMS answered that %(phone)s was put on the blacklist, but it is "
                        "not listed. Nothing changed; try again, or add it in the SerwerSMS "
                        "panel."
                    )
                    % {"phone": phone}
                    if listed
                    else _(
                        "SerwerSMS answered that %(phone)s was taken off the blacklist, but it "
                        "is still listed. Try again, or take it off in the SerwerSMS panel."
                    )
                    % {"phone": phone}
                )


class ImportRecording:
    """The history of one import into a new group by the provider's bulk import
    (contacts/import): an entry for the group it makes, and one for each row, all saved as
    "outcome unknown" before the call that first sends them, as every write's entry is.
    The call's answer counts rows and names none, so the rows' entries are settled only
    from what the group holds when it is read back (`settle`), never from the counts.

    Many entries at once are saved in bulk, on the thread that owns the database (a job's
    prepare step, or a request): never from a job's item threads."""

    def __init__(self, recorder: WriteRecorder, group_name: str, group_id: int | None = None):
        self.recorder = recorder
        self.client = recorder.client
        self.group_name = group_name
        self.group_id = group_id
        self.group_entry: HistoryEntry | None = None
        # Each row's entry, by the caller's key for the row (a job item's id).
        self.entries: dict[object, HistoryEntry] = {}
        self.data: dict[object, ContactData] = {}

    def _entry(self, action, **fields) -> HistoryEntry:
        recorder = self.recorder
        entry = HistoryEntry(
            user=recorder.user,
            username=recorder.user.get_username(),
            action=action,
            kind=action.split("_", 1)[0],
            outcome=HistoryEntry.Outcome.UNKNOWN,
            undo_of=recorder.undo_of,
            batch=recorder.batch,
            **fields,
        )
        return entry

    def send(self, rows: list[tuple[object, ContactData]]) -> ImportAnswer:
        """One contacts/import call of these rows (key, contact). The entries of rows not
        sent before (and, before the first call, of the group) are saved first."""
        group_ids = [self.group_id] if self.group_id else []
        names = {self.group_id: self.group_name} if self.group_id else {}
        new = []
        if self.group_id is None and self.group_entry is None:
            self.group_entry = self._entry(
                Action.GROUP_ADD,
                target_name=self.group_name[:255],
                after={"id": None, "name": self.group_name},
            )
            new.append(self.group_entry)
        for key, contact in rows:
            if key in self.entries:
                continue
            self.data[key] = contact
            self.entries[key] = self._entry(
                Action.CONTACT_ADD,
                target_name=contact.display_name[:255],
                phone=contact.phone[:32],
                after=contact_record(None, contact, group_ids, names),
            )
            new.append(self.entries[key])
        HistoryEntry.objects.bulk_create(new, batch_size=500)
        answer = self.client.contacts_import(self.group_name, [contact for _key, contact in rows])
        if self.group_id is None:
            self.group_made(answer.group_id)
        return answer

    def group_made(self, group_id: int) -> None:
        """The group the first call made (or, its answer lost, found by its name)."""
        self.group_id = group_id
        if self.group_entry is not None:
            self.group_entry.target_id = group_id
            self.group_entry.after = {"id": group_id, "name": self.group_name}
            self.group_entry.outcome = HistoryEntry.Outcome.DONE
            self.group_entry.save(update_fields=["target_id", "after", "outcome"])

    def group_not_made(self, reason: str) -> None:
        """No call made the group (each was refused, or none was answered and no group has
        its name)."""
        if self.group_entry is not None and self.group_entry.target_id is None:
            self.group_entry.outcome = HistoryEntry.Outcome.FAILED
            self.group_entry.error = reason
            self.group_entry.save(update_fields=["outcome", "error"])

    def another_group_made(self, group_id: int) -> None:
        """A later call made a group of its own under the same name (an API that makes one
        with each call): recorded as made, since it was."""
        entry = self._entry(
            Action.GROUP_ADD,
            target_id=group_id,
            target_name=self.group_name[:255],
            after={"id": group_id, "name": self.group_name},
        )
        entry.outcome = HistoryEntry.Outcome.DONE
        entry.save()

    def settle(self, found: dict, errors: dict, unknown: str = "") -> None:
        """Each row's entry, from the groups as read back: `found` maps a row's key to the
        contact made of it and its group (done); `errors`, a row not found to why (failed).
        With `unknown`, every row not settled yet stays "outcome unknown", saying why."""
        made = []
        by_error: dict[str, list[int]] = {}
        for key, entry in self.entries.items():
            if key in found:
                contact, group_id = found[key]
                entry.outcome = HistoryEntry.Outcome.DONE
                entry.target_id = contact.id
                entry.after = contact_record(
                    contact.id, contact.data, [group_id], {group_id: self.group_name}
                )
                made.append(entry)
            elif key in errors:
                entry.outcome = HistoryEntry.Outcome.FAILED
                entry.error = errors[key]
                by_error.setdefault(entry.error, []).append(entry.pk)
            elif unknown and entry.outcome == HistoryEntry.Outcome.UNKNOWN:
                entry.error = unknown
                by_error.setdefault(unknown, []).append(entry.pk)
        # What is the same for many rows goes in one UPDATE each; a contact's id and record
        # are its own (bulk_update: one statement a few hundred rows).
        entries = HistoryEntry.objects.filter(user=self.recorder.user)
        for error, pks in by_error.items():
            outcome = (
                HistoryEntry.Outcome.UNKNOWN if error == unknown else HistoryEntry.Outcome.FAILED
            )
            for part in _parts(pks):
                entries.filter(pk__in=part).update(outcome=outcome, error=error)
        for part in _parts([entry.pk for entry in made]):
            entries.filter(pk__in=part).update(outcome=HistoryEntry.Outcome.DONE)
        _save_made(made)
        group_list.changed(self.recorder.user)


def _save_made(entries: list[HistoryEntry]) -> None:
    """Each entry's own contact id and record: one UPDATE a row, sent as one batch
    (executemany). bulk_update's CASE expressions cost seconds of CPU at 10,000 rows."""
    after = HistoryEntry._meta.get_field("after")
    quote = connection.ops.quote_name
    # Only the model's own table and column names are formatted in; the values are parameters.
    sql = (
        f"UPDATE {quote(HistoryEntry._meta.db_table)} "  # noqa: S608
        f"SET {quote('target_id')} = %s, {quote('after')} = %s WHERE {quote('id')} = %s"
    )
    rows = [
        (entry.target_id, after.get_db_prep_save(entry.after, connection), entry.pk)
        for entry in entries
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _parts(values: list, size: int = 1000):
    """The values a thousand at a time: an IN list each statement can take (SQLite counts
    its parameters)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def record_credentials_change(user, before: dict | None, after: dict) -> HistoryEntry:
    """A change of a user's API credentials: the sign-in method and username, never the secret."""
    allowed = ("auth_style", "username")
    return HistoryEntry.objects.create(
        user=user,
        username=user.get_username(),
        action=Action.CREDENTIALS_CHANGE,
        outcome=HistoryEntry.Outcome.DONE,
        target_name=_("API credentials of %(user)s") % {"user": user.get_username()},
        before={key: before[key] for key in allowed} if before else None,
        after={key: after[key] for key in allowed},
    )
