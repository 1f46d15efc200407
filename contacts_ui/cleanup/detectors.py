"""What needs tidying in an account.

`scan()` reads the account page by page (a background job runs it: a large account is many
calls) into an AccountReading, which keeps of each contact only the few facts the findings
need (ContactFacts, and its phone and e-mail as compared) and lets each page of records go
before the next is read: a few hundred bytes a contact, however many groups it is in. The
detectors are pure functions over that reading and the groups (no calls, no database), so
that they are tested on their own. The findings are plain JSON for Job.result, at most
FINDINGS_LISTED of each kind (each with how many there are): ids, names, phones, what the
cleanup page shows; the review pages read the records afresh.
"""

import heapq
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from django import forms

from .. import serwersms
from ..forms import normalise_phone
from ..serwersms import Contact, ContactData, Group, Page, every_item, every_page

# Items asked for per call; read on each call, so that tests can make it small.
PAGE_LIMIT = serwersms.PAGE_LIMIT
# Contacts in no group kept in the findings and listed on the page: the rest are on
# the contacts list filtered by "In no group".
UNGROUPED_LISTED = 500
# Findings of each other kind kept and listed, the first in the page's order; the rest are
# counted, and listed by a scan after these are fixed. They bound what a scan stores.
FINDINGS_LISTED = 100
# The most contacts one finding names (the others are counted): as many as one review compares.
MOST_IN_A_SET = 20
# Bumped when the shape of the findings changes; the page asks for a new scan then.
FINDINGS_VERSION = 3


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


# --- What the scan keeps of the account ----------------------------------------------


class ContactFacts(NamedTuple):
    """What the scan keeps of a contact: what a finding shows of it, and its groups."""

    id: int
    name: str
    phone: str
    email: str
    # The groups it was listed in, in the order they were read.
    groups: tuple[int, ...]

    @property
    def label(self) -> str:
        # The one rule for a contact's label (ContactData.label), over what is kept.
        return ContactData(phone=self.phone, first_name=self.name).label


class AccountReading:
    """The account as the scan reads it, a page at a time: its groups, and of each contact
    only its facts and its phone and e-mail as compared, never the record itself."""

    def __init__(self, groups: Iterable[Group]):
        self.groups: dict[int, Group] = {group.id: group for group in groups}
        self.contacts: dict[int, ContactFacts] = {}
        # The phones and e-mail addresses (as compared) more than one contact has: each
        # with every contact that has it, in the order they were read.
        self.shared: dict[str, dict[str, list[int]]] = {"phone": {}, "email": {}}
        # The first contacts in no group, and how many there are.
        self.ungrouped: list[ContactFacts] = []
        self.ungrouped_count = 0
        # Every phone and e-mail address seen: the first contact that has it.
        self._first: dict[str, dict[str, int]] = {"phone": {}, "email": {}}

    def read(self, contacts: Iterable[Contact], group_id: int | None = None) -> None:
        """Take in one page of a group's members, or of the contacts in no group (None)."""
        for contact in contacts:
            facts = self._facts(contact, group_id)
            if group_id is None:
                self.ungrouped_count += 1
                if len(self.ungrouped) < UNGROUPED_LISTED:
                    self.ungrouped.append(facts)

    def _facts(self, contact: Contact, group_id: int | None) -> ContactFacts:
        seen = self.contacts.get(contact.id)
        if seen is not None:
            # Read before, in another group (or in this one, on another page).
            if group_id is not None and group_id not in seen.groups:
                seen = seen._replace(groups=(*seen.groups, group_id))
                self.contacts[contact.id] = seen
            return seen
        phone, email = phone_key(contact.phone), email_key(contact.email)
        facts = ContactFacts(
            contact.id,
            contact.full_name,
            # Where the value reads as its key, one string is kept for both.
            phone if phone == contact.phone else contact.phone,
            email if email == contact.email else contact.email,
            () if group_id is None else (group_id,),
        )
        self.contacts[contact.id] = facts
        self._index("phone", phone, contact.id)
        self._index("email", email, contact.id)
        return facts

    def _index(self, kind: str, key: str, contact_id: int) -> None:
        if not key:
            # No phone, or no e-mail address: it links nobody.
            return
        first = self._first[kind].setdefault(key, contact_id)
        if first != contact_id:
            self.shared[kind].setdefault(key, [first]).append(contact_id)


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
    contacts: list[ContactFacts]
    groups: list[Group] = field(default_factory=list)


def phone_duplicates_in_groups(account: AccountReading) -> Iterator[PhoneDuplicate]:
    """The same phone (as E.164) more than once in the same group, in no order. The same
    contacts doubled in several groups are one finding, naming every group."""
    # Only a phone that several contacts have can be twice in one group.
    for phone, ids in account.shared["phone"].items():
        in_group: dict[int, list[int]] = defaultdict(list)
        for contact_id in ids:
            for group_id in account.contacts[contact_id].groups:
                in_group[group_id].append(contact_id)
        found: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for group_id, members in in_group.items():
            if len(members) > 1:
                found[tuple(sorted(members))].append(group_id)
        for members, group_ids in found.items():
            yield PhoneDuplicate(
                phone,
                [account.contacts[i] for i in members],
                [account.groups[g] for g in sorted(group_ids)],
            )


@dataclass
class PersonDuplicate:
    """Contacts that look like one person: they share a phone or an e-mail address."""

    contacts: list[ContactFacts]
    # Which of "phone" and "email" they share.
    shared: list[str]


def person_duplicates(
    account: AccountReading, skip: Iterable[Iterable[int]] = ()
) -> Iterator[PersonDuplicate]:
    """Contacts (distinct records) linked by the same phone as E.164 or the same e-mail
    address, case aside, in no order; a chain (A shares the phone with B, B the e-mail
    with C) is one set. A set equal to one in `skip` (found within a group already) is
    left out."""
    parent: dict[int, int] = {}

    def root(contact_id: int) -> int:
        parent.setdefault(contact_id, contact_id)
        while parent[contact_id] != contact_id:
            parent[contact_id] = parent[parent[contact_id]]
            contact_id = parent[contact_id]
        return contact_id

    shared = account.shared
    for ids in chain(shared["phone"].values(), shared["email"].values()):
        for other in ids[1:]:
            parent[root(other)] = root(ids[0])
    kinds: dict[int, list[str]] = defaultdict(list)
    for kind in ("phone", "email"):
        for ids in shared[kind].values():
            if kind not in kinds[root(ids[0])]:
                kinds[root(ids[0])].append(kind)

    sets: dict[int, list[int]] = defaultdict(list)
    for contact_id in sorted(parent):
        sets[root(contact_id)].append(contact_id)
    skipped = {tuple(sorted(ids)) for ids in skip}
    for top, ids in sets.items():
        if tuple(ids) not in skipped:
            yield PersonDuplicate([account.contacts[i] for i in ids], kinds[top])


def _first_listed(found: Iterable, key: Callable, listed: int) -> tuple[list, int]:
    """The first `listed` findings in `key`'s order, and how many there are: no more than
    `listed` are held at once, however many the account has."""
    count = 0

    def counted():
        nonlocal count
        for item in found:
            count += 1
            yield item

    first = heapq.nsmallest(listed, counted(), key=key)
    return first, count


# --- Reading the account ---------------------------------------------------------------


def read_groups(client) -> dict[int, Group]:
    """Every group of the account as it is now, by id."""
    return {g.id: g for g in every_item(lambda p: client.groups_index(page=p, limit=PAGE_LIMIT))}


def _pages_of_contacts(client, group_id: int | str) -> Iterator[Page[Contact]]:
    """A group's members (or, for "none", the contacts in no group), a page at a time."""
    return every_page(lambda p: client.contacts_index(group_id=group_id, page=p, limit=PAGE_LIMIT))


# --- The scan -------------------------------------------------------------------------


def scan(client) -> dict:
    """Read the account (every group, every group's members, the contacts in no group)
    and return what needs tidying, as JSON."""
    account = AccountReading(every_item(lambda p: client.groups_index(page=p, limit=PAGE_LIMIT)))
    for group in account.groups.values():
        if group.count:
            for page in _pages_of_contacts(client, group.id):
                account.read(page.items, group.id)
    for page in _pages_of_contacts(client, "none"):
        account.read(page.items)
    return findings(account)


def findings(account: AccountReading) -> dict:
    """The detectors' answers over what was read, as JSON for Job.result: the first
    FINDINGS_LISTED of each kind (UNGROUPED_LISTED contacts in no group) and how many there
    are, each naming at most MOST_IN_A_SET contacts and how many there are."""
    groups = list(account.groups.values())

    def person(facts: ContactFacts) -> dict:
        return {
            "id": facts.id,
            "name": facts.name,
            "label": facts.label,
            "phone": facts.phone,
            "email": facts.email,
            "groups": sorted(account.groups[g].name for g in facts.groups),
        }

    def people(found: list[ContactFacts]) -> dict:
        return {
            "contacts": [person(c) for c in found[:MOST_IN_A_SET]],
            "contacts_count": len(found),
        }

    def group(g: Group) -> dict:
        return {"id": g.id, "name": g.name, "count": g.count}

    in_group, in_group_count = _first_listed(
        phone_duplicates_in_groups(account),
        key=lambda d: (d.phone, [c.id for c in d.contacts]),
        listed=FINDINGS_LISTED,
    )
    # The sets found within a group, not to be found again across the account.
    within_groups = ([c.id for c in d.contacts] for d in phone_duplicates_in_groups(account))
    alike, alike_count = _first_listed(
        person_duplicates(account, skip=within_groups),
        key=lambda d: (phone_key(d.contacts[0].phone), d.contacts[0].id),
        listed=FINDINGS_LISTED,
    )
    empty = empty_groups(groups)
    similar = similar_groups(groups)
    return {
        "version": FINDINGS_VERSION,
        "counts": {"groups": len(groups), "contacts": len(account.contacts)},
        "groups": sorted((group(g) for g in groups), key=lambda g: (group_key(g["name"]), g["id"])),
        "empty_groups": [group(g) for g in empty[:FINDINGS_LISTED]],
        "empty_groups_count": len(empty),
        "ungrouped": [
            {"id": c.id, "name": c.name, "label": c.label, "phone": c.phone}
            for c in account.ungrouped
        ],
        "ungrouped_count": account.ungrouped_count,
        "phone_duplicates": [
            {"phone": d.phone, "groups": [group(g) for g in d.groups], **people(d.contacts)}
            for d in in_group
        ],
        "phone_duplicates_count": in_group_count,
        "person_duplicates": [{"shared": d.shared, **people(d.contacts)} for d in alike],
        "person_duplicates_count": alike_count,
        "similar_groups": [[group(g) for g in found] for found in similar[:FINDINGS_LISTED]],
        "similar_groups_count": len(similar),
    }
