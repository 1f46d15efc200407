"""Adding a contact: checked here (phone, NIP, email), then created with contacts/add."""

import re

import pytest
from django.test import Client

from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import form_values, make_user, sandbox_fails_after

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/contacts/add/"

TYPED = {
    "first_name": "Anna",
    "last_name": "Kowalska",
    "phone": "500 600 700",
    "email": "anna@example.pl",
    "company": "Kowalscy sp. z o.o.",
    "tax_id": "526-025-02-74",
    "address": "ul. Piotrkowska 1",
    "city": "Łódź",
    "description": "Dzwonić po 16.\nNie w weekendy.",
}


def _row(page: str, name: str) -> str:
    """The form row of one field, with its errors."""
    start = page.index(f"field-{name}")
    end = page.find('<div class="form-row', start)
    return page[start : end if end != -1 else None]


def _kept(page: str, groups_shown: bool = True) -> dict[str, list[str]]:
    values = form_values(page, "contact-form")
    values.pop("csrfmiddlewaretoken")
    values.pop("_changelist_filters")
    # The group picker was shown with the groups (else the view keeps the contact's own).
    assert values.pop("groups_shown", None) == (["1"] if groups_shown else None)
    return values


def _only_contact(account) -> Contact:
    [contact] = Contact.objects.filter(account=account)
    return contact


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/contacts/add/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get(URL)
    assert response.url == "/settings/credentials/?next=%2Fcontacts%2Fadd%2F"


def test_it_shows_an_empty_form_with_the_groups_to_choose(client, alice, groups):
    page = client.get(URL).content.decode()
    assert "<title>Add contact | SerwerSMS Contacts</title>" in page
    assert _kept(page) == {name: [""] for name in TYPED} | {"group_id": []}
    klienci, dostawcy, newsletter = groups
    # Sorted by name, as groups/index gives them.
    assert re.findall(r'<option value="(\d+)">([^<]*)</option>', _row(page, "group_id")) == [
        (str(dostawcy.id), "Dostawcy"),
        (str(klienci.id), "Klienci"),
        (str(newsletter.id), "Newsletter"),
    ]


def test_it_adds_the_contact_with_the_phone_in_e164(client, alice, alice_account):
    response = client.post(URL, TYPED)
    assert response.status_code == 302
    assert response.url == "/contacts/"
    contact = _only_contact(alice_account)
    assert contact.phone == "+48500600700"
    assert {name: getattr(contact, name) for name in TYPED if name != "phone"} == {
        name: value for name, value in TYPED.items() if name != "phone"
    }


def test_it_says_the_contact_was_added(client, alice):
    response = client.post(URL, TYPED, follow=True)
    assert '<li class="success">The contact “Anna Kowalska” was added.</li>' in (
        response.content.decode()
    )


def test_a_contact_with_only_a_phone_is_named_by_it(client, alice, alice_account):
    response = client.post(URL, {"phone": "+48 600-700-800"}, follow=True)
    assert '<li class="success">The contact “+48600700800” was added.</li>' in (
        response.content.decode()
    )
    assert _only_contact(alice_account).first_name == ""


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("phone", "12", "Enter a phone number, such as 500 600 700 or +48 500 600 700."),
        ("phone", "abc", "Enter a phone number, such as 500 600 700 or +48 500 600 700."),
        ("phone", "", "This field is required."),
        ("tax_id", "5260250275", "This NIP’s check digit is wrong; check it for a typo."),
        ("tax_id", "PL 526 025 02 75", "This NIP’s check digit is wrong; check it for a typo."),
        ("email", "anna@", "Enter a valid email address."),
        ("first_name", "x" * 256, "Ensure this value has at most 255 characters (it has 256)."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_kept(
    client, alice, alice_account, groups, field, value, error
):
    typed = {**TYPED, field: value, "group_id": [groups[1].id]}
    response = client.post(URL, typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<div class="form-row errors field-{field}">' in page
    assert f"<li>{error}</li>" in _row(page, field)
    assert page.count('class="errorlist"') == 1
    assert _kept(page) == {name: [v] for name, v in TYPED.items() if name != field} | {
        field: [value],
        "group_id": [str(groups[1].id)],
    }
    assert not Contact.objects.exists()


@pytest.mark.parametrize("tax_id", ["526-025-02-74", "5260250274", "PL5260250274", "DE123456789"])
def test_a_valid_nip_or_a_foreign_tax_id_is_kept_as_typed(client, alice, alice_account, tax_id):
    response = client.post(URL, {**TYPED, "tax_id": tax_id})
    assert response.status_code == 302
    assert _only_contact(alice_account).tax_id == tax_id


def test_it_puts_the_contact_in_every_group_chosen(client, alice, alice_account, groups):
    klienci, dostawcy, newsletter = groups
    client.post(URL, {**TYPED, "group_id": [klienci.id, newsletter.id]})
    contact = _only_contact(alice_account)
    assert set(contact.groups.all()) == {klienci, newsletter}


def test_an_unknown_group_is_refused(client, alice, groups, bob_account):
    bobs = Group.objects.create(account=bob_account, name="Grupa Boba")
    page = client.post(URL, {**TYPED, "group_id": [bobs.id]}).content.decode()
    assert f"Select a valid choice. {bobs.id} is not one of the available choices." in _row(
        page, "group_id"
    )
    assert not Contact.objects.filter(account__name="alice").exists()


def test_save_and_add_another_comes_back_to_an_empty_form(client, alice, alice_account):
    response = client.post(URL, {**TYPED, "_addanother": "Save and add another"})
    assert response.url == "/contacts/add/"
    assert _only_contact(alice_account).phone == "+48500600700"


def test_save_and_continue_editing_opens_the_new_contact(client, alice, alice_account):
    response = client.post(URL, {**TYPED, "_continue": "Save and continue editing"})
    contact = _only_contact(alice_account)
    assert response.url == f"/contacts/{contact.id}/change/"


def test_every_way_out_keeps_the_list_as_it_was_left(client, alice, alice_account):
    filters = {"_changelist_filters": "q=Anna&o=-city"}
    assert client.post(URL, {**TYPED, **filters}).url == "/contacts/?q=Anna&o=-city"
    assert (
        client.post(URL, {**TYPED, **filters, "_addanother": "1"}).url
        == "/contacts/add/?_changelist_filters=q%3DAnna%26o%3D-city"
    )
    response = client.post(URL, {**TYPED, **filters, "_continue": "1"})
    newest = Contact.objects.latest("id")
    assert response.url == f"/contacts/{newest.id}/change/?_changelist_filters=q%3DAnna%26o%3D-city"


def test_a_group_in_the_address_is_chosen_already(client, alice, groups):
    dostawcy = groups[1]
    page = client.get(URL, {"g": dostawcy.id}).content.decode()
    assert _kept(page)["group_id"] == [str(dostawcy.id)]
    assert client.get(URL, {"g": "abc"}).status_code == 200


def test_an_api_refusal_keeps_the_input_and_says_why(client, alice, groups, monkeypatch):
    sandbox_fails_after(monkeypatch, answered=1, mode="api_error")  # groups/index, then add
    response = client.post(URL, {**TYPED, "group_id": [groups[0].id]})
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<p class="errornote" role="alert">The SerwerSMS API refused the request: '
        "Wystąpił błąd wewnętrzny. Spróbuj ponownie później. (code 9999). "
        "Your input is kept; try again.</p>" in page
    )
    assert _kept(page) == {name: [value] for name, value in TYPED.items()} | {
        "group_id": [str(groups[0].id)]
    }
    assert not Contact.objects.exists()


@pytest.mark.parametrize("mode", ["http500", "api_error", "malformed", "disconnect"])
def test_an_api_failure_is_never_a_server_error(client, alice, faults, mode):
    faults(mode)
    response = client.post(URL, TYPED)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="errornote" role="alert">' in page
    kept = _kept(page, groups_shown=False)  # every call fails, groups/index too
    assert kept == {name: [value] for name, value in TYPED.items()} | {"group_id": []}


def test_a_failure_to_list_the_groups_still_shows_the_form(client, alice, faults):
    faults("http500")
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert "Your input is kept" not in page  # nothing was typed yet
    assert 'id="contact-form"' in page


def test_the_form_needs_a_csrf_token(alice):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(URL, TYPED).status_code == 403
    assert not Contact.objects.exists()
