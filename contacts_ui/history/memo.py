"""What a request or a job has read already: the records before its writes, for free.

A write is recorded with the record as it was before (history.recorder). Taking that
record costs a read or two (contacts/view, groups/check), unless whoever is about to
write has read it already: a view that has just shown the contact, or a job that read
whole pages. They put what they read in a ReadMemo, explicitly (`remember_*`), or read
through it (`contact`, `memberships_of`, `group`); what it lacks it reads itself.

Group names taken from the cached group list name groups in records, and are never
taken as a group's state before a change (`group` reads that afresh).
"""

from ..serwersms import (
    PAGE_LIMIT,
    Contact,
    Group,
    GroupMembership,
    SerwerSMSClient,
    every_item,
)
from .records import contact_record, group_record


class ReadMemo:
    """Records read once, for one request or one job, by the client they were read with."""

    def __init__(self, client: SerwerSMSClient):
        self.client = client
        self._contacts: dict[int, Contact] = {}
        self._memberships: dict[str, list[GroupMembership]] = {}
        # Set when every group's members were read: a phone missing from _memberships
        # then belongs to contacts in no group.
        self._memberships_complete = False
        self._groups: dict[int, Group] = {}
        self._names: dict[int, str] = {}

    # --- What was read elsewhere ---------------------------------------------------------

    def remember_contacts(self, contacts) -> None:
        self._contacts.update({contact.id: contact for contact in contacts})

    def remember_memberships(self, by_phone: dict[str, list[GroupMembership]], *, complete: bool):
        """groups/check answers by phone; `complete` when they cover every contact in any
        group (a job read every group's members)."""
        self._memberships.update(by_phone)
        self._memberships_complete = self._memberships_complete or complete
        for memberships in by_phone.values():
            self._names.update((m.group_id, m.group_name) for m in memberships)

    def remember_groups(self, groups) -> None:
        """Groups as read just now: their state (the record before a change) and names."""
        for group in groups:
            self._groups[group.id] = group
            self._names[group.id] = group.name

    def remember_group_names(self, groups) -> None:
        """Groups from the cached list: their names only."""
        self._names.update((group.id, group.name) for group in groups)

    # --- Reading through the memo ----------------------------------------------------------

    def contact(self, contact_id: int) -> Contact:
        if contact_id not in self._contacts:
            self.remember_contacts([self.client.contacts_view(contact_id)])
        return self._contacts[contact_id]

    def memberships_of(self, phone: str) -> list[GroupMembership]:
        if phone not in self._memberships:
            if self._memberships_complete:
                return []
            self.remember_memberships({phone: self.client.groups_check(phone)}, complete=False)
        return self._memberships[phone]

    def group(self, group_id: int) -> Group:
        if group_id not in self._groups:
            self.remember_groups([self.client.groups_view(group_id)])
        return self._groups[group_id]

    # --- Records as the history keeps them -------------------------------------------------

    def group_names(self) -> dict[int, str]:
        return self._names

    def contact_record(self, contact_id: int) -> dict:
        """The contact as the history records it: fields, groups, id."""
        contact = self.contact(contact_id)
        memberships = self.memberships_of(contact.phone)
        group_ids = [m.group_id for m in memberships if m.contact_id == contact.id]
        return contact_record(contact.id, contact.data, group_ids, self._names)

    def group_record(self, group_id: int) -> dict:
        return group_record(self.group(group_id))

    def member_records(self, group_id: int) -> list[dict]:
        """Every contact in the group, each with all its groups: what undoing its deletion
        needs. The API's own order (newest first) pages steadily while nothing changes."""
        members = every_item(
            lambda page: self.client.contacts_index(group_id=group_id, page=page, limit=PAGE_LIMIT)
        )
        self.remember_contacts(members)
        return [self.contact_record(contact.id) for contact in members]
