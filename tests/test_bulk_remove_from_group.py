"""The bulk action "remove from a group": from a filtered list, the group shown."""

import pytest

from contacts_ui.models import Job
from tests import bulk_actions
from tests.bulk_actions import choose, confirm
from tests.helpers import form_values

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the bulk action modules (tests/bulk_actions.py).
groups = bulk_actions.groups
people = bulk_actions.people


def test_removing_from_a_filtered_list_chooses_the_group_shown(client, alice, people, groups):
    klienci = groups["Klienci"]

    response = choose(
        client, "remove_from_group", [people["Adam"]], list_url=f"/contacts/?g={klienci.id}"
    )

    assert form_values(response.content.decode(), "action-confirm")["group_id"] == [str(klienci.id)]


def test_a_removal_from_the_group_shown_is_titled_with_the_group(client, alice, people, groups):
    klienci = groups["Klienci"]
    confirmation = choose(
        client, "remove_from_group", [people["Adam"]], list_url=f"/contacts/?g={klienci.id}"
    )

    confirm(client, confirmation)

    job = Job.objects.get()
    assert job.kind == Job.Kind.CONTACT_REMOVE_FROM_GROUP
    assert job.title == "Remove selected contacts from a group: Klienci"
    assert job.params == {"group_id": klienci.id, "group_name": "Klienci"}
