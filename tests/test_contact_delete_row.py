"""Deleting a contact from its row in the list: the row goes away in place, unless a
colleague changed the contact since the list was read."""

import html
import json
import re

import pytest
from django.test import Client

from contacts_ui.sandbox.models import Contact

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def contact(alice_account):
    return Contact.objects.create(account=alice_account, phone="+48500600700", first_name="Jan")


def test_each_row_offers_a_confirmed_delete(client, alice, contact):
    body = client.get("/contacts/").content.decode()
    assert f'hx-post="/contacts/{contact.id}/delete/row/?s=' in body
    assert 'hx-confirm="Delete the contact “Jan” at SerwerSMS for good?"' in body


def test_it_deletes_and_answers_nothing_so_the_row_goes(client, alice, contact):
    response = client.post(f"/contacts/{contact.id}/delete/row/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content == b""
    assert not Contact.objects.filter(id=contact.id).exists()


def test_it_tells_the_page_what_to_say_of_the_row_gone(client, alice, contact):
    # The answer is empty: the page's live region says it from this header (app.js).
    response = client.post(f"/contacts/{contact.id}/delete/row/", headers={"HX-Request": "true"})
    assert json.loads(response["HX-Trigger"]) == {
        "announce": {"message": "The contact “Jan” was deleted."}
    }


def _row_delete_url(client, contact) -> str:
    """Where the row's delete link posts, as htmx would (its hx-post)."""
    body = client.get("/contacts/").content.decode()
    row = re.search(rf'<tr data-row id="contact-{contact.id}">.*?</tr>', body, re.S).group()
    return html.unescape(re.search(r'hx-post="([^"]*)"', row).group(1))


def test_a_row_deleted_as_listed_goes(client, alice, contact):
    response = client.post(_row_delete_url(client, contact), headers={"HX-Request": "true"})
    assert response.content == b""
    assert not Contact.objects.filter(id=contact.id).exists()


def test_a_row_a_colleague_changed_since_the_list_was_read_is_not_deleted(client, alice, contact):
    url = _row_delete_url(client, contact)
    Contact.objects.filter(id=contact.id).update(first_name="Janina")

    response = client.post(url, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr data-row id="contact-{contact.id}">')
    assert (
        "Someone changed this contact since the list was shown, so it was not deleted. "
        "Open it to see what changed."
    ) in body
    assert f'href="/contacts/{contact.id}/change/"' in body
    assert Contact.objects.filter(id=contact.id, first_name="Janina").exists()


def test_a_failure_puts_an_error_in_the_row(client, alice, contact, faults):
    faults("http500")
    response = client.post(f"/contacts/{contact.id}/delete/row/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr data-row id="contact-{contact.id}">')
    assert (
        "The contact was not deleted: The SerwerSMS API answered with an error (HTTP 500)." in body
    )
    assert Contact.objects.filter(id=contact.id).exists()


def test_another_accounts_contact_is_not_found(client, alice, bob_account):
    bobs = Contact.objects.create(account=bob_account, phone="+48500600701")
    response = client.post(f"/contacts/{bobs.id}/delete/row/", headers={"HX-Request": "true"})
    assert "not deleted" in response.content.decode()
    assert Contact.objects.filter(id=bobs.id).exists()


def test_it_rejects_get(client, alice, contact):
    assert client.get(f"/contacts/{contact.id}/delete/row/").status_code == 405


def test_it_needs_the_csrf_token(alice, contact):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(f"/contacts/{contact.id}/delete/row/").status_code == 403
