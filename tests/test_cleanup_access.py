"""Who may use the cleanup views, and how: signed in, with credentials, by POST with the CSRF
token where they act."""

import pytest
from django.test import Client

from contacts_ui.models import Job
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "url",
    [
        "/cleanup/",
        "/cleanup/contacts/merge/?id=1&id=2",
        "/cleanup/groups/merge/?id=1&id=2",
    ],
)
def test_it_requires_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get("/cleanup/")
    assert response.url == "/settings/credentials/?next=%2Fcleanup%2F"


@pytest.mark.parametrize(
    "url", ["/cleanup/scan/", "/cleanup/empty-groups/delete/", "/cleanup/no-group/add/"]
)
def test_an_endpoint_that_only_acts_refuses_get(client, alice, url):
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/cleanup/scan/",
        "/cleanup/empty-groups/delete/",
        "/cleanup/no-group/add/",
        "/cleanup/contacts/merge/",
        "/cleanup/groups/merge/",
    ],
)
def test_a_post_without_the_csrf_token_is_refused(alice, url):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.post(url, {"id": ["1", "2"], "keep": "1", "post": "yes"}).status_code == 403
    assert not Job.objects.exists()
