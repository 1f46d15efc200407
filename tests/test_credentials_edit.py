"""The "My API credentials" page: checked with the API before saving, never shown back."""

import logging

import pytest

from contacts_ui.models import ApiCredentials
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/settings/credentials/"


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_saves_a_working_token(client, charlie, api_url, alice_account):
    response = client.post(URL, {"auth_style": "token", "secret": "alice-token"})
    assert response.status_code == 302
    assert response.url == "/groups/"
    stored = ApiCredentials.objects.get(user=charlie)
    assert (stored.auth_style, stored.username, stored.get_secret()) == ("token", "", "alice-token")


def test_it_saves_a_working_username_and_password(client, charlie, api_url, alice_account):
    response = client.post(
        URL, {"auth_style": "password", "username": "alice", "secret": "alice-password"}
    )
    assert response.status_code == 302
    stored = ApiCredentials.objects.get(user=charlie)
    assert (stored.username, stored.get_secret()) == ("alice", "alice-password")


def test_it_refuses_rejected_credentials_and_saves_nothing(client, charlie, api_url, alice_account):
    response = client.post(
        URL, {"auth_style": "password", "username": "alice", "secret": "wrong-password"}
    )
    assert response.status_code == 200
    assert "SerwerSMS rejected these credentials" in response.content.decode()
    assert not ApiCredentials.objects.filter(user=charlie).exists()
    # What was typed, but the secret, comes back.
    assert 'value="alice"' in response.content.decode()
    assert "wrong-password" not in response.content.decode()


def test_it_says_plainly_when_the_api_cannot_be_reached(client, charlie, settings, db):
    settings.SERWERSMS_API_URL = "http://127.0.0.1:9/"
    response = client.post(URL, {"auth_style": "token", "secret": "alice-token"})
    assert response.status_code == 200
    assert "Nothing was saved: Could not connect to the SerwerSMS API" in response.content.decode()
    assert not ApiCredentials.objects.filter(user=charlie).exists()


def test_a_password_needs_a_username(client, charlie, api_url):
    response = client.post(URL, {"auth_style": "password", "secret": "x"})
    assert response.status_code == 200
    assert "Enter the API username." in response.content.decode()


def test_a_first_save_needs_a_secret(client, charlie, api_url):
    response = client.post(URL, {"auth_style": "token", "secret": ""})
    assert "Enter the API token." in response.content.decode()


@pytest.mark.parametrize("token", ["two words", "tokenł", "tab\tinside"])
def test_a_token_no_header_can_carry_is_refused_before_any_call(
    client, charlie, api_url, token, caplog
):
    caplog.set_level(logging.DEBUG)
    response = client.post(URL, {"auth_style": "token", "secret": token})
    assert response.status_code == 200
    assert "An API token is made of letters, digits and punctuation only" in (
        response.content.decode()
    )
    assert "groups/index" not in caplog.text  # nothing went out
    assert not ApiCredentials.objects.exists()


def test_a_saved_token_no_header_can_carry_is_a_message_not_a_crash(client, api_url, db):
    client.force_login(make_user("dawid", token="zły token"))
    response = client.get("/groups/")
    assert response.status_code == 200
    assert "The saved API token contains characters that no token has" in (
        response.content.decode()
    )


def test_an_unknown_auth_style_is_refused(client, charlie, api_url):
    response = client.post(URL, {"auth_style": "magic", "secret": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_stored_secret_is_never_sent_back(client, api_url, alice_account):
    user = make_user("alice", token="alice-token")
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert "alice-token" not in page
    assert "A secret is saved" in page


def test_an_empty_secret_keeps_the_stored_one(client, api_url, alice_account):
    user = make_user("alice", token="alice-token")
    client.force_login(user)
    response = client.post(URL, {"auth_style": "token", "secret": ""})
    assert response.status_code == 302
    assert ApiCredentials.objects.get(user=user).get_secret() == "alice-token"


def test_changing_the_sign_in_method_needs_a_new_secret(client, api_url, alice_account):
    user = make_user("alice", token="alice-token")
    client.force_login(user)
    response = client.post(URL, {"auth_style": "password", "username": "alice", "secret": ""})
    assert "Enter the API password." in response.content.decode()
    assert ApiCredentials.objects.get(user=user).auth_style == "token"


def test_it_returns_to_the_page_that_sent_the_user_here(client, charlie, api_url, alice_account):
    response = client.post(
        URL, {"auth_style": "token", "secret": "alice-token", "next": "/groups/?q=VIP"}
    )
    assert response.url == "/groups/?q=VIP"


def test_it_ignores_a_next_address_on_another_site(client, charlie, api_url, alice_account):
    response = client.post(
        URL, {"auth_style": "token", "secret": "alice-token", "next": "https://evil.example/"}
    )
    assert response.url == "/groups/"


def test_no_page_or_log_shows_the_secret_typed(client, charlie, api_url, alice_account, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.post(URL, {"auth_style": "token", "secret": "not-the-right-token"})
    assert "not-the-right-token" not in response.content.decode() + caplog.text


def test_the_form_needs_a_csrf_token(charlie, api_url):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(charlie)
    response = strict.post(URL, {"auth_style": "token", "secret": "alice-token"})
    assert response.status_code == 403
