"""Django's account pages that the app serves (login, logout, password change) and those it
does not (password reset: no e-mail is set up for it, and an anonymous form that sends mail
is one more thing to throttle); the JavaScript catalogue is for signed-in users only."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(client):
    user = User.objects.create_user("erin", password="a-long-password-1")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_the_password_reset_pages_are_not_served(client, url):
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "erin@example.com"}).status_code == 404


def test_the_password_change_is_served_to_a_signed_in_user_only(client):
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    client.force_login(User.objects.create_user("erin", password="a-long-password-1"))
    assert client.get("/accounts/password_change/").status_code == 200


def test_the_javascript_catalogue_needs_a_login(client):
    response = client.get("/jsi18n/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/jsi18n/"


def test_the_javascript_catalogue_is_served_to_a_signed_in_user(client, erin):
    response = client.get("/jsi18n/")
    assert response.status_code == 200
    assert "django.gettext" in response.content.decode()
