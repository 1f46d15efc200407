"""Bulk actions on the contacts list as a person takes them: tick rows (or every contact a
search finds), choose an action, confirm on a page that says what will change. For the bulk
action modules (test_contact_action.py, test_bulk_*.py).

Each action is checked in the sandbox's own store: every contact's groups after the job, the
chosen ones changed exactly, the others untouched.

The fixtures here are shared by assignment in each module (`people = bulk_actions.people`):
other modules have fixtures of the same names that hold other things.
"""

import pytest

from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import form_values, make_contact

ACTION_URL = "/contacts/action/"

A, B, C, D, E, G = "Adam", "Beata", "Cezary", "Dorota", "Edward", "Gosia"


@pytest.fixture
def groups(alice_account) -> dict[str, Group]:
    return {
        name: Group.objects.create(account=alice_account, name=name)
        for name in ("Klienci", "Dostawcy", "VIP")
    }


@pytest.fixture
def people(alice_account, groups) -> dict[str, Contact]:
    """Seven contacts in overlapping groups; Klienci holds four of them."""
    klienci, dostawcy, vip = groups["Klienci"], groups["Dostawcy"], groups["VIP"]
    memberships = {
        "Adam": [klienci],
        "Beata": [klienci, dostawcy],
        "Cezary": [dostawcy],
        "Dorota": [],
        "Edward": [klienci, vip],
        "Franek": [dostawcy],
        "Gosia": [klienci],
    }
    return {
        name: make_contact(
            alice_account, f"+4850060070{n}", groups=in_groups, first_name=name, last_name="Test"
        )
        for n, (name, in_groups) in enumerate(memberships.items(), start=1)
    }


def groups_of(account) -> dict[str, list[str]]:
    """Every contact of the account, by first name, with the names of its groups."""
    return {
        contact.first_name: sorted(contact.groups.values_list("name", flat=True))
        for contact in Contact.objects.filter(account=account)
    }


def choose(client, action: str, contacts=(), list_url: str = "/contacts/", across=False):
    """Tick these rows on the list as shown at list_url, choose the action and press Go
    (or "Apply to every contact this search finds")."""
    page = client.get(list_url).content.decode()
    values = form_values(page, "changelist-form")
    values["action"] = [action]
    values["_selected_action"] = [str(contact.id) for contact in contacts]
    if across:
        values["select_across"] = ["1"]
    return client.post(ACTION_URL, values)


def confirm(client, confirmation, group: Group | None = None):
    """Press "Yes, I'm sure" on the confirmation page, with this group chosen in its picker."""
    values = form_values(confirmation.content.decode(), "action-confirm")
    if group is not None:
        values["group_id"] = [str(group.id)]
    return client.post(ACTION_URL, values)
