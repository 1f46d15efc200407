"""No lost update on a contact's change form: a save compares the record as the form was
shown with the record as it is just before sending. When a colleague changed it meanwhile,
nothing is sent; the form comes back merged (what only one side changed, taken from that
side), each field both changed is the person's to choose, and the save goes through only
once they confirm."""

import re

import pytest

from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import Contact, Group, Membership
from tests.helpers import ANNA, form_values, make_contact, table_rows

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def klienci(alice_account):
    return Group.objects.create(account=alice_account, name="Klienci")


@pytest.fixture
def vip(alice_account):
    return Group.objects.create(account=alice_account, name="VIP")


@pytest.fixture
def anna(alice_account, klienci):
    return make_contact(alice_account, groups=[klienci], **ANNA)


def opened(client, contact) -> dict:
    """The change form as Anna's colleague Alice opens it."""
    page = client.get(f"/contacts/{contact.id}/change/").content.decode()
    return form_values(page, "contact-form")


def meanwhile(contact, **fields) -> None:
    """Bartek's save, made elsewhere while Alice's form is open."""
    Contact.objects.filter(id=contact.id).update(**fields)


def edits(wire) -> int:
    return sum(1 for sent in wire if re.search(r"/contacts/edit\.json$", sent["url"]))


def conflict_rows(page: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table_rows(page, "conflict")}


def test_a_colleagues_change_is_not_overwritten_and_both_are_kept_once_confirmed(
    client, alice, anna, wire
):
    form = opened(client, anna)
    meanwhile(anna, email="bartek.zmienil@example.pl")

    response = client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone changed this contact since you opened it, so nothing was sent." in page
    assert edits(wire) == 0
    rows = conflict_rows(page)
    assert rows["Email"] == [
        "anna@example.pl",
        "bartek.zmienil@example.pl",
        "anna@example.pl",
        "What is there now",
    ]
    assert rows["City"][2:] == ["Kraków", "What you typed"]
    merged = form_values(page, "contact-form")
    assert merged["email"] == ["bartek.zmienil@example.pl"]
    assert merged["city"] == ["Kraków"]
    assert "conflict" not in merged  # nothing both changed: nothing to choose

    response = client.post(f"/contacts/{anna.id}/change/", merged)

    assert response.status_code == 302
    anna.refresh_from_db()
    assert (anna.email, anna.city) == ("bartek.zmienil@example.pl", "Kraków")
    assert edits(wire) == 1


def test_a_field_both_changed_is_the_persons_to_choose(client, alice, anna):
    form = opened(client, anna)
    meanwhile(anna, city="Gdańsk")

    page = client.post(
        f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]}
    ).content.decode()
    merged = form_values(page, "contact-form")
    assert merged["conflict"] == ["city"]
    assert conflict_rows(page)["City"][:3] == ["Łódź", "Gdańsk", "Kraków"]

    unsettled = client.post(f"/contacts/{anna.id}/change/", merged)
    assert unsettled.status_code == 200
    assert "Choose which value to keep." in unsettled.content.decode()
    assert Contact.objects.get(id=anna.id).city == "Gdańsk"

    settled = client.post(f"/contacts/{anna.id}/change/", {**merged, "keep_city": ["theirs"]})
    assert settled.status_code == 302
    assert Contact.objects.get(id=anna.id).city == "Gdańsk"


def test_keeping_what_one_typed_in_a_conflict_saves_it(client, alice, anna):
    form = opened(client, anna)
    meanwhile(anna, city="Gdańsk", email="inny@example.pl")
    page = client.post(
        f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]}
    ).content.decode()
    merged = form_values(page, "contact-form")

    response = client.post(f"/contacts/{anna.id}/change/", {**merged, "keep_city": ["mine"]})

    assert response.status_code == 302
    anna.refresh_from_db()
    assert (anna.city, anna.email) == ("Kraków", "inny@example.pl")


def test_groups_merge_what_each_side_added_and_took_out(
    client, alice, alice_account, anna, klienci, vip
):
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    Membership.objects.create(contact=anna, group=dostawcy)
    form = opened(client, anna)
    Membership.objects.create(contact=anna, group=vip)  # Bartek put her in VIP

    typed = {**form, "group_id": [str(klienci.id)]}  # Alice took her out of Dostawcy
    page = client.post(f"/contacts/{anna.id}/change/", typed).content.decode()
    assert conflict_rows(page)["Groups"] == [
        "Dostawcy, Klienci",
        "Dostawcy, Klienci, VIP",
        "Klienci",
        "Klienci, VIP",
    ]
    merged = form_values(page, "contact-form")
    assert sorted(merged["group_id"]) == sorted([str(klienci.id), str(vip.id)])

    assert client.post(f"/contacts/{anna.id}/change/", merged).status_code == 302
    assert sorted(Contact.objects.get(id=anna.id).groups.values_list("name", flat=True)) == [
        "Klienci",
        "VIP",
    ]


def test_a_change_made_while_the_conflict_is_settled_is_caught_too(client, alice, anna, wire):
    form = opened(client, anna)
    meanwhile(anna, email="pierwsza@example.pl")
    page = client.post(
        f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]}
    ).content.decode()
    merged = form_values(page, "contact-form")
    meanwhile(anna, description="Druga zmiana")

    response = client.post(f"/contacts/{anna.id}/change/", merged)

    assert response.status_code == 200
    assert conflict_rows(response.content.decode())["Description"][:2] == [
        "Dzwonić po 16.",
        "Druga zmiana",
    ]
    assert edits(wire) == 0


def test_with_no_change_meanwhile_the_save_goes_straight_through(client, alice, anna, wire):
    form = opened(client, anna)
    calls_before = len(wire)
    response = client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})
    assert response.status_code == 302
    assert Contact.objects.get(id=anna.id).city == "Kraków"
    # Read the contact, its groups, the group list; write; read back nothing (no group left).
    assert edits(wire) == 1
    assert len(wire) - calls_before <= 4


def test_a_form_refused_for_its_input_still_catches_a_change_made_before_it(client, alice, anna):
    form = opened(client, anna)
    refused = client.post(f"/contacts/{anna.id}/change/", {**form, "email": ["nie-email"]})
    assert refused.status_code == 200
    meanwhile(anna, city="Gdańsk")
    again = form_values(refused.content.decode(), "contact-form")

    response = client.post(f"/contacts/{anna.id}/change/", {**again, "email": ["a@example.pl"]})

    assert "Someone changed this contact since you opened it" in response.content.decode()
    assert Contact.objects.get(id=anna.id).email == "anna@example.pl"


def test_the_history_records_what_was_there_just_before_the_save(client, alice, anna):
    form = opened(client, anna)
    meanwhile(anna, email="bartek@example.pl")
    page = client.post(
        f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]}
    ).content.decode()
    client.post(f"/contacts/{anna.id}/change/", form_values(page, "contact-form"))

    entry = HistoryEntry.objects.get(action=HistoryEntry.Action.CONTACT_EDIT)
    assert entry.before["email"] == "bartek@example.pl"
    assert (entry.after["email"], entry.after["city"]) == ("bartek@example.pl", "Kraków")


def test_a_forged_record_as_shown_counts_as_none(client, alice, anna):
    form = opened(client, anna)
    forged = {**form, "as_shown": ["not-a-signed-record"], "city": ["Kraków"]}
    assert client.post(f"/contacts/{anna.id}/change/", forged).status_code == 302
