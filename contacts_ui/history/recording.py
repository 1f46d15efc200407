"""The history of writes: recorded in one place, on the write path.

Views get a `RecordingClient` (see views.shared.api_client_required) instead of the
service module's client. It passes reads through, remembering what they returned,
and wraps every write: it takes the record as it is before the change, makes the
call, and writes one HistoryEntry with the outcome (done, failed, or unknown when
the request went out and no answer came). No view can forget to record.
"""

import collections
import contextlib
from dataclasses import asdict

from django.utils.translation import gettext as _

from .. import group_list
from ..models import HistoryEntry
from ..serwersms import (
    CONTACT_FIELDS,
    PAGE_LIMIT,
    Contact,
    ContactData,
    Group,
    GroupMembership,
    SerwerSMSClient,
    SerwerSMSError,
    TransportError,
)

Action = HistoryEntry.Action


def contact_record(contact_id, data: ContactData, group_ids, group_names=None) -> dict:
    """A contact as the history keeps it: every writable field, its groups, its id."""
    ids = sorted({int(group_id) for group_id in group_ids})
    names = group_names or {}
    return {
        "id": contact_id,
        **asdict(data),
        "group_ids": ids,
        "group_names": {str(i): names[i] for i in ids if i in names},
    }


def contact_name(record: dict) -> str:
    """How a contact is named in the history and in messages: its name, or its phone."""
    name = " ".join(filter(None, [record.get("first_name"), record.get("last_name")]))
    return name or record.get("phone", "")


def _outcome(error: SerwerSMSError) -> str:
    if isinstance(error, TransportError) and error.request_sent:
        return HistoryEntry.Outcome.UNKNOWN
    return HistoryEntry.Outcome.FAILED


class RecordingClient:
    """A SerwerSMSClient whose writes are recorded in the history, for one user's request."""

    def __init__(
        self,
        client: SerwerSMSClient,
        user,
        undo_of: HistoryEntry | None = None,
        batch=None,
        defer_saves: bool = False,
        cached_groups: group_list.CachedGroupList | None = None,
    ):
        self._client = client
        self.user = user
        # The user's cached group list (views have one; a job reads afresh).
        self.cached_groups = cached_groups
        self.undo_of = undo_of
        # A bulk action records each of its items as an entry, all under one batch.
        self.batch = batch
        # What this request has read already, so that taking the record before a
        # write costs no second call when the view has just read it.
        self._contacts: dict[int, Contact] = {}
        self._memberships: dict[str, list[GroupMembership]] = {}
        self._groups: dict[int, Group] = {}
        self._names: dict[int, str] | None = None
        # Group names from the cached group list: names only, never a group's state.
        self._listed_names: dict[int, str] = {}
        # Set when every group's members were read: a phone missing from
        # _memberships then belongs to contacts in no group.
        self._memberships_complete = False
        # With defer_saves (the job runner's threads, which must not touch the
        # database), entries wait here for the runner to save them.
        self.unsaved: collections.deque[HistoryEntry] | None = (
            collections.deque() if defer_saves else None
        )

    def __repr__(self) -> str:
        return f"<RecordingClient {self._client!r}>"

    def undoing(self, entry: HistoryEntry) -> "RecordingClient":
        """The same client (and what it has read), recording its writes as the undo of `entry`."""
        client = RecordingClient(
            self._client, self.user, undo_of=entry, cached_groups=self.cached_groups
        )
        client._contacts, client._memberships, client._groups, client._memberships_complete = (
            self._contacts,
            self._memberships,
            self._groups,
            self._memberships_complete,
        )
        client._listed_names = self._listed_names
        return client

    def remember(self, contacts=(), memberships=None) -> None:
        """Take records read in bulk (a job reads whole pages), so that the record
        before each write costs no call of its own. `memberships` maps each phone to
        its groups/check answer, and must then cover every contact in any group."""
        self._contacts.update({contact.id: contact for contact in contacts})
        if memberships is not None:
            self._memberships.update(memberships)
            self._memberships_complete = True
            self._names = None

    # --- Reads: passed through, remembered -------------------------------------------

    def groups_index(self, *args, **kwargs):
        page = self._client.groups_index(*args, **kwargs)
        self._groups.update({group.id: group for group in page.items})
        self._name_groups((group.id, group.name) for group in page.items)
        return page

    def listed_groups(self) -> list[Group] | None:
        """The cached group list (see group_list), or None when it must be read."""
        groups = self.cached_groups.get() if self.cached_groups is not None else None
        if groups is not None:
            # Names for the history; not taken as a group's state before a change,
            # which is read afresh (group_now).
            self._listed_names.update((group.id, group.name) for group in groups)
            self._name_groups((group.id, group.name) for group in groups)
        return groups

    def all_groups(self) -> list[Group]:
        """Every group (up to PAGE_LIMIT) by name, for the filter sidebar and the group
        pickers: the cached list when there is one, else read and cached."""
        groups = self.listed_groups()
        return groups if groups is not None else self.read_all_groups()

    def read_all_groups(self) -> list[Group]:
        """Every group (up to PAGE_LIMIT) by name, read from the API, then cached."""
        groups = self.groups_index(sort="name", order="asc", limit=PAGE_LIMIT).items
        if self.cached_groups is not None:
            self.cached_groups.put(groups)
        return groups

    def groups_view(self, id: int) -> Group:
        group = self._client.groups_view(id)
        self._groups[group.id] = group
        self._name_groups([(group.id, group.name)])
        return group

    def groups_check(self, phone: str) -> list[GroupMembership]:
        memberships = self._client.groups_check(phone)
        self._memberships[phone] = memberships
        self._name_groups((m.group_id, m.group_name) for m in memberships)
        return memberships

    def contacts_index(self, *args, **kwargs):
        return self._client.contacts_index(*args, **kwargs)

    def contacts_view(self, id: int) -> Contact:
        contact = self._client.contacts_view(id)
        self._contacts[contact.id] = contact
        return contact

    # --- The records before a change ---------------------------------------------------

    def _name_groups(self, names) -> None:
        if self._names is not None:
            self._names.update(names)

    def _group_names(self) -> dict[int, str]:
        # Built once for what has been read (a job remembers thousands of memberships,
        # and every record before a write asks for the names).
        if self._names is None:
            names = dict(self._listed_names)
            names.update({group.id: group.name for group in self._groups.values()})
            for memberships in self._memberships.values():
                names.update({m.group_id: m.group_name for m in memberships})
            self._names = names
        return self._names

    def contact_now(self, contact_id: int) -> dict:
        """The contact as the history records it: fields, groups, id (read once a request)."""
        contact = self._contacts.get(contact_id) or self.contacts_view(contact_id)
        memberships = self._memberships.get(contact.phone)
        if memberships is None and self._memberships_complete:
            memberships = []
        if memberships is None:
            memberships = self.groups_check(contact.phone)
        group_ids = [m.group_id for m in memberships if m.contact_id == contact.id]
        return contact_record(contact.id, contact.data, group_ids, self._group_names())

    def group_now(self, group_id: int) -> dict:
        """The group as the history records it: id, name, contact count (read once a request)."""
        group = self._groups.get(group_id) or self.groups_view(group_id)
        return {"id": group.id, "name": group.name, "count": group.count}

    def _members(self, group_id: int) -> list[dict]:
        """Every contact in the group, each with all its groups: what undoing its deletion needs."""
        members, page_number = [], 1
        while True:
            # The API's own order (newest first) pages steadily while nothing changes.
            page = self._client.contacts_index(
                group_id=group_id, page=page_number, limit=PAGE_LIMIT
            )
            for contact in page.items:
                self._contacts[contact.id] = contact
                members.append(self.contact_now(contact.id))
            if not page.has_next:
                return members
            page_number += 1

    # --- Writes: recorded ---------------------------------------------------------------

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
        try:
            yield entry
        except SerwerSMSError as error:
            entry.outcome = _outcome(error)
            entry.error = error.message
            self._save(entry)
            raise
        self._save(entry)

    def _save(self, entry: HistoryEntry) -> None:
        if self.unsaved is None:
            entry.save()
            # The write may have changed groups or their counts (even one that failed
            # may have gone through): the group list is read afresh.
            if self.cached_groups is not None:
                self.cached_groups.changed()
            else:
                group_list.changed(self.user)
        else:
            # The job runner saves these, and moves the group list on (jobs._save_entries).
            self.unsaved.append(entry)

    def contacts_add(self, contact: ContactData, group_ids: list[int]) -> int:
        after = contact_record(None, contact, group_ids, self._group_names())
        with self._recording(
            Action.CONTACT_ADD,
            name=contact_name(after),
            phone=contact.phone,
            before=None,
            after=after,
        ) as entry:
            entry.target_id = after["id"] = self._client.contacts_add(contact, group_ids)
        return entry.target_id

    def contacts_edit(self, id: int, contact: ContactData, group_ids: list[int]) -> int:
        before = self.contact_now(id)
        after = contact_record(id, contact, group_ids, self._group_names())
        with self._recording(
            Action.CONTACT_EDIT,
            name=contact_name(after),
            phone=contact.phone,
            target_id=id,
            before=before,
            after=after,
        ):
            return self._client.contacts_edit(id, contact, group_ids)

    def contacts_delete(self, id: int) -> None:
        before = self.contact_now(id)
        with self._recording(
            Action.CONTACT_DELETE,
            name=contact_name(before),
            phone=before["phone"],
            target_id=id,
            before=before,
            after=None,
        ):
            self._client.contacts_delete(id)

    def groups_add(self, name: str) -> int:
        after = {"id": None, "name": name}
        with self._recording(Action.GROUP_ADD, name=name, before=None, after=after) as entry:
            entry.target_id = after["id"] = self._client.groups_add(name)
        return entry.target_id

    def groups_edit(self, id: int, name: str) -> int:
        before = self.group_now(id)
        with self._recording(
            Action.GROUP_EDIT,
            name=name,
            target_id=id,
            before=before,
            after={**before, "name": name},
        ):
            return self._client.groups_edit(id, name)

    def groups_delete(self, id: int, delete_contacts: bool = False) -> None:
        before = {
            **self.group_now(id),
            "delete_contacts": delete_contacts,
            # Who was in it: to put them back in the group, or (when they went
            # with it) to re-create them, should the deletion be undone.
            "members": self._members(id),
        }
        with self._recording(
            Action.GROUP_DELETE, name=before["name"], target_id=id, before=before, after=None
        ):
            self._client.groups_delete(id, delete_contacts=delete_contacts)


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


def field_label(kind: str, field: str) -> str:
    """A recorded field's name as the forms show it."""
    from ..forms import ContactForm, CredentialsForm

    if kind == HistoryEntry.CREDENTIALS:
        return str(CredentialsForm.base_fields[field].label)
    if kind == HistoryEntry.GROUP:
        return _("Contacts") if field == "count" else _("Name")
    if field == "group_ids":
        return str(ContactForm.base_fields["group_id"].label)
    return str(ContactForm.base_fields[field].label)


def field_changes(entry: HistoryEntry) -> list[tuple[str, object, object]]:
    """What a change did, field by field: (field, old value, new value), changed fields only."""
    before, after = entry.before or {}, entry.after or {}
    fields = [*CONTACT_FIELDS, "group_ids"] if entry.kind == HistoryEntry.CONTACT else ["name"]
    if entry.kind == HistoryEntry.CREDENTIALS:
        fields = ["auth_style", "username"]
    return differing(before, after, fields)


def differing(old: dict, new: dict, fields) -> list[tuple[str, object, object]]:
    """The fields whose values differ between two records: (field, old value, new value)."""
    return [
        (name, old.get(name), new.get(name)) for name in fields if old.get(name) != new.get(name)
    ]
