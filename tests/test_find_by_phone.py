"""Find by phone: the groups that hold a number, typed in any common format (groups/check)."""

import pytest

from contacts_ui.sandbox.models import Group
from tests.helpers import form_values, make_contact, make_user, table_rows

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/find/"


@pytest.fixture
def holders(alice_account):
    """+48500600700 in Klienci and in Newsletter (as two contacts); another number in Dostawcy."""
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    newsletter = Group.objects.create(account=alice_account, name="Newsletter")
    anna = make_contact(alice_account, "+48500600700", groups=[klienci], first_name="Anna")
    again = make_contact(alice_account, "+48500600700", groups=[newsletter], first_name="Anna K.")
    make_contact(alice_account, "+48600700800", groups=[dostawcy])
    return [(klienci, anna), (newsletter, again)]


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/find/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get(URL, {"phone": "500600700"})
    assert response.url == "/settings/credentials/?next=%2Ffind%2F%3Fphone%3D500600700"


def test_it_shows_an_empty_form_at_first(client, alice):
    page = client.get(URL).content.decode()
    assert form_values(page, "find-form") == {"phone": [""]}
    assert "find-results" not in page
    assert 'class="errorlist"' not in page


@pytest.mark.parametrize("typed", ["500 600 700", "+48 500-600-700", "0048500600700"])
def test_it_finds_the_groups_holding_a_number_typed_any_way(client, alice, holders, typed):
    page = client.get(URL, {"phone": typed}).content.decode()
    assert "<caption>Groups holding +48500600700</caption>" in page
    assert table_rows(page) == [[group.name, f"Contact {contact.id}"] for group, contact in holders]
    for group, contact in holders:
        assert f'<th scope="row"><a href="/contacts/?g={group.id}">{group.name}</a></th>' in page
        assert f'<td><a href="/contacts/{contact.id}/change/">Contact {contact.id}</a></td>' in page
    assert form_values(page, "find-form") == {"phone": [typed]}


def test_an_unknown_number_is_in_no_group(client, alice, holders):
    page = client.get(URL, {"phone": "700 800 900"}).content.decode()
    assert "No group holds a contact with the number +48700800900." in page
    assert "<table" not in page.split('id="find-results"')[1]


def test_a_contact_in_no_group_is_not_found_in_one(client, alice, alice_account):
    make_contact(alice_account, "+48700800900")
    page = client.get(URL, {"phone": "700800900"}).content.decode()
    assert "No group holds a contact with the number +48700800900." in page


def test_only_the_users_own_groups_are_searched(client, alice, bob_account):
    bobs = Group.objects.create(account=bob_account, name="Grupa Boba")
    make_contact(bob_account, "+48500600700", groups=[bobs])
    page = client.get(URL, {"phone": "500600700"}).content.decode()
    assert "No group holds a contact with the number +48500600700." in page
    assert "Grupa Boba" not in page


@pytest.mark.parametrize("typed", ["12", "abc", "+48 500 600 700 800 900"])
def test_a_bad_number_is_refused_next_to_the_field(client, alice, typed):
    page = client.get(URL, {"phone": typed}).content.decode()
    assert (
        '<ul class="errorlist" id="id_phone_error"><li>Enter a phone number, such as '
        "500 600 700 or +48 500 600 700.</li></ul>" in page
    )
    assert form_values(page, "find-form") == {"phone": [typed]}
    assert "find-results" not in page


def test_an_empty_number_is_required(client, alice):
    page = client.get(URL, {"phone": ""}).content.decode()
    assert "This field is required." in page


@pytest.mark.parametrize(
    "mode, words",
    [
        ("http500", "The SerwerSMS API answered with an error (HTTP 500)."),
        ("api_error", "The SerwerSMS API refused the request: Wystąpił błąd wewnętrzny"),
        ("malformed", "The SerwerSMS API gave an answer that could not be read."),
        ("disconnect", "The connection to the SerwerSMS API broke before it answered."),
    ],
)
def test_an_api_failure_is_a_message_not_a_server_error(client, alice, faults, mode, words):
    faults(mode)
    response = client.get(URL, {"phone": "500 600 700"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<p class="errornote" role="alert">{words}' in page
    assert form_values(page, "find-form") == {"phone": ["500 600 700"]}
    assert "find-results" not in page
