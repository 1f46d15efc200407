"""CSRF: every state-changing request needs the token, htmx ones included."""

import json
import re

import pytest
from django.core import mail
from django.test import Client

from contacts_ui.sandbox.models import Contact, Group
from tests.db_snapshot import every_row
from tests.every_url import SIGNED_IN_POSTS, app_routes
from tests.helpers import form_values, make_user

pytestmark = pytest.mark.django_db(transaction=True)

SIGNED_OUT_POSTS = [
    ("/accounts/login/", {"username": "alice", "password": "pass-for-tests"}),
    ("/admin/login/", {"username": "alice", "password": "pass-for-tests", "next": "/admin/"}),
]


@pytest.fixture
def data(url_data):
    return url_data


@pytest.fixture
def strict(alice):
    """Alice in a browser that does not skip CSRF checks, with the CSRF cookie already set
    (a forged request from another site would carry it too)."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    browser.get("/groups/")
    assert "csrftoken" in browser.cookies
    return browser


def _signed_in(browser) -> bool:
    return browser.get("/settings/credentials/").status_code == 200


def _page_token(browser, url="/contacts/") -> str:
    """The token htmx sends: from the hx-headers attribute on #app in the base template."""
    page = browser.get(url).content.decode()
    headers = re.search(r"<div id=\"app\" hx-history=\"false\" hx-headers='([^']*)'>", page).group(
        1
    )
    return json.loads(headers)["X-CSRFToken"]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("url, fields", SIGNED_IN_POSTS, ids=[u for u, _ in SIGNED_IN_POSTS])
def test_a_signed_in_post_without_the_token_is_refused_and_changes_nothing(
    strict, data, url, fields, htmx
):
    before = every_row()
    headers = {"HX-Request": "true"} if htmx else {}
    fields = {name: value.format(**data) for name, value in fields.items()}
    response = strict.post(url.format(**data), fields, headers=headers)
    assert response.status_code == 403
    assert every_row() == before
    assert "django_language" not in response.cookies
    assert _signed_in(strict)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("url, fields", SIGNED_OUT_POSTS, ids=[u for u, _ in SIGNED_OUT_POSTS])
def test_a_signed_out_post_without_the_token_is_refused_and_changes_nothing(
    alice, url, fields, htmx
):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    before = every_row()
    headers = {"HX-Request": "true"} if htmx else {}
    response = browser.post(url, fields, headers=headers)
    assert response.status_code == 403
    assert every_row() == before
    assert not _signed_in(browser)
    assert mail.outbox == []


def test_every_url_of_the_app_is_in_these_tests():
    assert app_routes() <= {url for url, _ in SIGNED_IN_POSTS}


def test_a_token_from_the_wrong_header_name_is_refused(strict, data):
    token = _page_token(strict)
    response = strict.post(
        f"/contacts/{data['contact']}/delete/row/",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 403
    assert Contact.objects.filter(id=data["contact"]).exists()


def test_a_token_from_another_session_is_refused(strict, data):
    other = Client(enforce_csrf_checks=True)
    other.force_login(make_user("bob", token="bob-token"))
    token = _page_token(other)
    response = strict.post(
        f"/contacts/{data['contact']}/delete/row/",
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 403
    assert Contact.objects.filter(id=data["contact"]).exists()


def test_an_htmx_post_with_the_token_from_the_page_works(strict, data):
    token = _page_token(strict)
    response = strict.post(
        f"/contacts/{data['contact']}/delete/row/",
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert not Contact.objects.filter(id=data["contact"]).exists()


def test_an_htmx_form_post_with_the_token_from_the_page_works(strict, data):
    token = _page_token(strict, "/groups/")
    response = strict.post(
        "/groups/add/", {"name": "Dostawcy"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/groups/"
    assert Group.objects.filter(name="Dostawcy").exists()


def test_a_form_post_with_its_hidden_token_works(strict, data):
    fields = form_values(strict.get("/groups/add/").content.decode(), "group-form")
    assert fields["csrfmiddlewaretoken"]
    response = strict.post("/groups/add/", {**fields, "name": "Dostawcy"})
    assert response.status_code == 302
    assert Group.objects.filter(name="Dostawcy").exists()


def test_logging_in_with_the_token_from_the_login_page_works(alice):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        "/accounts/login/",
        {"username": "alice", "password": "pass-for-tests", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert _signed_in(browser)


def test_the_sandbox_api_alone_takes_posts_without_a_token(alice_account):
    # It stands in for the remote API, which is called by servers, not browsers.
    response = Client(enforce_csrf_checks=True).post(
        "/sandbox/api/groups/index.json",
        "{}",
        content_type="application/json",
        headers={"Authorization": "Bearer alice-token"},
    )
    assert response.status_code == 200
    assert "items" in response.json()
