"""The bulk action "move to a group": from the group shown, into another."""

import pytest

from contacts_ui.models import Job
from tests import bulk_actions
from tests.bulk_actions import choose, confirm, groups_of

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the bulk action modules (tests/bulk_actions.py).
groups = bulk_actions.groups
people = bulk_actions.people


def test_moving_from_a_filtered_list_says_the_other_groups_stay(client, alice, people, groups):
    response = choose(
        client,
        "move_to_group",
        [people["Adam"], people["Beata"]],
        list_url=f"/contacts/?g={groups['Klienci'].id}",
    )

    assert (
        "2 contacts will be moved from “Klienci” to the group chosen below; their other "
        "groups stay as they are." in response.content.decode()
    )


def test_moving_to_the_group_shown_is_refused_on_the_page(
    client, alice, alice_account, people, groups
):
    klienci = groups["Klienci"]
    before = groups_of(alice_account)
    confirmation = choose(
        client, "move_to_group", [people["Adam"]], list_url=f"/contacts/?g={klienci.id}"
    )

    response = confirm(client, confirmation, group=klienci)

    assert response.status_code == 200
    assert "Choose a group other than the one shown." in response.content.decode()
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()
