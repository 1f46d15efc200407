"""Two office workers, one contact, in two browsers: Anna opens the contact's change form;
Bartek changes its e-mail and saves; Anna changes the city and saves. Bartek's e-mail is
not overwritten: Anna sees what changed meanwhile, nothing is sent until she confirms, and
then both changes are kept."""

import pytest
from playwright.sync_api import expect

from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import ANNA, make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contact(alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    return make_contact(alice_account, groups=[klienci], **ANNA)


@pytest.fixture
def colleagues(new_page, log_in, contact):
    """Anna and Bartek, each in a browser of their own, with the contact's form open."""
    pages = []
    for name in ("anna", "bartek"):
        make_user(name, token="alice-token")
        pages.append(log_in(new_page(), name, then=f"/contacts/{contact.id}/change/"))
    return pages


def test_two_colleagues_changing_one_contact_lose_neither_change(colleagues, contact):
    anna, bartek = colleagues

    # Anna has the form open. Bartek changes the e-mail and saves.
    bartek.get_by_label("Email").fill("bartek.poprawil@example.pl")
    bartek.get_by_role("button", name="Save", exact=True).click()
    expect(bartek.get_by_text("was saved")).to_be_visible()

    # Anna changes the city on the form she opened before, and saves.
    anna.get_by_label("City").fill("Kraków")
    anna.get_by_role("button", name="Save", exact=True).click()
    expect(anna.get_by_text("Someone changed this contact since you opened it")).to_be_visible()
    assert Contact.objects.get(id=contact.id).email == "bartek.poprawil@example.pl"
    assert Contact.objects.get(id=contact.id).city == "Łódź"  # nothing sent yet
    expect(anna.get_by_label("Email")).to_have_value("bartek.poprawil@example.pl")
    expect(anna.get_by_label("City")).to_have_value("Kraków")

    anna.get_by_role("button", name="Save", exact=True).click()
    expect(anna.get_by_text("was saved")).to_be_visible()
    saved = Contact.objects.get(id=contact.id)
    assert (saved.email, saved.city) == ("bartek.poprawil@example.pl", "Kraków")


def test_a_field_both_changed_is_chosen_in_the_browser(colleagues, contact):
    anna, bartek = colleagues

    bartek.get_by_label("City").fill("Gdańsk")
    bartek.get_by_role("button", name="Save", exact=True).click()
    expect(bartek.get_by_text("was saved")).to_be_visible()
    anna.get_by_label("City").fill("Kraków")
    anna.get_by_role("button", name="Save", exact=True).click()

    conflict = anna.locator("#conflict tr.conflict")
    expect(conflict).to_contain_text("Gdańsk")
    expect(conflict).to_contain_text("Kraków")
    conflict.get_by_label("What is there now").check()
    anna.get_by_role("button", name="Save", exact=True).click()
    expect(anna.get_by_text("was saved")).to_be_visible()
    assert Contact.objects.get(id=contact.id).city == "Gdańsk"
