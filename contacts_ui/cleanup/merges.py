"""How several duplicate contacts become one: read afresh, planned, then merged.

The plan is a pure function of the contacts as read just now (`read_contacts`); the
review page shows it, and the merge carries it out only while the contacts still match
what the page showed (`MergePlan.digest`).
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field

from ..history.memo import ReadMemo
from ..history.recorder import WriteRecorder
from ..serwersms import CONTACT_FIELDS, Contact, ContactData, NotFound, SerwerSMSError
from .detectors import email_key, group_key, phone_key

# --- Merging two contacts into one ---------------------------------------------------


def merged_data(keep: Contact, others: list[Contact]) -> ContactData:
    """The kept contact's fields, each empty one filled from the first other that has it."""
    values = {}
    for name in CONTACT_FIELDS:
        value = getattr(keep, name)
        if not value.strip():
            value = next((getattr(o, name) for o in others if getattr(o, name).strip()), value)
        values[name] = value
    return ContactData(**values)


def dropped_values(merged: ContactData, others: list[Contact]) -> list[tuple[Contact, str, str]]:
    """What the others hold that the merged contact will not: (contact, field, value)."""
    dropped = []
    for other in others:
        for name in CONTACT_FIELDS:
            value = getattr(other, name)
            if value.strip() and not _same(name, value, getattr(merged, name)):
                dropped.append((other, name, value))
    return dropped


def _same(name: str, a: str, b: str) -> bool:
    if name == "phone":
        return phone_key(a) == phone_key(b)
    if name == "email":
        return email_key(a) == email_key(b)
    return a.strip() == b.strip()


# --- Reading records afresh, and merging them -------------------------------------


@dataclass(frozen=True)
class FreshContact:
    """A contact as read just now: its fields (contacts/view) and groups (groups/check)."""

    contact: Contact
    # Group id to name.
    groups: dict[int, str]

    @property
    def id(self) -> int:
        return self.contact.id


def read_contacts(memo: ReadMemo, ids: list[int]) -> tuple[list[FreshContact], list[int]]:
    """The contacts with these ids, each with its groups, and the ids no longer there; read
    through the memo, so that recording the merge's writes reads nothing again. Any other
    failure is raised: a merge must not guess a contact's groups."""
    found, missing = [], []
    for contact_id in ids:
        try:
            contact = memo.contact(contact_id)
        except NotFound:
            missing.append(contact_id)
            continue
        groups = {
            m.group_id: m.group_name
            for m in memo.memberships_of(contact.phone)
            if m.contact_id == contact.id
        }
        found.append(FreshContact(contact, groups))
    return found, missing


@dataclass
class MergePlan:
    """What merging some contacts into one will do."""

    keep: FreshContact
    others: list[FreshContact]
    data: ContactData
    # The union of their groups: id to name.
    groups: dict[int, str]
    dropped: list[tuple[Contact, str, str]]

    def digest(self) -> str:
        """A fingerprint of the plan: the page that showed it posts it back, and a plan
        that has changed since (someone edited a contact) is shown again, not carried out."""
        plan = {
            "keep": self.keep.id,
            "contacts": [
                {**asdict(fresh.contact), "groups": sorted(fresh.groups)}
                for fresh in [self.keep, *self.others]
            ],
        }
        return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:32]


def merge_plan(found: list[FreshContact], keep_id: int) -> MergePlan:
    keep = next(fresh for fresh in found if fresh.id == keep_id)
    others = [fresh for fresh in found if fresh.id != keep_id]
    data = merged_data(keep.contact, [other.contact for other in others])
    groups = {}
    for fresh in [keep, *others]:
        groups.update(fresh.groups)
    return MergePlan(
        keep=keep,
        others=others,
        data=data,
        groups=dict(sorted(groups.items(), key=lambda item: group_key(item[1]))),
        dropped=dropped_values(data, [other.contact for other in others]),
    )


@dataclass
class MergeResult:
    # Why updating the kept contact failed (then nothing else was tried), or None.
    edit_error: SerwerSMSError | None = None
    deleted: list[Contact] = field(default_factory=list)
    not_deleted: list[tuple[Contact, SerwerSMSError]] = field(default_factory=list)


def merge_contacts(recorder: WriteRecorder, plan: MergePlan) -> MergeResult:
    """Write the merged record to the kept contact and, only if that worked, delete the
    others. Every write is in the history under the recorder's batch, to be undone as one."""
    assert recorder.batch is not None, "A merge is undone as one: its writes share a batch."
    result = MergeResult()
    try:
        recorder.contacts_edit(plan.keep.id, plan.data, list(plan.groups))
    except SerwerSMSError as exc:
        result.edit_error = exc
        return result
    for other in plan.others:
        try:
            recorder.contacts_delete(other.id)
        except SerwerSMSError as exc:
            result.not_deleted.append((other.contact, exc))
        else:
            result.deleted.append(other.contact)
    return result
