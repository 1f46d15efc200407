"""Choosing the contacts list's optional columns: remembered per user, shown on the list."""

import re

import pytest
from django.test import Client

from contacts_ui.models import ListPreferences
from tests.helpers import make_contact, make_user, table_rows

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/contacts/columns/"


def _headings(page: str) -> list[str]:
    return re.findall(r'<th scope="col" class="column-([a-z_]+)', page)


def _extra_columns(user) -> list[str]:
    return ListPreferences.objects.get(user=user).extra_columns


def test_it_requires_login(client, db):
    response = client.post(URL, {"columns": "tax_id"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/contacts/columns/"
    assert not ListPreferences.objects.exists()


def test_a_user_without_credentials_ends_up_entering_them(client, db):
    # Choosing columns needs no API call; the list it returns to does.
    client.force_login(make_user("charlie"))
    response = client.post(URL, {"columns": "tax_id"}, follow=True)
    assert response.redirect_chain[-1][0] == "/settings/credentials/?next=%2Fcontacts%2F"


def test_it_rejects_get(client, alice):
    response = client.get(URL, {"columns": "tax_id"})
    assert response.status_code == 405
    assert not ListPreferences.objects.exists()


def test_it_saves_the_columns_chosen(client, alice):
    response = client.post(URL, {"columns": ["tax_id", "address"]})
    assert response.status_code == 302
    assert response.url == "/contacts/"
    assert _extra_columns(alice) == ["tax_id", "address"]


def test_the_list_then_shows_those_columns(client, alice, alice_account):
    make_contact(
        alice_account,
        first_name="Anna",
        last_name="Kowalska",
        city="Łódź",
        tax_id="526-025-02-74",
        address="ul. Piotrkowska 1",
        description="Nie pokazuj",
    )
    client.post(URL, {"columns": ["tax_id", "address"]})
    page = client.get("/contacts/").content.decode()
    assert _headings(page) == [
        "first_name",
        "last_name",
        "phone",
        "email",
        "company",
        "city",
        "tax_id",
        "address",
        "group",
        "actions",
    ]
    assert table_rows(page) == [
        ["Anna", "Kowalska", "+48500600700", "", "", "Łódź", "526-025-02-74", "ul. Piotrkowska 1",
         "", "Delete"],
    ]  # fmt: skip
    assert '<input type="checkbox" name="columns" value="tax_id" checked> Tax ID' in page
    assert '<input type="checkbox" name="columns" value="description"> Description' in page


def test_an_unknown_column_is_ignored(client, alice):
    client.post(URL, {"columns": ["description", "password", "blacklist", "tax_id"]})
    assert _extra_columns(alice) == ["tax_id", "description"]


def test_choosing_none_hides_them_again(client, alice):
    client.post(URL, {"columns": ["tax_id", "address", "description"]})
    client.post(URL, {})
    assert _extra_columns(alice) == []
    assert "column-tax_id" not in client.get("/contacts/").content.decode()


def test_it_keeps_the_page_size(client, alice):
    client.post("/contacts/page-size/", {"n": "100"})
    client.post(URL, {"columns": "address"})
    prefs = ListPreferences.objects.get(user=alice)
    assert (prefs.page_size, prefs.extra_columns) == (100, ["address"])


def test_it_returns_to_the_list_as_it_was_left(client, alice):
    response = client.post(URL, {"columns": "address", "_changelist_filters": "q=Anna&g=none"})
    assert response.url == "/contacts/?q=Anna&g=none"


def test_each_user_has_their_own_columns(client, alice, bob_account):
    client.post(URL, {"columns": "address"})
    bob = make_user("bob", token="bob-token")
    client.force_login(bob)
    client.post(URL, {"columns": "description"})
    assert _extra_columns(alice) == ["address"]
    assert _extra_columns(bob) == ["description"]


def test_the_form_needs_a_csrf_token(alice):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(URL, {"columns": "address"}).status_code == 403
    assert not ListPreferences.objects.exists()
