"""No lost update: a contact's change form carries the record as it was shown, and a save
compares it with the record read just before sending.

The API has no version field, so the record itself is the fingerprint: `shown` signs it
into the form (signed so that it reads back as it was written; it holds nothing the page
does not show). When someone else changed the contact meanwhile, `merge` sets, field by
field, what was there when the form was opened, what is there now, and what the person
typed: a field only one side changed takes that side's value; a field both changed is a
conflict, which the person settles (keep what they typed, or take what is there now).
The groups merge as sets: what the person added or took out is applied to the groups the
contact is in now. Nothing is sent until the person confirms the merged form.

A contact's deletion checks the same: its confirmation page carries the record it showed,
and a list's row (deleted in place) a fingerprint of the fields it was read with.
"""

import hashlib
import json
from dataclasses import dataclass

from django.core import signing

from .serwersms import CONTACT_FIELDS

SALT = "contacts_ui.conflicts.shown"
MINE, THEIRS = "mine", "theirs"
CHOICES = (MINE, THEIRS)


def comparable(record: dict) -> dict:
    """The part of a contact record a form changes: its fields and groups."""
    return {
        **{name: str(record.get(name) or "") for name in CONTACT_FIELDS},
        "group_ids": sorted({int(group_id) for group_id in record.get("group_ids", [])}),
    }


def shown(record: dict) -> str:
    """The record as the form shows it, for the form to carry."""
    return signing.dumps(comparable(record), salt=SALT, compress=True)


def as_shown(value: str) -> dict | None:
    """The record a form was shown with; None when the form carries none (or a forged one)."""
    try:
        record = signing.loads(value or "", salt=SALT)
    except signing.BadSignature:
        return None
    return record if isinstance(record, dict) else None


def fields_fingerprint(contact) -> str:
    """A short fingerprint of a contact's fields (not its groups), for a list's row, which
    shows no more than one of its groups. Unsigned: a forged one only fails its own check."""
    fields = {name: str(getattr(contact, name) or "") for name in CONTACT_FIELDS}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class FieldMerge:
    name: str
    opened: str
    now: str
    typed: str

    @property
    def conflict(self) -> bool:
        """Both sides changed it, each otherwise."""
        return self.typed != self.opened and self.now != self.opened and self.typed != self.now

    @property
    def merged(self) -> str:
        """The value taken when the person does not have to choose (theirs if only they
        changed it); for a conflict, what the person typed until they choose."""
        return self.now if self.typed == self.opened else self.typed


@dataclass(frozen=True)
class Merge:
    fields: list[FieldMerge]
    group_ids: list[int]
    groups_opened: list[int]
    groups_now: list[int]
    groups_typed: list[int]

    @property
    def conflicts(self) -> list[FieldMerge]:
        return [field for field in self.fields if field.conflict]


def merge(opened: dict, typed: dict, now: dict) -> Merge:
    opened, typed, now = comparable(opened), comparable(typed), comparable(now)
    fields = [FieldMerge(name, opened[name], now[name], typed[name]) for name in CONTACT_FIELDS]
    added = set(typed["group_ids"]) - set(opened["group_ids"])
    taken_out = set(opened["group_ids"]) - set(typed["group_ids"])
    group_ids = sorted((set(now["group_ids"]) | added) - taken_out)
    return Merge(fields, group_ids, opened["group_ids"], now["group_ids"], typed["group_ids"])
