"""The live contract check: what the API really does where its documents are silent.

The provider's page and clients give the calls' names and shapes only; the application's
writes rest on behaviours they never state (api/CONTRACT.md, "What the documents leave
open"). `run` answers each of those questions from what the API does, through the service
module, and says whether the application's assumption holds. `manage.py contract_check`
(`make contract`) prints the answers as a table.

Safe on a real account: it works only in groups it creates under a unique name, with phone
numbers the account does not hold, never reads or changes anything else, and deletes
everything it made, also when it is interrupted (Scratch).
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.conf import settings

from . import provider
from .serwersms import (
    PAGE_LIMIT,
    ApiError,
    ContactData,
    ImportAnswer,
    NotFound,
    SerwerSMSClient,
    SerwerSMSError,
    every_item,
    largest_limit,
)

NAME_PREFIX = "contract-check"


@dataclass(frozen=True)
class Answer:
    """One open question, answered."""

    number: int
    question: str
    assumed: str
    observed: str
    # None: the account could not show it (say, it has every permission).
    compatible: bool | None
    # The behaviours it showed that the application refuses up front once known
    # (contacts_ui.provider), kept with --save.
    behaviours: tuple[str, ...] = ()


class Scratch:
    """What the check made on the account; `clean_up` deletes it all, whatever happened."""

    def __init__(self, client: SerwerSMSClient):
        self.client = client
        self.tag = f"{NAME_PREFIX} {uuid.uuid4().hex[:10]}"
        self.group_ids: list[int] = []
        self.contact_ids: list[int] = []
        self.blacklisted: list[str] = []
        self.import_group_ids: list[int] = []
        self._phones: set[str] = set()

    def group(self, suffix: str) -> int:
        group_id = self.client.groups_add(f"{self.tag} {suffix}")
        self.group_ids.append(group_id)
        return group_id

    def contact(self, data: ContactData, group_ids: list[int]) -> int:
        contact_id = self.client.contacts_add(data, group_ids)
        self.contact_ids.append(contact_id)
        return contact_id

    def imported(self, suffix: str, contacts: list[ContactData], name: str = "") -> ImportAnswer:
        """contacts/import of the check's own contacts under a name of its own; the group it
        makes is deleted with its contacts in clean_up (it holds only what the check made)."""
        answer = self.client.contacts_import(name or f"{self.tag} {suffix}", contacts)
        if answer.group_id not in self.import_group_ids:
            self.import_group_ids.append(answer.group_id)
        return answer

    def unused_phones(self, count: int) -> list[str]:
        """`count` Polish mobile numbers in a block (+48 500 98x xxx) that no contact of the
        account has: the block's numbers the account holds are read with one search."""
        held = set()
        try:
            found = every_item(
                lambda p: self.client.contacts_index(search="50098", page=p, limit=PAGE_LIMIT)
            )
            held = {contact.phone for contact in found}
        except ApiError:
            pass  # an API that lists only by group: its groups hold none of the check's
        phones = [f"+4850098{n:04d}" for n in range(10_000)]
        unused = [phone for phone in phones if phone not in held and phone not in self._phones]
        chosen = random.sample(unused, count)
        self._phones.update(chosen)
        return chosen

    def blacklist(self, phone: str) -> None:
        """Put one of the check's own numbers on the blacklist (taken off in clean_up)."""
        self.blacklisted.append(phone)
        self.client.blacklist_add(phone)

    def unused_phone(self) -> str:
        """A Polish mobile number that no contact of the account has."""
        for _attempt in range(20):
            phone = f"+4850099{random.randrange(10_000):04d}"
            if phone in self._phones:
                continue
            if not self._holds(phone):
                self._phones.add(phone)
                return phone
        raise SerwerSMSError("No unused phone number found for the check.")

    def _holds(self, phone: str) -> bool:
        """Whether a contact of the account has the phone: by a search, or (where a search
        needs a group) by the groups holding it."""
        try:
            found = self.client.contacts_index(search=phone[3:], limit=10).items
            return any(contact.phone.endswith(phone[-3:]) for contact in found)
        except ApiError:
            try:
                return bool(self.client.groups_check(phone))
            except NotFound:
                return False

    def clean_up(self) -> list[str]:
        """Delete every contact and group made; what could not be deleted, as sentences."""
        left = []
        for contact_id in self.contact_ids:
            try:
                self.client.contacts_delete(contact_id)
            except NotFound:
                pass
            except SerwerSMSError as exc:
                left.append(f"contact {contact_id}: {exc.message}")
        for phone in self.blacklisted:
            try:
                if self.client.blacklist_check(phone):
                    self.client.blacklist_delete(phone)
            except SerwerSMSError as exc:
                left.append(f"blacklisted number {phone}: {exc.message}")
        # The imports' groups hold only contacts the check made: they go with them.
        groups = [(group_id, True, "imported group") for group_id in self.import_group_ids]
        groups += [(group_id, False, "group") for group_id in self.group_ids]
        for group_id, with_contacts, what in groups:
            try:
                self.client.groups_delete(group_id, delete_contacts=with_contacts)
            except NotFound:
                pass
            except SerwerSMSError as exc:
                left.append(f"{what} {group_id}: {exc.message}")
        return left


def _person(phone: str, **fields) -> ContactData:
    return ContactData(phone=phone, first_name="Kontrakt", last_name="Sprawdzenie", **fields)


def _group_ids(client: SerwerSMSClient, phone: str, contact_id: int) -> set[int]:
    try:
        held = client.groups_check(phone)
    except NotFound:
        # An API that answers an error for a phone in no group (question 5).
        return set()
    return {m.group_id for m in held if m.contact_id == contact_id}


def _refused(exc: ApiError) -> str:
    return f"refused (error {exc.code})"


# --- The questions ----------------------------------------------------------------------


def edit_replaces_groups(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    first, second = scratch.group("A"), scratch.group("B")
    phone = scratch.unused_phone()
    contact_id = scratch.contact(_person(phone), [first])
    client.contacts_edit(contact_id, _person(phone), [second])
    held = _group_ids(client, phone, contact_id)
    behaviours = []
    if held == {second}:
        observed = "replaces them"
    elif held == {first, second}:
        observed = "adds to them"
        behaviours.append(provider.EDIT_ADDS_GROUPS)
    else:
        observed = f"left the contact in {len(held)} of the two groups"
    try:
        client.contacts_edit(contact_id, _person(phone), [])
        emptied = not _group_ids(client, phone, contact_id)
        observed += "; an empty list " + (
            "takes it out of every group" if emptied else "is ignored"
        )
    except ApiError as exc:
        emptied = False
        observed += f"; an empty list is {_refused(exc)}"
        behaviours.append(provider.EDIT_REFUSES_NO_GROUPS)
    return Answer(
        1,
        "contacts/edit with group_id: replace the groups, or add to them? An empty list?",
        "replaces them; an empty list takes it out of every group",
        observed,
        observed.startswith("replaces") and emptied,
        tuple(behaviours),
    )


def add_needs_no_group(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    phone = scratch.unused_phone()
    try:
        contact_id = scratch.contact(_person(phone), [])
    except ApiError as exc:
        observed, ok, behaviours = _refused(exc), False, (provider.ADD_REQUIRES_GROUP,)
    else:
        behaviours = ()
        held = _group_ids(client, phone, contact_id)
        observed, ok = ("accepted, in no group" if not held else "accepted, put in a group"), True
    return Answer(
        2,
        "contacts/add with no group_id: accepted, or is a group required?",
        "accepted (a contact in no group)",
        observed,
        ok,
        behaviours,
    )


def index_lists_each_contact_once(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    first, second = scratch.group("C"), scratch.group("D")
    phone, alone = scratch.unused_phone(), scratch.unused_phone()
    contact_id = scratch.contact(_person(phone), [first, second])
    try:
        # As the API answers, before the client takes each contact once.
        listed = client.answer_of("contacts", "index", {"search": phone[3:], "limit": 50})
        times = sum(1 for item in listed["items"] if str(item.get("id")) == str(contact_id))
        observed = {0: "does not list it", 1: "lists it once"}.get(
            times, f"lists it {times} times, once per group (the application takes it once)"
        )
        behaviours = ()
    except ApiError as exc:
        times, observed = 0, f"without group_id is {_refused(exc)}"
        behaviours = (provider.INDEX_REQUIRES_GROUP,)
    try:
        alone_id = scratch.contact(_person(alone), [])
    except ApiError as exc:
        # Question 2: an API that takes no contact in no group has none to list.
        none_ok = True
        observed += f"; group_id none not asked (a contact in no group is {_refused(exc)})"
    else:
        try:
            in_none = client.contacts_index(group_id="none", search=alone[3:], limit=50).items
            none_ok = [contact.id for contact in in_none] == [alone_id]
            observed += "; group_id none lists " + ("those in no group" if none_ok else "others")
        except ApiError as exc:
            none_ok = False
            observed += f"; group_id none is {_refused(exc)}"
    return Answer(
        3,
        "contacts/index without group_id: every contact, once? group_id none?",
        "a contact in two groups is listed once; none lists those in no group",
        observed,
        times >= 1 and none_ok,
        behaviours,
    )


def paging_as_assumed(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    group_id = scratch.group("E")
    for _n in range(2):
        scratch.contact(_person(scratch.unused_phone()), [group_id])
    try:
        page = client.contacts_index(group_id=group_id, limit=PAGE_LIMIT)
        ours = f"a limit of {PAGE_LIMIT} gives {len(page.items)} of 2"
        smaller = largest_limit(client.base_url)
        if smaller:
            # The client was refused PAGE_LIMIT and asked again at a smaller one.
            ours = f"a limit of {PAGE_LIMIT} is refused, {smaller} gives {len(page.items)} of 2"
        ours_ok = len(page.items) == 2
    except ApiError as exc:
        ours, ours_ok = f"a limit of {PAGE_LIMIT} is {_refused(exc)}", False
    try:
        one = client.contacts_index(group_id=group_id, limit=1)
        small = f"a limit of 1 gives {len(one.items)} item(s) of {one.pages} page(s)"
        small_ok = len(one.items) == 1 and one.pages == 2
    except ApiError as exc:
        small, small_ok = f"a limit of 1 is {_refused(exc)}", False
    nothing = client.contacts_index(search=f"{scratch.tag} nothing", group_id=group_id, limit=10)
    return Answer(
        4,
        "limit: is ours accepted, and does paging follow it? paging.count for nothing found?",
        f"{PAGE_LIMIT} is accepted; paging counts pages of the limit asked; 0 or 1 when empty",
        f"{ours}; {small}; nothing found is {nothing.pages} page(s)",
        ours_ok and small_ok and nothing.pages in (0, 1) and not nothing.items,
    )


def check_of_a_phone_in_no_group(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    phone = scratch.unused_phone()
    try:
        # As the API answers, before the client reads "not found" as no groups.
        found = client.answer_of("groups", "check", {"phone": phone})["items"]
        observed, ok = f"an answer of {len(found)} item(s)", not found
    except NotFound as exc:
        observed, ok = f"an error ({exc.code}; the application reads it as no group)", True
    except ApiError as exc:
        observed, ok = f"an error ({exc.code})", False
    return Answer(
        5,
        "groups/check for a phone in no group: an empty list, or an error?",
        "an empty list",
        observed,
        ok,
    )


def search_covers_what_we_search(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    group_id = scratch.group("F")
    phone = scratch.unused_phone()
    email = f"{uuid.uuid4().hex[:12]}@example.invalid"
    fields = {"company": "Zażółć Gęślą", "city": "Łódź", "email": email}
    contact_id = scratch.contact(replace(_person(phone, **fields), first_name="Jaźń"), [group_id])
    probes = {
        "phone": phone[3:],
        "name in another case": "JAŹŃ",
        "company": "gęślą",
        "e-mail": email[:12],
    }
    found = []
    for label, phrase in probes.items():
        items = client.contacts_index(search=phrase, group_id=group_id, limit=50).items
        if any(contact.id == contact_id for contact in items):
            found.append(label)
    missing = [label for label in probes if label not in found]
    observed = "finds by " + (", ".join(found) or "nothing")
    if missing:
        observed += "; not by " + ", ".join(missing)
    return Answer(
        6,
        "search: which fields, and how are case and Polish letters treated?",
        "finds by phone, by name in any case, by company and by e-mail",
        observed,
        not missing,
    )


def phones_stored_as_sent(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    group_id = scratch.group("G")
    phone = scratch.unused_phone()
    contact_id = scratch.contact(_person(phone), [group_id])
    viewed = client.contacts_view(contact_id)
    stored = viewed.phone_as_stored or viewed.phone
    observed = "stored as sent" if stored == phone else f"{phone} stored as {stored}"
    if stored != phone and viewed.phone == phone:
        observed += " (read back as sent: the application copes)"
    try:
        scratch.contact(_person("+4812"), [group_id])
        rejected, observed = False, observed + "; +4812 is accepted"
    except ApiError as exc:
        rejected, observed = True, observed + f"; +4812 is {_refused(exc)}"
    return Answer(
        7,
        "phones: stored as sent, or rewritten? What does 2001 reject?",
        "stored as sent (+48…); a number too short is refused",
        observed,
        viewed.phone == phone and rejected,
    )


def numbers_visible(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    group_id = scratch.group("H")
    phone = scratch.unused_phone()
    contact_id = scratch.contact(_person(phone), [group_id])
    try:
        shown = client.contacts_view(contact_id).phone
    except ApiError as exc:
        return Answer(8, QUESTION_8, ASSUMED_8, f"viewing a contact is {_refused(exc)}", False)
    if shown == phone:
        # This account may see numbers: what a restricted one gets is not shown here.
        return Answer(
            8, QUESTION_8, ASSUMED_8, "numbers are shown (this account may see them)", None
        )
    return Answer(8, QUESTION_8, ASSUMED_8, f"{phone} is shown as {shown}", False)


def blacklist_flag_follows_the_list(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    group_id = scratch.group("I")
    phone = scratch.unused_phone()
    contact_id = scratch.contact(_person(phone), [group_id])
    scratch.blacklist(phone)
    listed = client.blacklist_check(phone)
    flag_on = client.contacts_view(contact_id).blacklist
    client.blacklist_delete(phone)
    unlisted = not client.blacklist_check(phone)
    flag_off = not client.contacts_view(contact_id).blacklist
    if not (listed and unlisted):
        observed = "blacklist/check does not say what add and delete did"
    elif flag_on and flag_off:
        observed = "the flag is set when the number is listed and cleared when it is not"
    else:
        observed = "the flag does not follow the list (it stays %s)" % (
            "set" if flag_on else "clear"
        )
    return Answer(
        9,
        "blacklist: does a contact's flag follow the account's blacklist, by phone?",
        "it follows the list; check says what add and delete did",
        observed,
        listed and unlisted and flag_on and flag_off,
    )


def import_takes_a_batch(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    size = max(1, settings.IMPORT_BATCH_SIZE)
    phones = scratch.unused_phones(size)
    try:
        answer = scratch.imported("J", [_person(phone) for phone in phones])
    except ApiError as exc:
        observed = f"{size} rows in one call are {_refused(exc)}"
        for smaller in sorted({size // 2, size // 5, 100, 10} - {0}, reverse=True):
            if smaller >= size:
                continue
            try:
                scratch.imported(f"J{smaller}", [_person(phone) for phone in phones[:smaller]])
            except ApiError:
                continue
            observed += f"; {smaller} are taken (set IMPORT_BATCH_SIZE={smaller})"
            break
        return Answer(10, QUESTION_10, ASSUMED_10 % size, observed, False)
    held = client.groups_view(answer.group_id).count
    observed = (
        f"{size} rows in one call: {answer.correct} counted in, {answer.failed} failed; "
        f"the group holds {held}"
    )
    return Answer(10, QUESTION_10, ASSUMED_10 % size, observed, held == size)


def import_under_a_name_in_use(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    name = f"{scratch.tag} K"
    first = scratch.imported("K", [_person(scratch.unused_phone())], name=name)
    second = scratch.imported("K", [_person(scratch.unused_phone())], name=name)
    behaviours = ()
    if second.group_id == first.group_id:
        held = client.groups_view(first.group_id).count
        observed = f"adds to that group (it holds {held} of 2)"
        ok = held == 2
    else:
        observed = "makes another group of the same name"
        ok, behaviours = False, (provider.IMPORT_MAKES_ANOTHER_GROUP,)
    return Answer(
        11,
        "contacts/import under a group name in use: adds to that group, or makes another?",
        "adds to that group (so an import's batches go to one group)",
        observed,
        ok,
        behaviours,
    )


def import_of_an_invalid_row(client: SerwerSMSClient, scratch: Scratch) -> Answer:
    rows = [_person(scratch.unused_phone()), _person("+4812")]
    try:
        answer = scratch.imported("L", rows)
    except ApiError as exc:
        observed = (
            f"the whole call is {_refused(exc)} (the application sends such a call again in "
            "halves, down to the row refused alone)"
        )
        return Answer(12, QUESTION_12, ASSUMED_12, observed, True)
    held = client.groups_view(answer.group_id).count
    observed = (
        f"counted: {answer.correct} in, {answer.failed} failed; the group holds {held} of the "
        "valid 1"
    )
    return Answer(12, QUESTION_12, ASSUMED_12, observed, held == 1)


QUESTION_10 = "contacts/import: does one call take IMPORT_BATCH_SIZE rows?"
ASSUMED_10 = "%s rows in one call are taken, every one"
QUESTION_12 = "contacts/import with a row it cannot take: counted failed, or the call refused?"
ASSUMED_12 = "counted failed; the others go in"
QUESTION_8 = "under 1008 (no permission to see numbers): refused, or numbers masked?"
ASSUMED_8 = "the account may see numbers"

PROBES: list[Callable[[SerwerSMSClient, Scratch], Answer]] = [
    edit_replaces_groups,
    add_needs_no_group,
    index_lists_each_contact_once,
    paging_as_assumed,
    check_of_a_phone_in_no_group,
    search_covers_what_we_search,
    phones_stored_as_sent,
    numbers_visible,
    blacklist_flag_follows_the_list,
    import_takes_a_batch,
    import_under_a_name_in_use,
    import_of_an_invalid_row,
]


def run(client: SerwerSMSClient) -> tuple[list[Answer], list[str]]:
    """Every question answered, and what could not be deleted afterwards (nothing, as a
    rule). A call that fails for another reason (the credentials, the network) is raised,
    once what was made is deleted."""
    scratch = Scratch(client)
    answers = []
    try:
        for probe in PROBES:
            answers.append(probe(client, scratch))
    finally:
        left = scratch.clean_up()
    return answers, left
