"""No 500-group ceiling: an account with more groups than one page of the API holds shows
every one in the sidebar and the pickers, and undo finds every one. (Confirmed divergence
of issue 15: the group list read one page of 500.)"""

import re

import pytest

from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import Group
from tests.helpers import ANNA, address_book, make_contact

# One more page than the API's largest: the last groups by name are on the second page.
GROUP_COUNT = 520


@pytest.fixture
def many_groups(alice_account) -> list[Group]:
    Group.objects.bulk_create(
        Group(account=alice_account, name=f"Oddział {number:03d}") for number in range(GROUP_COUNT)
    )
    return list(Group.objects.filter(account=alice_account).order_by("name"))


def calls(wire) -> list[str]:
    return [re.search(r"/api/(\w+/\w+)\.json$", sent["url"]).group(1) for sent in wire]


def test_the_sidebar_shows_every_group_past_the_first_page_in_two_calls(
    client, alice, many_groups, wire
):
    page = client.get("/contacts/").content.decode()
    for group in (many_groups[0], many_groups[499], many_groups[500], many_groups[-1]):
        assert f'<a href="?g={group.id}">{group.name} (0)</a>' in page
    assert sorted(calls(wire)) == ["contacts/index", "groups/index", "groups/index"]


def test_the_contact_forms_picker_offers_every_group(client, alice, many_groups):
    page = client.get("/contacts/add/").content.decode()
    offered = re.findall(r'<option value="(\d+)"', page)
    assert {str(g.id) for g in many_groups} <= set(offered)


def test_a_contact_can_be_put_in_a_group_past_the_first_page(
    client, alice, alice_account, many_groups
):
    last = many_groups[-1]
    response = client.post(
        "/contacts/add/", {"phone": "500600700", "first_name": "Anna", "group_id": [last.id]}
    )
    assert response.status_code == 302
    assert list(last.contacts.values_list("first_name", flat=True)) == ["Anna"]


def test_undoing_a_deletion_puts_the_contact_back_in_a_group_past_the_first_page(
    client, alice, alice_account, many_groups
):
    anna = make_contact(alice_account, groups=[many_groups[0], many_groups[-1]], **ANNA)
    before = address_book(alice_account)
    client.post(f"/contacts/{anna.id}/delete/")
    entry = HistoryEntry.objects.filter(undo_of=None).latest("id")

    client.post(f"/history/{entry.id}/undo/")

    assert address_book(alice_account) == before
