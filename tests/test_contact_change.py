"""Changing a contact: filled from contacts/view and groups/check, saved whole by contacts/edit."""

import pytest

from contacts_ui import conflicts
from contacts_ui.sandbox.models import Contact, Group
from tests.conftest import make_sandbox_account
from tests.helpers import ANNA as FIELDS
from tests.helpers import form_values, make_contact, make_user, sandbox_fails_on

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def klienci(alice_account):
    return Group.objects.create(account=alice_account, name="Klienci")


@pytest.fixture
def anna(alice_account, klienci):
    return make_contact(alice_account, groups=[klienci], **FIELDS)


def _form(client, contact) -> dict[str, list[str]]:
    """The change form as a browser would send it back untouched."""
    page = client.get(f"/contacts/{contact.id}/change/").content.decode()
    values = form_values(page, "contact-form")
    values.pop("csrfmiddlewaretoken")
    return values


def _stored(contact) -> dict[str, str]:
    contact.refresh_from_db()
    return {name: getattr(contact, name) for name in FIELDS}


def test_it_requires_login(client, db):
    response = client.get("/contacts/1/change/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/contacts/1/change/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get("/contacts/1/change/")
    assert response.url == "/settings/credentials/?next=%2Fcontacts%2F1%2Fchange%2F"


def test_it_fills_in_every_field_and_the_groups(client, alice, anna, klienci, dostawcy):
    values = _form(client, anna)
    # The record as shown, signed, for the save to compare (test_contact_change_conflicts).
    assert conflicts.as_shown(values.pop("as_shown")[0]) == conflicts.comparable(
        {**FIELDS, "group_ids": [klienci.id]}
    )
    assert values == {name: [value] for name, value in FIELDS.items()} | {
        "_changelist_filters": [""],
        "groups_shown": ["1"],
        "group_id": [str(klienci.id)],
    }


def test_it_shows_only_this_contacts_groups(client, alice, alice_account, anna, dostawcy):
    # Another contact with the same phone, in another group: groups/check lists both.
    make_contact(alice_account, FIELDS["phone"], groups=[dostawcy], first_name="Druga Anna")
    page = client.get(f"/contacts/{anna.id}/change/").content.decode()
    assert form_values(page, "contact-form")["group_id"] == [str(anna.groups.get().id)]
    assert f'<option value="{dostawcy.id}">Dostawcy</option>' in page


def test_it_offers_delete_keeping_the_list_state(client, alice, anna):
    page = client.get(f"/contacts/{anna.id}/change/?_changelist_filters=q%3DAnna").content.decode()
    assert "<title>Change contact | SerwerSMS Contacts</title>" in page
    assert (
        f'<a href="/contacts/{anna.id}/delete/?_changelist_filters=q%3DAnna" class="deletelink">'
        in page
    )


def test_saving_one_change_keeps_every_other_field(client, alice, anna, klienci):
    values = _form(client, anna)
    values["city"] = ["Kraków"]
    response = client.post(f"/contacts/{anna.id}/change/", values)
    assert response.status_code == 302
    assert response.url == "/contacts/"
    assert _stored(anna) == {**FIELDS, "city": "Kraków"}
    assert list(anna.groups.all()) == [klienci]


def test_it_says_the_contact_was_saved(client, alice, anna):
    response = client.post(f"/contacts/{anna.id}/change/", _form(client, anna), follow=True)
    assert '<li class="success">The contact “Anna Kowalska” was saved.</li>' in (
        response.content.decode()
    )


def test_it_normalises_a_changed_phone(client, alice, anna):
    values = _form(client, anna) | {"phone": ["0048 600-700-800"]}
    client.post(f"/contacts/{anna.id}/change/", values)
    assert _stored(anna)["phone"] == "+48600700800"


def test_it_moves_the_contact_between_groups(client, alice, anna, klienci, dostawcy):
    values = _form(client, anna) | {"group_id": [str(dostawcy.id)]}
    client.post(f"/contacts/{anna.id}/change/", values)
    assert list(anna.groups.all()) == [dostawcy]

    # Each change on the form as it is opened after the one before (a form kept from
    # before a save shows a record that is no longer there: test_contact_change_conflicts).
    values = _form(client, anna) | {"group_id": [str(klienci.id), str(dostawcy.id)]}
    client.post(f"/contacts/{anna.id}/change/", values)
    assert set(anna.groups.all()) == {klienci, dostawcy}

    values = _form(client, anna) | {"group_id": []}
    client.post(f"/contacts/{anna.id}/change/", values)
    assert list(anna.groups.all()) == []


def test_a_bad_value_is_refused_and_the_input_kept(client, alice, anna, klienci):
    values = _form(client, anna) | {"tax_id": ["5260250275"], "city": ["Kraków"]}
    response = client.post(f"/contacts/{anna.id}/change/", values)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This NIP’s check digit is wrong; check it for a typo." in page
    kept = form_values(page, "contact-form")
    kept.pop("csrfmiddlewaretoken")
    assert kept == values  # the record as first shown (as_shown) included
    assert _stored(anna) == FIELDS


def test_save_and_continue_editing_stays_on_the_form(client, alice, anna):
    values = _form(client, anna) | {"_continue": ["Save and continue editing"]}
    response = client.post(f"/contacts/{anna.id}/change/", values)
    assert response.url == f"/contacts/{anna.id}/change/"


def test_save_and_add_another_opens_an_empty_form(client, alice, anna):
    values = _form(client, anna) | {"_addanother": ["1"], "_changelist_filters": ["g=none"]}
    response = client.post(f"/contacts/{anna.id}/change/", values)
    assert response.url == "/contacts/add/?_changelist_filters=g%3Dnone"


def test_it_returns_to_the_list_as_it_was_left(client, alice, anna):
    values = _form(client, anna) | {"_changelist_filters": ["q=Anna&o=-city&p=2"]}
    response = client.post(f"/contacts/{anna.id}/change/", values)
    assert response.url == "/contacts/?q=Anna&o=-city&p=2"


def test_an_unknown_contact_sends_back_to_the_list_with_a_message(client, alice):
    response = client.get("/contacts/999999/change/?_changelist_filters=g%3Dnone", follow=True)
    assert response.redirect_chain == [("/contacts/?g=none", 302)]
    assert (
        '<li class="error">That contact does not exist (it may have been deleted).</li>'
        in response.content.decode()
    )


def test_another_accounts_contact_is_unknown(client, alice, anna):
    bobs = make_contact(make_sandbox_account("bob"), first_name="Bob")
    response = client.post(f"/contacts/{bobs.id}/change/", {"phone": "500600700"})
    assert response.url == "/contacts/"
    bobs.refresh_from_db()
    assert (bobs.first_name, bobs.phone) == ("Bob", "+48500600700")


@pytest.mark.parametrize("mode", ["http500", "api_error", "malformed", "disconnect"])
def test_a_failure_to_read_the_contact_is_a_message_on_the_list(client, alice, anna, faults, mode):
    faults(mode)
    response = client.get(f"/contacts/{anna.id}/change/")
    assert response.status_code == 302
    assert response.url == "/contacts/"


def test_a_failure_to_save_keeps_the_input_and_changes_nothing(
    client, alice, anna, klienci, monkeypatch
):
    values = _form(client, anna) | {"city": ["Kraków"], "group_id": []}
    # The reads answer; contacts/edit fails.
    sandbox_fails_on(monkeypatch, "http500", "contacts/edit")
    response = client.post(f"/contacts/{anna.id}/change/", values)
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<p class="errornote" role="alert">The SerwerSMS API answered with an error (HTTP 500). '
        "The change may or may not have been made. Before you try again, "
        '<a href="/contacts/?q=%2B48500600700" target="_blank" rel="noopener">'
        "search the contacts for +48500600700</a> (opens in a new tab) to see whether it was. "
        "Your input is kept; try again.</p>" in page
    )
    assert form_values(page, "contact-form")["city"] == ["Kraków"]
    assert _stored(anna) == FIELDS
    assert list(anna.groups.all()) == [klienci]


def test_saving_after_the_groups_failed_to_load_keeps_the_groups(
    client, alice, anna, klienci, monkeypatch
):
    # contacts/view and groups/check answer; groups/index, for the picker, fails.
    sandbox_fails_on(monkeypatch, "http500", "groups/index")
    page = client.get(f"/contacts/{anna.id}/change/").content.decode()
    assert "The groups could not be shown, so the contact cannot be saved now." in page
    values = form_values(page, "contact-form") | {"city": ["Kraków"]}
    monkeypatch.undo()
    client.post(f"/contacts/{anna.id}/change/", values)
    assert list(Contact.objects.get(id=anna.id).groups.all()) == [klienci]
