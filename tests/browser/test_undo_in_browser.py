"""The way back, in Chromium: a deleted contact restored from the trash, several at once with
progress, and an edit undone from the history."""

import pytest
from playwright.sync_api import Page, expect

from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    return [
        make_contact(
            alice_account, f"+4850060070{n}", [klienci], first_name=name, last_name="Nowak"
        )
        for n, name in enumerate(["Anna", "Bartek", "Celina"])
    ]


def delete_from_the_list(page: Page, name: str) -> None:
    page.goto("/contacts/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name=f"Delete {name}").click()
    expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)


def test_several_deleted_contacts_come_back_from_the_trash_with_progress(
    logged_in_page: Page, people, alice_account
):
    page = logged_in_page
    for name in ("Anna", "Bartek", "Celina"):
        delete_from_the_list(page, name)
    assert not Contact.objects.filter(account=alice_account).exists()

    page.goto("/trash/")
    page.get_by_label("Select Anna Nowak").check()
    page.get_by_label("Select Celina Nowak").check()
    page.get_by_role("button", name="Restore selected").click()

    expect(page.get_by_text("2 of 2 done.")).to_be_visible()
    names = set(Contact.objects.filter(account=alice_account).values_list("first_name", flat=True))
    assert names == {"Anna", "Celina"}
    assert all(
        contact.groups.filter(name="Klienci").exists()
        for contact in Contact.objects.filter(account=alice_account)
    )
    page.get_by_role("link", name="Done: show the list again").click()
    expect(page.get_by_role("link", name="Bartek Nowak")).to_be_visible()
    expect(page.get_by_role("link", name="Anna Nowak")).to_have_count(0)


def test_one_contact_is_restored_after_saying_what_will_happen(
    logged_in_page: Page, people, alice_account
):
    page = logged_in_page
    delete_from_the_list(page, "Bartek")

    page.goto("/trash/")
    page.get_by_role("link", name="Restore…").click()
    expect(page.get_by_text("SerwerSMS gives it a new id.")).to_be_visible()
    page.get_by_role("button", name="Yes, undo it").click()

    expect(page.get_by_text("The contact “Bartek Nowak” was created again")).to_be_visible()
    assert Contact.objects.filter(account=alice_account, first_name="Bartek").exists()


def test_an_edit_is_seen_field_by_field_in_its_history_and_undone_from_there(
    logged_in_page: Page, people, alice_account
):
    page = logged_in_page
    anna = people[0]
    page.goto(f"/contacts/{anna.id}/change/")
    page.get_by_label("City").fill("Kraków")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The contact “Anna Nowak” was saved.")).to_be_visible()

    page.goto(f"/contacts/{anna.id}/change/")
    page.locator("#app").get_by_role("link", name="History").click()
    page.get_by_role("link", name="Anna Nowak").first.click()
    row = page.locator("#change-list tbody tr", has_text="City")
    expect(row.locator("td").nth(0)).to_have_text("(empty)")
    expect(row.locator("td").nth(1)).to_have_text("Kraków")

    page.get_by_role("link", name="Undo…").click()
    expect(page.get_by_text("gets back the values it had before the change")).to_be_visible()
    page.get_by_role("button", name="Yes, undo it").click()

    expect(
        page.get_by_text("The contact “Anna Nowak” has its previous values back.")
    ).to_be_visible()
    anna.refresh_from_db()
    assert anna.city == ""
