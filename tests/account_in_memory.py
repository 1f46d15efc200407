"""A large account with no API behind it, for measuring what the cleanup scan keeps
(tests/test_cleanup_scan_memory.py, bench/cleanup_scan_memory.py).

It answers groups/index and contacts/index as the service client does: each call returns
a Page of records made afresh, as parsing an answer makes them, so whatever is still alive
after a page has been read is what the scan kept. It holds only each group's member ids,
and remembers (weakly) every Contact it handed out, to count those still alive.
"""

import weakref

from contacts_ui.serwersms import Contact, Group, Page

FIRST_NAMES = ("Anna", "Jan", "Katarzyna", "Piotr", "Małgorzata", "Tomasz", "Agnieszka", "")
LAST_NAMES = ("Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "")
CITIES = ("Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "")


class AccountInMemory:
    """`contacts` contacts, each in `per_contact` of `groups` groups, and `ungrouped` more
    in no group. One contact in `phone_twin_every` has the phone of the one before it (a
    duplicate within its groups), one in `email_twin_every` the e-mail of the one before."""

    def __init__(
        self,
        contacts: int,
        groups: int = 10,
        per_contact: int = 3,
        ungrouped: int = 0,
        phone_twin_every: int = 50,
        email_twin_every: int = 70,
    ):
        self.phone_twin_every, self.email_twin_every = phone_twin_every, email_twin_every
        self._members: dict[int, list[int]] = {g: [] for g in range(1, groups + 1)}
        for i in range(contacts):
            for k in range(per_contact):
                self._members[(i + k) % groups + 1].append(i)
        self._ungrouped = list(range(contacts, contacts + ungrouped))
        self._handed_out: list[weakref.ref] = []
        # The most Contacts alive at once, counted at the start of each contacts/index call.
        self.most_alive = 0

    def groups_index(self, page=None, limit=None, **_search) -> Page[Group]:
        groups = [Group(g, f"Grupa {g}", len(ids)) for g, ids in self._members.items()]
        return _page(groups, page, limit)

    def contacts_index(self, group_id=None, page=None, limit=None, **_search) -> Page[Contact]:
        self._count_alive()
        ids = self._ungrouped if group_id == "none" else self._members[group_id]
        found = _page(ids, page, limit)
        items = [self._contact(i) for i in found.items]
        self._handed_out.extend(weakref.ref(c) for c in items)
        return Page(items, found.page, found.pages)

    def alive(self) -> int:
        """How many of the Contacts handed out so far are still referenced."""
        return self._count_alive()

    def _count_alive(self) -> int:
        self._handed_out = [ref for ref in self._handed_out if ref() is not None]
        self.most_alive = max(self.most_alive, len(self._handed_out))
        return len(self._handed_out)

    def _contact(self, i: int) -> Contact:
        phone_of = i - 1 if i and i % self.phone_twin_every == 0 else i
        email_of = i - 1 if i and i % self.email_twin_every == 0 else i
        return Contact(
            id=1_000_000 + i,
            phone=f"+48{500_000_000 + phone_of}",
            email=f"osoba{email_of}@example.pl" if i % 3 else "",
            first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
            last_name=LAST_NAMES[i % len(LAST_NAMES)],
            company="Firma sp. z o.o." if i % 5 == 0 else "",
            tax_id="",
            address=f"ul. Długa {i % 200}" if i % 4 == 0 else "",
            city=CITIES[i % len(CITIES)],
            description="",
            blacklist=False,
        )


def _page(items: list, page: int | None, limit: int | None) -> Page:
    page, limit = page or 1, limit or 500
    pages = max(1, -(-len(items) // limit))
    return Page(items[(page - 1) * limit : page * limit], page, pages)
