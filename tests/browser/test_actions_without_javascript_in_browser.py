"""With JavaScript off, in Chromium, each action that htmx makes on a page still works, as
the plain link or form under it: deleting a contact from its row, choosing the page size,
adding and renaming a group, restoring from the trash, undoing a bulk action, applying an
action to every contact a search finds, and changing the language. (Which pages' actions have
such a fallback at all: tests/test_actions_without_javascript.py.)"""

import uuid

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from contacts_ui.history.recorder import WriteRecorder
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import Credentials, SerwerSMSClient
from tests.helpers import address_book, make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def klienci(alice_account):
    return Group.objects.create(account=alice_account, name="Klienci")


@pytest.fixture
def people(alice_account, klienci):
    return [
        make_contact(
            alice_account, f"+4850060070{n}", [klienci], first_name=name, last_name="Nowak"
        )
        for n, name in enumerate(["Anna", "Bartek", "Celina"])
    ]


@pytest.fixture
def no_script(new_page, log_in, alice_account) -> Page:
    """Alice, logged in with JavaScript off, on the groups page."""
    make_user("alice", token="alice-token")
    page = new_page(java_script_enabled=False)
    log_in(page, "alice")
    expect(page.get_by_role("heading", name="Groups", level=1)).to_be_visible()
    return page


def delete_from_the_row(page: Page, name: str) -> None:
    """The row's Delete link: with htmx it deletes in place after asking; without, it opens
    the confirmation page, whose form deletes."""
    page.goto("/contacts/")
    page.get_by_role("link", name=f"Delete {name}").click()
    expect(
        page.get_by_text(f"Are you sure you want to delete the contact “{name}”?")
    ).to_be_visible()
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)


def test_a_contact_is_deleted_from_its_row_without_javascript(no_script, people, alice_account):
    delete_from_the_row(no_script, "Anna Nowak")

    names = Contact.objects.filter(account=alice_account).values_list("first_name", flat=True)
    assert sorted(names) == ["Bartek", "Celina"]


def test_the_page_size_is_chosen_without_javascript(no_script, alice_account):
    for n in range(30):
        make_contact(alice_account, f"+485006008{n:02}", first_name=f"Osoba {n:02}")
    page = no_script
    page.goto("/contacts/")
    expect(page.locator("#result_list tbody tr")).to_have_count(30)

    page.get_by_label("Per page").select_option("25")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#result_list tbody tr")).to_have_count(25)
    expect(page.get_by_label("Per page")).to_have_value("25")
    page.goto("/contacts/")
    expect(page.locator("#result_list tbody tr")).to_have_count(25)  # remembered


def test_a_group_is_added_and_renamed_without_javascript(no_script, alice_account):
    page = no_script
    page.goto("/groups/add/")
    page.get_by_label("Name").fill("Nowa grupa")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("link", name="Nowa grupa")).to_be_visible()
    group = Group.objects.get(account=alice_account, name="Nowa grupa")

    page.goto(f"/groups/{group.id}/change/")
    page.get_by_label("Name").fill("Stara grupa")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("link", name="Stara grupa")).to_be_visible()
    group.refresh_from_db()
    assert group.name == "Stara grupa"


def test_contacts_are_restored_from_the_trash_without_javascript(no_script, people, alice_account):
    page = no_script
    before = address_book(alice_account)
    for name in ("Anna Nowak", "Celina Nowak"):
        delete_from_the_row(page, name)

    page.goto("/trash/")
    page.get_by_label("Select Anna Nowak").check()
    page.get_by_label("Select Celina Nowak").check()
    page.get_by_role("button", name="Restore selected").click()

    expect(page.get_by_text("The contact “Anna Nowak” was created again")).to_be_visible()
    expect(page.get_by_text("The contact “Celina Nowak” was created again")).to_be_visible()
    assert address_book(alice_account) == before


def test_a_bulk_action_is_undone_without_javascript(
    no_script, api_url, people, klienci, alice_account
):
    before = address_book(alice_account)
    batch = uuid.uuid4()
    alice = User.objects.get(username="alice")
    credentials = Credentials("token", "", "alice-token")
    recorder = WriteRecorder(SerwerSMSClient(credentials, api_url), alice, batch=batch)
    recorder.contacts_delete(people[0].id)
    recorder.groups_edit(klienci.id, "Byli klienci")
    assert address_book(alice_account) != before
    page = no_script

    page.goto(f"/history/batch/{batch}/undo/")
    page.get_by_role("button", name="Yes, undo them all").click()

    expect(page.get_by_text("The group is called “Klienci” again.")).to_be_visible()
    assert address_book(alice_account) == before


def test_an_action_is_applied_to_every_contact_a_search_finds_without_javascript(
    no_script, people, alice_account
):
    make_contact(alice_account, "+48500600799", first_name="Zofia", last_name="Kowalska")
    page = no_script
    page.goto("/contacts/?q=Nowak")

    page.locator("select[name=action]").select_option("delete")
    page.get_by_role("button", name="Apply to every contact this search finds").click()

    expect(page.get_by_role("heading", name="The 3 contacts concerned")).to_be_visible()
    expect(page.locator("#action-contacts")).not_to_contain_text("Zofia")


def test_the_language_is_changed_without_javascript(no_script):
    page = no_script
    page.get_by_label("Language").select_option("pl")
    page.get_by_role("button", name="Change language").click()

    expect(page.get_by_role("heading", name="Grupy", level=1)).to_be_visible()


def test_ticked_contacts_get_an_action_without_javascript_and_no_dead_tick_all_box_shows(
    no_script, people
):
    page = no_script
    page.goto("/contacts/")
    # Ticking every row at once takes a script: without one, the box is not offered.
    expect(page.get_by_label("Select every contact on this page")).to_be_hidden()

    page.get_by_label("Select Anna Nowak").check()
    page.get_by_label("Select Celina Nowak").check()
    page.locator("select[name=action]").select_option("delete")
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_role("heading", name="The 2 contacts concerned")).to_be_visible()
    expect(page.locator("#action-contacts")).not_to_contain_text("Bartek")
