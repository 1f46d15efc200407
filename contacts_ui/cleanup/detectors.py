"""What needs tidying in an account.

The detectors are pure functions over the service module's records (Group,
Contact): no calls, no database, so that they are tested on their own. `scan()`
reads the account page by page (a background job runs it: a large account is
many calls) and returns the findings as plain JSON for Job.result: ids, names,
phones, what the cleanup page shows; the review pages read the records afresh.
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django import forms

from .. import serwersms
from ..forms import normalise_phone
from ..serwersms import Contact, Group, every_item

# Items asked for per call; read on each call, so that tests can make it small.
PAGE_LIMIT = serwersms.PAGE_LIMIT
# Contacts in no group kept in the findings and listed on the page: the rest are on
# the contacts list filtered by "In no group".
UNGROUPED_LISTED = 500
# Bumped when the shape of the findings changes; the page asks for a new scan then.
FINDINGS_VERSION = 2


# --- Keys: when two values count as the same ---------------------------------------

# Letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O"})


def group_key(name: str) -> str:
    """A group's name as compared: no case, no diacritics (ł too), spaces collapsed."""
    text = unicodedata.normalize("NFKD", name.translate(_UNDECOMPOSED))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


def phone_key(phone: str) -> str:
    """A phone as compared: E.164 (the project's one normaliser), else its digits and +."""
    try:
        return normalise_phone(phone)
    except forms.ValidationError:
        # Not a number the normaliser accepts: compared as written, minus spacing.
        return "".join(char for char in phone if char.isdigit() or char == "+")


def email_key(email: str) -> str:
    return email.strip().casefold()


# --- Detectors ----------------------------------------------------------------------


def empty_groups(groups: list[Group]) -> list[Group]:
    """Groups with no contact."""
    return sorted((g for g in groups if g.count == 0), key=lambda g: (group_key(g.name), g.id))


def similar_groups(groups: list[Group]) -> list[list[Group]]:
    """Sets of groups whose names differ only by case, spacing or diacritics."""
    by_key: dict[str, list[Group]] = defaultdict(list)
    for group in groups:
        by_key[group_key(group.name)].append(group)
    return [
        sorted(found, key=lambda g: g.id) for key, found in sorted(by_key.items()) if len(found) > 1
    ]


@dataclass
class PhoneDuplicate:
    """One phone held by several contacts within one group (or several groups alike)."""

    phone: str
    contacts: list[Contact]
    groups: list[Group] = field(default_factory=list)


def phone_duplicates_in_groups(
    groups: list[Group], members: dict[int, list[Contact]]
) -> list[PhoneDuplicate]:
    """The same phone (as E.164) more than once in the same group. The same contacts
    doubled in several groups are one finding, naming every group."""
    found: dict[tuple[str, tuple[int, ...]], PhoneDuplicate] = {}
    for group in sorted(groups, key=lambda g: g.id):
        by_phone: dict[str, dict[int, Contact]] = defaultdict(dict)
        for contact in members.get(group.id, []):
            by_phone[phone_key(contact.phone)][contact.id] = contact
        for phone, contacts in by_phone.items():
            if len(contacts) < 2:
                continue
            ids = tuple(sorted(contacts))
            duplicate = found.setdefault(
                (phone, ids), PhoneDuplicate(phone, [contacts[i] for i in ids])
            )
            duplicate.groups.append(group)
    return sorted(found.values(), key=lambda d: (d.phone, [c.id for c in d.contacts]))


@dataclass
class PersonDuplicate:
    """Contacts that look like one person: they share a phone or an e-mail address."""

    contacts: list[Contact]
    # Which of "phone" and "email" they share.
    shared: list[str]


def person_duplicates(contacts: list[Contact], skip: list[set[int]] = ()) -> list[PersonDuplicate]:
    """Contacts (distinct records) linked by the same phone as E.164 or the same e-mail
    address, case aside; a chain (A shares the phone with B, B the e-mail with C) is one
    set. A set equal to one in `skip` (found within a group already) is left out."""
    unique = {contact.id: contact for contact in contacts}
    parent = {contact_id: contact_id for contact_id in unique}

    def root(contact_id: int) -> int:
        while parent[contact_id] != contact_id:
            parent[contact_id] = parent[parent[contact_id]]
            contact_id = parent[contact_id]
        return contact_id

    holders: dict[tuple[str, str], list[int]] = defaultdict(list)
    for contact in unique.values():
        holders[("phone", phone_key(contact.phone))].append(contact.id)
        if email_key(contact.email):
            holders[("email", email_key(contact.email))].append(contact.id)
    for (_kind, key), ids in holders.items():
        if not key:
            continue
        for other in ids[1:]:
            parent[root(other)] = root(ids[0])

    sets: dict[int, list[int]] = defaultdict(list)
    for contact_id in sorted(unique):
        sets[root(contact_id)].append(contact_id)
    skipped = [set(ids) for ids in skip]
    found = []
    for ids in sets.values():
        if len(ids) < 2 or set(ids) in skipped:
            continue
        shared = [
            kind
            for kind, key_of in (("phone", phone_key), ("email", email_key))
            if _some_share(
                [key_of(unique[i].phone if kind == "phone" else unique[i].email) for i in ids]
            )
        ]
        found.append(PersonDuplicate([unique[i] for i in ids], shared))
    return sorted(found, key=lambda d: (phone_key(d.contacts[0].phone), d.contacts[0].id))


def _some_share(keys: list[str]) -> bool:
    present = [key for key in keys if key]
    return len(set(present)) < len(present)


# --- Reading the account ---------------------------------------------------------------


def read_groups(client) -> dict[int, Group]:
    """Every group of the account as it is now, by id."""
    return {g.id: g for g in every_item(lambda p: client.groups_index(page=p, limit=PAGE_LIMIT))}


# --- The scan -------------------------------------------------------------------------


def scan(client) -> dict:
    """Read the account (every group, every group's members, the contacts in no group)
    and return what needs tidying, as JSON."""
    groups = every_item(lambda p: client.groups_index(page=p, limit=PAGE_LIMIT))
    members: dict[int, list[Contact]] = {}
    for group in groups:
        if group.count:
            members[group.id] = every_item(
                lambda p, g=group.id: client.contacts_index(group_id=g, page=p, limit=PAGE_LIMIT)
            )
    ungrouped = every_item(
        lambda p: client.contacts_index(group_id="none", page=p, limit=PAGE_LIMIT)
    )
    return findings(groups, members, ungrouped)


def findings(groups: list[Group], members: dict[int, list[Contact]], ungrouped: list[Contact]):
    """The detectors' answers over what was read, as JSON for Job.result."""
    names = {group.id: group.name for group in groups}
    contacts: dict[int, Contact] = {}
    groups_of: dict[int, set[int]] = defaultdict(set)
    for group_id, group_members in members.items():
        for contact in group_members:
            contacts.setdefault(contact.id, contact)
            groups_of[contact.id].add(group_id)
    for contact in ungrouped:
        contacts.setdefault(contact.id, contact)

    def person(contact: Contact) -> dict:
        return {
            "id": contact.id,
            "name": contact.full_name,
            "label": contact.label,
            "phone": contact.phone,
            "email": contact.email,
            "groups": sorted(names.get(g, str(g)) for g in groups_of[contact.id]),
        }

    def group(g: Group) -> dict:
        return {"id": g.id, "name": g.name, "count": g.count}

    in_groups = phone_duplicates_in_groups(groups, members)
    people = person_duplicates(
        list(contacts.values()), skip=[{c.id for c in d.contacts} for d in in_groups]
    )
    return {
        "version": FINDINGS_VERSION,
        "counts": {"groups": len(groups), "contacts": len(contacts)},
        "groups": sorted((group(g) for g in groups), key=lambda g: (group_key(g["name"]), g["id"])),
        "empty_groups": [group(g) for g in empty_groups(groups)],
        "ungrouped": [
            {"id": c.id, "name": c.full_name, "label": c.label, "phone": c.phone}
            for c in ungrouped[:UNGROUPED_LISTED]
        ],
        "ungrouped_count": len(ungrouped),
        "phone_duplicates": [
            {
                "phone": d.phone,
                "groups": [group(g) for g in d.groups],
                "contacts": [person(c) for c in d.contacts],
            }
            for d in in_groups
        ],
        "person_duplicates": [
            {"shared": d.shared, "contacts": [person(c) for c in d.contacts]} for d in people
        ],
        "similar_groups": [[group(g) for g in found] for found in similar_groups(groups)],
    }
