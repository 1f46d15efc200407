"""CSRF: every state-changing request needs the token, htmx ones included."""

import json
import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from contacts_ui import urls as app_urls
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import ContactData
from tests.db_snapshot import every_row
from tests.helpers import form_values, make_contact, make_user
from tests.history_entries import contact_delete, jobs_and_uploads

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "N3w-pass-for-tests"

# Every URL that answers a signed-in user's POST, with what a real form would send.
SIGNED_IN_POSTS = [
    ("/", {}),
    ("/contacts/", {"n": "100"}),
    ("/contacts/add/", {"phone": "+48500600701", "first_name": "Ghost"}),
    ("/contacts/export.csv", {}),
    ("/contacts/action/", {"action": "delete", "_selected_action": "{contact}", "post": "yes"}),
    ("/contacts/count/", {}),
    ("/contacts/columns/", {"columns": "tax_id"}),
    ("/contacts/page-size/", {"n": "100"}),
    (
        "/contacts/{contact}/change/",
        {"phone": "+48500600702", "first_name": "Changed", "groups_shown": "1"},
    ),
    ("/contacts/{contact}/delete/", {}),
    ("/contacts/{contact}/delete/row/", {}),
    ("/contacts/{contact}/blacklist/", {"listed": "yes"}),
    ("/find/", {"phone": "500600700"}),
    ("/blacklist/", {}),
    ("/blacklist/add/", {"phone": "500600701"}),
    ("/blacklist/remove/", {"phone": "500600701"}),
    ("/cleanup/", {}),
    ("/cleanup/scan/", {}),
    ("/cleanup/empty-groups/delete/", {"id": "{group}", "post": "yes"}),
    ("/cleanup/no-group/add/", {"id": "{contact}", "group_id": "{group}", "post": "yes"}),
    ("/cleanup/contacts/merge/", {"keep": "{contact}", "post": "yes"}),
    ("/cleanup/groups/merge/", {"keep": "{group}", "post": "yes"}),
    ("/groups/", {}),
    ("/groups/add/", {"name": "Ghost"}),
    ("/groups/{group}/change/", {"name": "Renamed"}),
    ("/groups/{group}/delete/", {"delete_contacts": "on"}),
    ("/settings/credentials/", {"auth_style": "token", "secret": "bob-token"}),
    ("/history/", {}),
    ("/history/{entry}/", {}),
    ("/history/{entry}/undo/", {}),
    ("/trash/", {}),
    ("/trash/restore/", {"entry": "{entry}"}),
    ("/history/batch/{batch}/undo/", {"entry": "{entry}"}),
    ("/jobs/", {}),
    ("/jobs/{job}/", {}),
    ("/jobs/{job}/cancel/", {}),
    ("/jobs/{job}/retry/", {}),
    ("/jobs/{job}/failed.csv", {}),
    ("/import/", {}),
    ("/import/{upload}/", {"c1": "phone", "header": "on"}),
    ("/import/{upload}/preview/", {"c1": "phone", "header": "on"}),
    ("/import/{upload}/errors.csv", {"c1": "phone", "header": "on"}),
    ("/import/{upload}/start/", {"c1": "phone", "header": "on"}),
    ("/jsi18n/", {}),
    ("/settings/diagnostics/", {}),
    ("/accounts/logout/", {}),
    (
        "/accounts/password_change/",
        {
            "old_password": "pass-for-tests",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    ("/i18n/setlang/", {"language": "pl", "next": "/groups/"}),
    ("/admin/logout/", {}),
]
SIGNED_OUT_POSTS = [
    ("/accounts/login/", {"username": "alice", "password": "pass-for-tests"}),
    ("/admin/login/", {"username": "alice", "password": "pass-for-tests", "next": "/admin/"}),
]


@pytest.fixture
def data(alice_account, bob_account):
    group = Group.objects.create(account=alice_account, name="Klienci")
    contact = make_contact(alice_account, first_name="Jan", groups=[group])
    # A deletion of a contact of alice's, as the history records it: undo would re-create it.
    deleted = make_contact(alice_account, "+48500600799", first_name="Ewa")
    entry = contact_delete(
        User.objects.get(username="alice"),
        ContactData(phone=deleted.phone, first_name="Ewa"),
        contact_id=deleted.id,
        batch=uuid.uuid4(),
    )
    deleted.delete()
    alice = User.objects.get(username="alice")
    return {
        "group": group.id,
        "contact": contact.id,
        "entry": entry.id,
        "batch": entry.batch,
        **jobs_and_uploads(alice),
    }


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
    headers = re.search(r"<div id=\"app\" hx-headers='([^']*)'>", page).group(1)
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
    covered = {url for url, _ in SIGNED_IN_POSTS}
    for pattern in app_urls.urlpatterns:
        route = "/" + str(pattern.pattern)
        for placeholder, name in [
            ("contact_id", "contact"),
            ("group_id", "group"),
            ("entry_id", "entry"),
            ("uuid:batch", "batch"),
            ("uuid:job_id", "job"),
            ("upload_id", "upload"),
        ]:
            placeholder = placeholder if ":" in placeholder else f"int:{placeholder}"
            route = route.replace(f"<{placeholder}>", "{" + name + "}")
        assert route in covered


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
