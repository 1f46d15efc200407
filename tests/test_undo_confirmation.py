"""The undo confirmation shows what it promises: field by field, each value as the change
left it at SerwerSMS and as the undo sets it, for every kind of change; and the undo then
sets exactly those values."""

import uuid
from dataclasses import replace

import pytest

from contacts_ui.history.recorder import WriteRecorder
from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import Credentials, SerwerSMSClient
from tests import history_entries
from tests.helpers import ANNA, form_values, make_contact, table_rows
from tests.history_entries import ANNA as ANNA_DATA

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def klienci(alice_account):
    return Group.objects.create(account=alice_account, name="Klienci")


@pytest.fixture
def dostawcy(alice_account):
    return Group.objects.create(account=alice_account, name="Dostawcy")


@pytest.fixture
def anna(alice_account, klienci):
    return make_contact(alice_account, groups=[klienci], **ANNA)


def last_entry() -> HistoryEntry:
    return HistoryEntry.objects.filter(undo_of=None).latest("id")


def confirmation(client, entry: HistoryEntry) -> str:
    response = client.get(f"/history/{entry.id}/undo/")
    assert response.status_code == 200
    return response.content.decode()


def sets(page: str) -> list[list[str]]:
    """The rows of 'what undoing sets': field, now, after the undo."""
    return table_rows(page, "undo-sets")


def edit_anna(client, anna, **changes) -> None:
    page = client.get(f"/contacts/{anna.id}/change/").content.decode()
    values = form_values(page, "contact-form") | changes
    values.pop("csrfmiddlewaretoken")
    client.post(f"/contacts/{anna.id}/change/", values)


def test_the_undo_of_a_contact_edit_shows_each_changed_field_now_and_after_the_undo(
    client, alice, anna, dostawcy
):
    edit_anna(client, anna, city=["Kraków"], description=[""], group_id=[str(dostawcy.id)])

    page = confirmation(client, last_entry())

    assert sets(page) == [
        ["City", "Kraków", "Łódź"],
        ["Description", "(empty)", "Dzwonić po 16."],
        ["Groups", "Dostawcy", "Klienci"],
    ]


def test_the_undo_of_a_contact_edit_sets_the_values_its_confirmation_showed(
    client, alice, anna, dostawcy
):
    edit_anna(client, anna, city=["Kraków"], group_id=[str(dostawcy.id)])
    entry = last_entry()
    promised = {field: then for field, _now, then in sets(confirmation(client, entry))}

    client.post(f"/history/{entry.id}/undo/")

    anna.refresh_from_db()
    assert promised == {"City": anna.city, "Groups": "Klienci"}
    assert list(anna.groups.values_list("name", flat=True)) == ["Klienci"]


def test_the_undo_of_a_contact_addition_shows_the_contact_it_deletes(client, alice, klienci):
    client.post(
        "/contacts/add/", {"phone": "500 600 701", "first_name": "Nowy", "group_id": [klienci.id]}
    )

    page = confirmation(client, last_entry())

    assert sets(page) == [
        ["Phone", "+48500600701", "(deleted)"],
        ["First name", "Nowy", "(deleted)"],
        ["Groups", "Klienci", "(deleted)"],
    ]


def test_the_undo_of_a_contact_deletion_shows_the_contact_it_creates_again(client, alice, anna):
    client.post(f"/contacts/{anna.id}/delete/")

    rows = sets(confirmation(client, last_entry()))

    assert ["City", "(no such record)", "Łódź"] in rows
    assert ["Groups", "(no such record)", "Klienci (those of them that still exist)"] in rows
    assert len(rows) == len(ANNA) + 1  # every field filled in, and the groups


def test_the_undo_of_a_group_rename_shows_the_name_it_gets_back(client, alice, klienci):
    client.post(f"/groups/{klienci.id}/change/", {"name": "Klienci VIP"})

    page = confirmation(client, last_entry())

    assert sets(page) == [["Name", "Klienci VIP", "Klienci"]]


def test_the_undo_of_a_group_addition_shows_the_group_it_deletes(client, alice):
    client.post("/groups/add/", {"name": "Nowa grupa"})

    page = confirmation(client, last_entry())

    assert sets(page) == [["Name", "Nowa grupa", "(deleted)"]]


def test_the_undo_of_a_group_deletion_shows_the_group_and_the_contacts_it_puts_back(
    client, alice, alice_account, klienci, anna
):
    make_contact(alice_account, "+48500600702", groups=[klienci], first_name="Bartek")
    client.post(f"/groups/{klienci.id}/delete/")

    page = confirmation(client, last_entry())

    assert sets(page) == [["Name", "(no such record)", "Klienci"]]
    assert "The contacts put back in the group" in page
    assert sorted(table_rows(page, "undo-members")) == [
        ["Anna Kowalska", "+48500600700"],
        ["Bartek", "+48500600702"],
    ]


def test_the_undo_of_a_group_deleted_with_its_contacts_says_they_are_created_again(
    client, alice, klienci, anna
):
    client.post(f"/groups/{klienci.id}/delete/", {"delete_contacts": "on"})

    page = confirmation(client, last_entry())

    assert "The contacts created again, in the group" in page
    assert table_rows(page, "undo-members") == [["Anna Kowalska", "+48500600700"]]


def test_the_undo_of_a_blacklisting_shows_the_number_comes_off_the_blacklist(client, alice):
    client.post("/blacklist/add/", {"phone": "500 600 700"})
    entry = last_entry()
    assert entry.action == HistoryEntry.Action.BLACKLIST_ADD

    page = confirmation(client, entry)

    assert sets(page) == [["On the blacklist", "Yes", "No"]]


def test_a_refused_undo_shows_the_difference_instead_of_a_promise(client, alice, anna):
    edit_anna(client, anna, city=["Kraków"])
    Contact.objects.filter(id=anna.id).update(city="Gdańsk")  # someone else, elsewhere

    page = confirmation(client, last_entry())

    assert table_rows(page, "undo-differences") == [["City", "Kraków", "Gdańsk"]]
    assert 'id="undo-sets"' not in page
    assert 'id="undo-form"' not in page


def test_a_refused_undo_names_the_groups_that_differ(client, alice, anna, dostawcy):
    edit_anna(client, anna, group_id=[str(dostawcy.id)])
    Contact.objects.get(id=anna.id).groups.clear()  # taken out of Dostawcy, elsewhere

    page = confirmation(client, last_entry())

    assert table_rows(page, "undo-differences") == [["Groups", "Dostawcy", ""]]


def test_a_bulk_undo_promises_no_table_it_does_not_show(client, alice, api_url, anna, klienci):
    batch = uuid.uuid4()
    credentials = Credentials("token", "", "alice-token")
    recorder = WriteRecorder(SerwerSMSClient(credentials, api_url), alice, batch=batch)
    recorder.groups_edit(klienci.id, "Byli klienci")

    page = client.get(f"/history/batch/{batch}/undo/").content.decode()

    assert "The group will be renamed back from “Byli klienci” to “Klienci”." in page
    assert "shown below" not in page


def test_a_contacts_deletion_page_says_it_can_be_restored_and_the_trash_then_has_it(
    client, alice, anna
):
    page = client.get(f"/contacts/{anna.id}/delete/").content.decode()
    assert "it can be restored from the trash: as a new contact, with a new id." in page

    client.post(f"/contacts/{anna.id}/delete/")

    trash = table_rows(client.get("/trash/").content.decode())
    assert trash[0][:3] == ["contact", "Anna Kowalska", "+48500600700"]


def test_a_large_groups_deletion_lists_the_first_hundred_contacts_and_counts_the_rest(
    client, alice
):
    members = [
        replace(ANNA_DATA, phone=f"+48500{n:06}", first_name=f"Osoba {n}") for n in range(103)
    ]
    entry = history_entries.group_delete(alice, name="Duża grupa", members=members)

    page = confirmation(client, entry)

    rows = table_rows(page, "undo-members")
    assert rows[0] == ["Osoba 0 Kowalska", "+48500000000"]
    assert len(rows) == 101
    assert rows[-1] == ["…and 3 more"]
