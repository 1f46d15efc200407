"""No silent success under the provider's other plausible behaviours (SANDBOX_PROVIDER).

Taking a contact out of a group decides who gets the group's messages: the write is read
back, and when the API kept the contact in the group the person is told so, and the history
records what the API holds. A phone the API shows masked is never written back. A phone in
no group that groups/check answers with an error counts as in no group.
"""

import pytest

from contacts_ui.models import HistoryEntry, Job, JobItem
from contacts_ui.sandbox.models import Contact, Group
from tests import bulk_actions
from tests.bulk_actions import choose, confirm, groups_of
from tests.helpers import form_values, make_contact
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

groups = bulk_actions.groups
people = bulk_actions.people


@pytest.fixture
def anna(alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    vip = Group.objects.create(account=alice_account, name="VIP")
    return make_contact(
        alice_account, "+48500600700", groups=[klienci, vip], first_name="Anna", city="Łódź"
    )


def change(client, contact, **values):
    page = client.get(f"/contacts/{contact.id}/change/").content.decode()
    form = {**form_values(page, "contact-form"), **values}
    return client.post(f"/contacts/{contact.id}/change/", form)


def test_a_group_the_api_kept_is_said_and_recorded_as_it_is(client, alice, anna, settings):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    vip = Group.objects.get(name="VIP")

    response = change(client, anna, group_id=[str(vip.id)], city="Gdańsk")

    page = response.content.decode()
    assert response.status_code == 200
    assert "is still in “Klienci”: the API did not take the contact out of that group" in page
    # What was typed is kept.
    assert 'value="Gdańsk"' in page
    assert sorted(anna.groups.values_list("name", flat=True)) == ["Klienci", "VIP"]
    entry = HistoryEntry.objects.get(action=HistoryEntry.Action.CONTACT_EDIT)
    assert entry.outcome == HistoryEntry.Outcome.FAILED
    assert sorted(entry.after["group_ids"]) == sorted(anna.groups.values_list("id", flat=True))


def test_the_same_change_succeeds_where_the_api_replaces_groups(client, alice, anna):
    vip = Group.objects.get(name="VIP")

    response = change(client, anna, group_id=[str(vip.id)])

    assert response.status_code == 302
    assert list(anna.groups.values_list("name", flat=True)) == ["VIP"]
    entry = HistoryEntry.objects.get(action=HistoryEntry.Action.CONTACT_EDIT)
    assert entry.outcome == HistoryEntry.Outcome.DONE
    assert entry.after["group_ids"] == [vip.id]


def test_a_bulk_removal_the_api_ignores_fails_item_by_item(
    client, alice, alice_account, people, groups, settings
):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    klienci = groups["Klienci"]
    before = groups_of(alice_account)
    confirmation = choose(client, "remove_from_group", [people["Adam"], people["Beata"]])
    confirm(client, confirmation, klienci)
    run_worker()

    job = Job.objects.get()
    assert set(job.items.values_list("status", flat=True)) == {JobItem.Status.FAILED}
    assert all("is still in “Klienci”" in item.message for item in job.items.all())
    assert groups_of(alice_account) == before


def test_a_hidden_phone_is_never_written_back(client, alice, anna, settings, wire):
    settings.SANDBOX_PROVIDER = ["numbers-masked"]
    page = client.get(f"/contacts/{anna.id}/change/").content.decode()
    form = {**form_values(page, "contact-form"), "city": "Gdańsk"}
    assert form["phone"] == ["+48500***700"]
    wire.clear()

    response = client.post(f"/contacts/{anna.id}/change/", form)

    # The form refuses the masked number as a phone before anything is sent.
    assert response.status_code == 200
    assert "SerwerSMS shows this number hidden" in response.content.decode()
    assert not [call for call in wire if call["url"].endswith("contacts/edit.json")]
    anna.refresh_from_db()
    assert (anna.phone, anna.city) == ("+48500600700", "Łódź")


def test_a_bulk_action_never_writes_a_hidden_phone_back(
    client, alice, alice_account, people, groups, settings
):
    settings.SANDBOX_PROVIDER = ["numbers-masked"]
    confirmation = choose(client, "add_to_group", [people["Adam"], people["Cezary"]])
    confirm(client, confirmation, groups["VIP"])
    run_worker()

    job = Job.objects.get()
    assert set(job.items.values_list("status", flat=True)) == {JobItem.Status.FAILED}
    assert "shows this contact's phone number hidden" in job.items.first().message
    phones = set(Contact.objects.filter(account=alice_account).values_list("phone", flat=True))
    assert not any("*" in phone for phone in phones)


def test_a_contact_in_no_group_is_edited_where_groups_check_refuses_its_phone(
    client, alice, alice_account, settings
):
    settings.SANDBOX_PROVIDER = ["check-refuses-unknown-phone"]
    ewa = make_contact(alice_account, "+48500600701", first_name="Ewa")

    response = change(client, ewa, city="Gdańsk")

    assert response.status_code == 302
    ewa.refresh_from_db()
    assert ewa.city == "Gdańsk"


def test_phones_stored_without_their_plus_are_read_as_e164(client, alice, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["phones-without-plus"]
    ewa = make_contact(alice_account, "48500600701", first_name="Ewa")

    page = client.get(f"/contacts/{ewa.id}/change/").content.decode()
    assert form_values(page, "contact-form")["phone"] == ["+48500600701"]
    response = change(client, ewa, city="Gdańsk")

    assert response.status_code == 302
    ewa.refresh_from_db()
    assert (ewa.phone, ewa.city) == ("48500600701", "Gdańsk")
