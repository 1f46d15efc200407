"""Django's own login, in the admin's look."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_the_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'id="login-form"' in response.content.decode()


def test_logging_in_leads_to_the_app(client):
    User.objects.create_user("erin", password="a-long-password-1")
    response = client.post(
        "/accounts/login/", {"username": "erin", "password": "a-long-password-1"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_logging_out_ends_the_session(client):
    user = User.objects.create_user("erin", password="a-long-password-1")
    client.force_login(user)
    client.post("/accounts/logout/")
    assert client.get("/settings/credentials/").status_code == 302
