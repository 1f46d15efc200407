"""No lost update on groups: a rename made by someone else since the form was opened is not
overwritten unseen, and a group is not deleted "with its contacts" when it holds other
contacts than the confirmation page said."""

import re

import pytest

from contacts_ui.sandbox.models import Contact, Group, Membership
from tests.helpers import form_values, make_contact

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def klienci(alice_account):
    group = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, "+48500600701", groups=[group], first_name="Adam")
    make_contact(alice_account, "+48500600702", groups=[group], first_name="Beata")
    return group


def writes(wire) -> list[str]:
    return [
        re.search(r"/api/(\w+/\w+)\.json$", sent["url"]).group(1)
        for sent in wire
        if re.search(r"/(add|edit|delete)\.json$", sent["url"])
    ]


def test_a_rename_by_someone_else_is_shown_and_not_overwritten_unseen(client, alice, klienci, wire):
    page = client.get(f"/groups/{klienci.id}/change/").content.decode()
    form = form_values(page, "group-form")
    Group.objects.filter(id=klienci.id).update(name="Klienci stali")  # Bartek's rename

    response = client.post(f"/groups/{klienci.id}/change/", {**form, "name": ["Klienci 2027"]})

    page = response.content.decode()
    assert (
        "Someone renamed this group to “Klienci stali” since you opened it, so nothing was "
        "sent. Save again to rename it to “Klienci 2027”."
    ) in page
    assert writes(wire) == []
    assert Group.objects.get(id=klienci.id).name == "Klienci stali"
    again = form_values(page, "group-form")
    assert again["name"] == ["Klienci 2027"]  # what was typed is kept

    assert client.post(f"/groups/{klienci.id}/change/", again).status_code == 302
    assert Group.objects.get(id=klienci.id).name == "Klienci 2027"


def test_a_rename_with_no_change_meanwhile_goes_straight_through(client, alice, klienci):
    form = form_values(client.get(f"/groups/{klienci.id}/change/").content.decode(), "group-form")
    assert (
        client.post(f"/groups/{klienci.id}/change/", {**form, "name": ["VIP"]}).status_code == 302
    )
    assert Group.objects.get(id=klienci.id).name == "VIP"


def _confirmation(client, group) -> dict:
    page = client.get(f"/groups/{group.id}/delete/").content.decode()
    return form_values(page, "group-delete-form")


def test_deleting_a_group_with_its_contacts_refuses_when_someone_joined_it_since(
    client, alice, alice_account, klienci, wire
):
    form = _confirmation(client, klienci)
    joined = make_contact(alice_account, "+48500600703", groups=[klienci], first_name="Cezary")

    response = client.post(f"/groups/{klienci.id}/delete/", {**form, "delete_contacts": ["on"]})

    page = response.content.decode()
    assert (
        "The group now holds 3 contacts, not 2 as the page you confirmed said, so nothing was "
        "deleted. Check and confirm again."
    ) in page
    assert writes(wire) == []
    assert Contact.objects.filter(id=joined.id).exists()
    assert Group.objects.filter(id=klienci.id).exists()
    assert "Also delete its 3 contacts" in page

    again = form_values(page, "group-delete-form")
    client.post(f"/groups/{klienci.id}/delete/", {**again, "delete_contacts": ["on"]})
    assert not Group.objects.filter(id=klienci.id).exists()
    assert not Contact.objects.filter(id=joined.id).exists()


def test_deleting_a_group_and_keeping_its_contacts_needs_no_recount(
    client, alice, alice_account, klienci
):
    form = _confirmation(client, klienci)
    make_contact(alice_account, "+48500600703", groups=[klienci], first_name="Cezary")

    client.post(f"/groups/{klienci.id}/delete/", form)

    assert not Group.objects.filter(id=klienci.id).exists()
    assert Contact.objects.count() == 3
    assert not Membership.objects.exists()
