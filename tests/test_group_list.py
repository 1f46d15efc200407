"""The groups page: the user's own groups, live from the API, failures said plainly."""

import pytest

from contacts_ui.sandbox.models import Contact, Group, Membership
from tests.conftest import make_sandbox_account
from tests.helpers import make_user, table_rows

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/groups/"


def _group(account, name, contacts=0):
    group = Group.objects.create(account=account, name=name)
    for number in range(contacts):
        contact = Contact.objects.create(
            account=account, phone=f"+4850000{group.id:02d}{number:02d}"
        )
        Membership.objects.create(contact=contact, group=group)
    return group


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/groups/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get(URL, follow=True)
    assert response.redirect_chain[-1][0] == "/settings/credentials/?next=%2Fgroups%2F"
    assert "Enter your API credentials to continue" in response.content.decode()


def test_it_lists_groups_with_their_counts(client, alice, alice_account):
    _group(alice_account, "Klienci VIP", contacts=3)
    _group(alice_account, "Dostawcy")
    rows = table_rows(client.get(URL).content.decode())
    assert rows == [["Dostawcy", "0"], ["Klienci VIP", "3"]]


def test_it_searches_by_name(client, alice, alice_account):
    _group(alice_account, "Klienci Łódź")
    _group(alice_account, "Dostawcy")
    page = client.get(URL, {"q": "łÓDŹ"}).content.decode()
    assert "Klienci Łódź" in page
    assert "Dostawcy" not in page


def test_an_htmx_request_gets_only_the_table(client, alice, alice_account):
    _group(alice_account, "Hurtownie")
    response = client.get(URL, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="group-table"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, alice, alice_account):
    response = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_each_user_sees_only_their_own_groups(client, alice, alice_account):
    bob_account = make_sandbox_account("bob")
    _group(alice_account, "Grupa Alicji")
    _group(bob_account, "Grupa Boba")
    assert "Grupa Boba" not in client.get(URL).content.decode()

    client.force_login(make_user("bob", token="bob-token"))
    page = client.get(URL).content.decode()
    assert "Grupa Boba" in page
    assert "Grupa Alicji" not in page


def test_group_names_are_escaped(client, alice, alice_account):
    _group(alice_account, "<script>alert(1)</script>")
    page = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_pages_through_many_groups(client, alice, alice_account):
    Group.objects.bulk_create(
        Group(account=alice_account, name=f"Grupa {n:03d}") for n in range(60)
    )
    first = client.get(URL).content.decode()
    assert "Grupa 049" in first and "Grupa 050" not in first
    assert "Page 1 of 2" in first
    second = client.get(URL, {"p": "2"}).content.decode()
    assert "Grupa 050" in second and "Page 2 of 2" in second


def test_bad_query_parameters_fall_back_to_defaults(client, alice, alice_account):
    _group(alice_account, "Newsletter")
    response = client.get(URL, {"p": "abc", "q": "x" * 500})
    assert response.status_code == 200
    assert "Newsletter" in response.content.decode()


@pytest.mark.parametrize(
    "mode, words",
    [
        ("http500", "The SerwerSMS API answered with an error (HTTP 500)."),
        ("api_error", "Wystąpił błąd wewnętrzny"),
        ("malformed", "could not be read"),
        ("disconnect", "The connection to the SerwerSMS API broke"),
    ],
)
def test_an_api_failure_is_a_message_not_a_server_error(client, alice, faults, mode, words):
    faults(mode)
    response = client.get(URL)
    assert response.status_code == 200
    assert '<p class="errornote" role="alert">' in response.content.decode()
    assert words in response.content.decode()


def test_rejected_credentials_say_what_to_do(client, api_url, alice_account):
    client.force_login(make_user("dave", token="revoked-token"))
    page = client.get(URL).content.decode()
    assert "SerwerSMS rejected the saved API credentials" in page


def test_it_speaks_polish_to_a_polish_browser(client, alice, faults):
    faults("http500")
    page = client.get(URL, headers={"Accept-Language": "pl"}).content.decode()
    assert "<h1>Grupy</h1>" in page
    assert "API SerwerSMS odpowiedziało błędem (HTTP 500)." in page
