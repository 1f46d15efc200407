"""Deleting a contact: a confirmation on GET, contacts/delete on POST, back to the list."""

import pytest
from django.test import Client

from contacts_ui.sandbox.models import Contact
from tests.conftest import make_sandbox_account
from tests.helpers import make_contact, make_user, sandbox_fails_on

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def anna(alice_account):
    return make_contact(
        alice_account,
        "+48500600700",
        first_name="Anna",
        last_name="Kowalska",
        email="anna@example.pl",
        company="Kowalscy",
    )


def test_it_requires_login(client, db):
    response = client.get("/contacts/1/delete/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/contacts/1/delete/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.post("/contacts/1/delete/")
    assert response.url == "/settings/credentials/?next=%2Fcontacts%2F1%2Fdelete%2F"


def test_it_asks_first_naming_the_contact_and_phone(client, alice, anna):
    page = client.get(f"/contacts/{anna.id}/delete/").content.decode()
    assert "Are you sure you want to delete the contact “Anna Kowalska”?" in page
    assert "<li>Phone: +48500600700</li>" in page
    assert "<li>Email: anna@example.pl</li>" in page
    assert Contact.objects.filter(id=anna.id).exists()


def test_a_contact_without_a_name_is_named_by_its_phone(client, alice, alice_account):
    nameless = make_contact(alice_account, "+48600700800")
    page = client.get(f"/contacts/{nameless.id}/delete/").content.decode()
    assert "Are you sure you want to delete the contact “+48600700800”?" in page


def test_it_deletes_the_contact(client, alice, alice_account, anna):
    other = make_contact(alice_account, "+48600700800")
    response = client.post(f"/contacts/{anna.id}/delete/")
    assert response.status_code == 302
    assert response.url == "/contacts/"
    assert list(Contact.objects.all()) == [other]


def test_it_says_the_contact_was_deleted(client, alice, anna):
    response = client.post(f"/contacts/{anna.id}/delete/", follow=True)
    assert '<li class="success">The contact “Anna Kowalska” was deleted.</li>' in (
        response.content.decode()
    )


def test_it_returns_to_the_list_as_it_was_left(client, alice, anna):
    url = f"/contacts/{anna.id}/delete/?_changelist_filters=q%3DAnna%26g%3Dnone"
    page = client.get(url).content.decode()
    assert '<input type="hidden" name="_changelist_filters" value="q=Anna&amp;g=none">' in page
    assert (
        f'<a href="/contacts/{anna.id}/change/?_changelist_filters=q%3DAnna%26g%3Dnone"'
        ' class="button cancel-link">' in page
    )
    response = client.post(url, {"_changelist_filters": "q=Anna&g=none"})
    assert response.url == "/contacts/?q=Anna&g=none"
    assert not Contact.objects.exists()


def test_an_htmx_post_answers_with_a_client_redirect(client, alice, anna):
    response = client.post(
        f"/contacts/{anna.id}/delete/",
        {"_changelist_filters": "o=-city"},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == "/contacts/?o=-city"
    assert not Contact.objects.exists()


def test_an_unknown_contact_sends_back_to_the_list_with_a_message(client, alice):
    response = client.post("/contacts/999999/delete/", follow=True)
    assert response.redirect_chain == [("/contacts/", 302)]
    assert (
        '<li class="error">That contact does not exist (it may have been deleted).</li>'
        in response.content.decode()
    )


def test_another_accounts_contact_is_unknown(client, alice):
    bobs = make_contact(make_sandbox_account("bob"))
    response = client.post(f"/contacts/{bobs.id}/delete/")
    assert response.url == "/contacts/"
    assert Contact.objects.filter(id=bobs.id).exists()


def test_a_failure_to_delete_keeps_the_page_with_the_error(client, alice, anna, monkeypatch):
    sandbox_fails_on(monkeypatch, "http500", "contacts/delete")  # the reads before it answer
    response = client.post(f"/contacts/{anna.id}/delete/", {"_changelist_filters": "q=Anna"})
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<p class="errornote" role="alert">The SerwerSMS API answered with an error (HTTP 500). '
        "The change may or may not have been made. Before you try again, "
        '<a href="/contacts/?q=%2B48500600700" target="_blank" rel="noopener">'
        "search the contacts for +48500600700</a> (opens in a new tab) to see whether it was.</p>"
        in page
    )
    assert "Are you sure you want to delete the contact “Anna Kowalska”?" in page
    assert '<input type="hidden" name="_changelist_filters" value="q=Anna">' in page
    assert Contact.objects.filter(id=anna.id).exists()


@pytest.mark.parametrize("mode", ["http500", "api_error", "malformed", "disconnect"])
def test_a_failure_to_read_the_contact_is_a_message_on_the_list(client, alice, anna, faults, mode):
    faults(mode)
    response = client.post(f"/contacts/{anna.id}/delete/")
    assert response.status_code == 302
    assert response.url == "/contacts/"
    assert Contact.objects.filter(id=anna.id).exists()


def test_get_changes_nothing(client, alice, anna):
    client.get(f"/contacts/{anna.id}/delete/")
    assert Contact.objects.filter(id=anna.id).exists()


def test_the_form_needs_a_csrf_token(alice, anna):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(f"/contacts/{anna.id}/delete/").status_code == 403
    assert Contact.objects.filter(id=anna.id).exists()
