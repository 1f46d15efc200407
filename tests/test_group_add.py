"""Adding a group: checked here, then created through the API; htmx or a plain post."""

import pytest
from django.test import Client

from contacts_ui.sandbox.models import Group
from tests.helpers import form_values, make_user, table_rows

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/groups/add/"


def _names(account):
    return list(Group.objects.filter(account=account).order_by("id").values_list("name", flat=True))


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/groups/add/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/settings/credentials/?next=%2Fgroups%2Fadd%2F"


def test_it_shows_an_empty_form(client, alice):
    page = client.get(URL).content.decode()
    assert "<title>Add group | SerwerSMS Contacts</title>" in page
    values = form_values(page, "group-form")
    assert values.pop("csrfmiddlewaretoken")
    assert values == {"_changelist_filters": [""], "name": [""]}
    assert '<input type="submit" value="Save and add another" name="_addanother">' in page


def test_it_adds_a_group_with_the_name_stripped(client, alice, alice_account):
    response = client.post(URL, {"name": "  Klienci VIP  "})
    assert response.status_code == 302
    assert response.url == "/groups/"
    assert _names(alice_account) == ["Klienci VIP"]


def test_it_says_the_group_was_added(client, alice, alice_account):
    response = client.post(URL, {"name": "Klienci VIP"}, follow=True)
    assert '<li class="success">The group “Klienci VIP” was added.</li>' in (
        response.content.decode()
    )


def test_a_name_of_one_hundred_characters_is_accepted(client, alice, alice_account):
    response = client.post(URL, {"name": "Ł" * 100})
    assert response.status_code == 302
    assert _names(alice_account) == ["Ł" * 100]


def test_a_name_of_one_character_is_accepted(client, alice, alice_account):
    client.post(URL, {"name": "A"})
    assert _names(alice_account) == ["A"]


def test_a_name_of_101_characters_is_refused_next_to_the_field(client, alice, alice_account):
    response = client.post(URL, {"name": "x" * 101})
    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index('<div class="form-row errors field-name">') :]
    row = row[: row.index('<div class="help"')]
    assert "Ensure this value has at most 100 characters (it has 101)." in row
    assert f'value="{"x" * 101}"' in row
    assert _names(alice_account) == []


def test_an_empty_or_blank_name_is_refused(client, alice, alice_account):
    page = client.post(URL, {"name": "   "}).content.decode()
    assert '<ul class="errorlist" id="id_name_error"><li>This field is required.</li></ul>' in page
    assert _names(alice_account) == []


def test_save_and_add_another_comes_back_to_the_form(client, alice, alice_account):
    response = client.post(URL, {"name": "Dostawcy", "_addanother": "Save and add another"})
    assert response.status_code == 302
    assert response.url == "/groups/add/"
    assert _names(alice_account) == ["Dostawcy"]


def test_save_and_add_another_keeps_the_way_back_to_the_list(client, alice, alice_account):
    response = client.post(
        "/groups/add/?_changelist_filters=q%3DKl",
        {"name": "Klienci", "_addanother": "1", "_changelist_filters": "q=Kl"},
    )
    assert response.url == "/groups/add/?_changelist_filters=q%3DKl"


def test_it_returns_to_the_list_as_it_was_left(client, alice, alice_account):
    page = client.get("/groups/add/?_changelist_filters=q%3DKl%26o%3D-name").content.decode()
    assert '<input type="hidden" name="_changelist_filters" value="q=Kl&amp;o=-name">' in page
    response = client.post(URL, {"name": "Klienci", "_changelist_filters": "q=Kl&o=-name"})
    assert response.status_code == 302
    assert response.url == "/groups/?q=Kl&o=-name"


def test_an_htmx_post_answers_with_a_client_redirect(client, alice, alice_account):
    response = client.post(
        URL, {"name": "Hurtownie", "_changelist_filters": "o=-name"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/groups/?o=-name"
    assert _names(alice_account) == ["Hurtownie"]


def test_an_invalid_htmx_post_gets_the_form_back_alone(client, alice, alice_account):
    response = client.post(URL, {"name": "y" * 101}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<form method="post" id="group-form"')
    assert "<html" not in body
    assert "Ensure this value has at most 100 characters (it has 101)." in body
    assert "HX-Redirect" not in response
    assert "HX-Request" in response["Vary"]
    assert _names(alice_account) == []


@pytest.mark.parametrize(
    "mode, words",
    [
        ("http500", "The SerwerSMS API answered with an error (HTTP 500)."),
        ("api_error", "Wystąpił błąd wewnętrzny"),
    ],
)
def test_an_api_failure_keeps_the_input_and_says_so(client, alice, faults, mode, words):
    faults(mode)
    response = client.post(URL, {"name": "Nowa grupa"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="errornote" role="alert">' in page
    assert words in page
    assert "Your input is kept; try again." in page
    assert 'value="Nowa grupa"' in page


def test_the_list_it_returns_to_sorts_by_name_both_ways(client, alice, alice_account):
    for name in ("Beta", "Alfa", "Gamma"):
        client.post(URL, {"name": name})
    by_name = [row[0] for row in table_rows(client.get("/groups/?o=name").content.decode())]
    assert by_name == ["Alfa", "Beta", "Gamma"]
    reverse = [row[0] for row in table_rows(client.get("/groups/?o=-name").content.decode())]
    assert reverse == ["Gamma", "Beta", "Alfa"]


def test_the_form_needs_a_csrf_token(alice):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = strict.post(URL, {"name": "Bez tokenu"})
    assert response.status_code == 403
    assert not Group.objects.exists()
