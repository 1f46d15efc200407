"""The office's everyday work in Chromium, as a person does it: by labels, roles and keys.

Groups and contacts are made, found, filtered, sorted, paged, edited and deleted through the
pages; the sandbox's own store is then checked to see that the API got what the page showed.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def groups(alice_account):
    """Alice's two groups, by name."""
    return {
        name: Group.objects.create(account=alice_account, name=name)
        for name in ("Klienci VIP", "Dostawcy")
    }


@pytest.fixture
def people(alice_account, groups):
    """Four contacts: two VIP clients, one supplier, one in no group."""
    vip, suppliers = groups["Klienci VIP"], groups["Dostawcy"]
    return {
        "Anna": make_contact(
            alice_account,
            "+48500600701",
            [vip],
            first_name="Anna",
            last_name="Kowalska",
            city="Kraków",
        ),
        "Adam": make_contact(
            alice_account,
            "+48500600702",
            [vip],
            first_name="Adam",
            last_name="Kowalski",
            city="Gdańsk",
        ),
        "Beata": make_contact(
            alice_account,
            "+48500600703",
            [suppliers],
            first_name="Beata",
            last_name="Nowak",
            city="Warszawa",
        ),
        "Zenon": make_contact(
            alice_account, "+48500600704", first_name="Zenon", last_name="Adamski", city="Zakopane"
        ),
    }


@pytest.fixture
def contacts_page(logged_in_page) -> Page:
    """Alice on the contacts list; ask for the data's fixtures before this one, so they are in."""
    page = logged_in_page
    page.goto("/contacts/")
    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    return page


def rows(page: Page):
    """The first cell of each contact row: the name that links to the contact."""
    return page.get_by_role("table", name="Contacts").get_by_role("rowheader")


def group_filter(page: Page):
    return page.get_by_role("navigation", name="Filter")


def test_creating_two_groups(logged_in_page, alice_account):
    page = logged_in_page
    page.get_by_role("link", name="Add group").click()
    page.get_by_label("Name").fill("Klienci VIP")
    page.get_by_role("button", name="Save and add another").click()

    expect(page.get_by_text("The group “Klienci VIP” was added.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("")
    page.get_by_label("Name").fill("Dostawcy")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url("/groups/")
    expect(page.get_by_text("The group “Dostawcy” was added.")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("rowheader")).to_have_text(
        ["Dostawcy", "Klienci VIP"]
    )
    names = Group.objects.filter(account=alice_account).values_list("name", flat=True)
    assert sorted(names) == ["Dostawcy", "Klienci VIP"]


def test_adding_a_contact_in_both_groups(alice_account, groups, contacts_page):
    page = contacts_page
    page.get_by_role("link", name="Add contact").click()
    expect(page.get_by_role("heading", name="Add contact", level=1)).to_be_visible()

    page.get_by_label("First name").fill("Jan")
    page.get_by_label("Last name").fill("Nowak")
    page.get_by_label("Phone").fill("500 600 700")
    page.get_by_label("Email").fill("jan@example.com")
    page.get_by_label("Company").fill("Nowak i Syn")
    page.get_by_label("City").fill("Poznań")
    page.get_by_label("Description").fill("Prefers calls in the morning")
    page.get_by_role("listbox", name="Available groups").select_option(["Klienci VIP", "Dostawcy"])
    page.get_by_role("button", name="Choose selected groups").click()
    expect(page.get_by_role("listbox", name="Chosen groups").get_by_role("option")).to_have_count(2)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url("/contacts/")
    expect(page.get_by_text("The contact “Jan Nowak” was added.")).to_be_visible()
    expect(rows(page)).to_have_text(["Jan"])
    contact = Contact.objects.get(account=alice_account)
    assert contact.phone == "+48500600700"
    assert (contact.first_name, contact.city, contact.email) == (
        "Jan",
        "Poznań",
        "jan@example.com",
    )
    assert sorted(contact.groups.values_list("name", flat=True)) == ["Dostawcy", "Klienci VIP"]


def test_search_as_you_type_narrows_the_table_in_place(people, contacts_page):
    page = contacts_page
    expect(rows(page)).to_have_count(4)
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("textbox", name="Search").press_sequentially("kowal")

    expect(page).to_have_url(re.compile(r"/contacts/\?(.*&)?q=kowal(&|$)"))
    expect(rows(page)).to_have_text(["Anna", "Adam"])
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_role("textbox", name="Search").fill("nobody like this")
    expect(page.get_by_text("No contact matches “nobody like this”.")).to_be_visible()


def test_filtering_by_a_group_and_by_no_group(people, groups, contacts_page):
    page = contacts_page
    vip = groups["Klienci VIP"]
    filters = group_filter(page)
    expect(filters.get_by_role("link", name="All")).to_have_attribute("aria-current", "true")

    filters.get_by_role("link", name="Klienci VIP (2)").click()

    expect(page).to_have_url(re.compile(rf"/contacts/\?(.*&)?g={vip.id}(&|$)"))
    expect(rows(page)).to_have_text(["Anna", "Adam"])
    expect(filters.get_by_role("link", name="Klienci VIP (2)")).to_have_attribute(
        "aria-current", "true"
    )

    filters.get_by_role("link", name="In no group").click()

    expect(page).to_have_url(re.compile(r"/contacts/\?(.*&)?g=none(&|$)"))
    expect(rows(page)).to_have_text(["Zenon"])
    expect(filters.get_by_role("link", name="In no group")).to_have_attribute(
        "aria-current", "true"
    )

    filters.get_by_role("link", name="All").click()
    expect(rows(page)).to_have_count(4)


def test_sorting_by_a_column_both_ways(people, contacts_page):
    page = contacts_page
    city = page.get_by_role("columnheader", name="City")
    expect(rows(page).first).to_have_text("Zenon")  # last name Adamski, the default sort
    expect(city).not_to_have_attribute("aria-sort", re.compile(".*"))

    city.get_by_role("link", name="City").click()

    expect(page).to_have_url(re.compile(r"[?&]o=city(&|$)"))
    expect(city).to_have_attribute("aria-sort", "ascending")
    expect(rows(page)).to_have_text(["Adam", "Anna", "Beata", "Zenon"])  # Gdańsk ... Zakopane

    city.get_by_role("link", name="City").click()

    expect(page).to_have_url(re.compile(r"[?&]o=-city(&|$)"))
    expect(city).to_have_attribute("aria-sort", "descending")
    expect(rows(page)).to_have_text(["Zenon", "Beata", "Anna", "Adam"])
    expect(page.get_by_role("columnheader", name="Last name")).not_to_have_attribute(
        "aria-sort", re.compile(".*")
    )


def test_paging_forward_and_back_with_25_per_page(logged_in_page, alice_account):
    for number in range(30):
        make_contact(
            alice_account, f"+4850060{number:04d}", first_name=f"Person {number:02d}", last_name=""
        )
    page = logged_in_page
    page.goto("/contacts/?o=first_name")
    expect(rows(page)).to_have_count(30)  # 50 a page by default

    page.get_by_label("Per page").select_option("25")

    expect(rows(page)).to_have_count(25)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("link", name="Next ›").click()

    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]p=2(&|$)"))
    expect(rows(page)).to_have_text([f"Person {n}" for n in range(25, 30)])
    page.get_by_role("link", name="‹ Previous").click()

    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(rows(page)).to_have_count(25)
    expect(rows(page).first).to_have_text("Person 00")
    expect(page.get_by_label("Per page")).to_have_value("25")


def test_the_lists_links_swap_it_in_place_where_it_is_but_a_contact_opens_its_page(
    logged_in_page, alice_account
):
    vip = Group.objects.create(account=alice_account, name="Klienci VIP")
    for number in range(50):
        make_contact(
            alice_account, f"+4850060{number:04d}", [vip], first_name=f"Person {number:02d}"
        )
    page = logged_in_page
    page.goto("/contacts/?n=25&o=first_name")
    page.evaluate("window.stillTheSamePage = true")

    # At the foot of the page, the next page comes in where the reader is (as a boosted
    # link, htmx would scroll to the list's top unless told not to).
    next_page = page.get_by_role("link", name="Next ›")
    next_page.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    next_page.click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(rows(page).first).to_have_text("Person 25")
    assert page.evaluate("window.scrollY") == scrolled

    page.get_by_role("columnheader", name="First name").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"[?&]o=-first_name(&|$)"))
    expect(rows(page).first).to_have_text("Person 49")
    page.get_by_role("table", name="Contacts").get_by_role("link", name="Klienci VIP").first.click()
    expect(page).to_have_url(re.compile(rf"/contacts/\?g={vip.id}$"))
    expect(group_filter(page).get_by_role("link", name="Klienci VIP (50)")).to_have_attribute(
        "aria-current", "true"
    )
    group_filter(page).get_by_role("link", name="In no group").click()
    expect(page.get_by_text("No contacts here yet.")).to_be_visible()
    page.go_back()
    expect(rows(page)).to_have_count(50)
    assert page.evaluate("window.stillTheSamePage") is True

    rows(page).get_by_role("link", name="Person 00").click()
    expect(page.get_by_role("heading", name="Change contact", level=1)).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is None  # a page of its own


def test_editing_a_contact_returns_to_the_list_as_it_was(people, groups, contacts_page):
    page = contacts_page
    vip = groups["Klienci VIP"]
    group_filter(page).get_by_role("link", name="Klienci VIP (2)").click()
    expect(rows(page)).to_have_count(2)
    page.get_by_role("textbox", name="Search").press_sequentially("anna")
    expect(rows(page)).to_have_text(["Anna"])
    list_url = page.url

    rows(page).get_by_role("link", name="Anna").click()
    expect(page.get_by_role("heading", name="Change contact", level=1)).to_be_visible()
    expect(page.get_by_label("City")).to_have_value("Kraków")
    page.get_by_label("City").fill("Wrocław")
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.get_by_text("The contact “Anna Kowalska” was saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Change contact", level=1)).to_be_visible()
    expect(page.get_by_label("City")).to_have_value("Wrocław")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(list_url)
    expect(page).to_have_url(re.compile(rf"/contacts/\?(?=.*\bq=anna\b)(?=.*\bg={vip.id}\b)"))
    expect(page.get_by_role("textbox", name="Search")).to_have_value("anna")
    expect(group_filter(page).get_by_role("link", name="Klienci VIP (2)")).to_have_attribute(
        "aria-current", "true"
    )
    expect(rows(page)).to_have_text(["Anna"])
    expect(
        page.get_by_role("table", name="Contacts").get_by_role("cell", name="Wrocław")
    ).to_be_visible()
    people["Anna"].refresh_from_db()
    assert people["Anna"].city == "Wrocław"
    assert list(people["Anna"].groups.all()) == [vip]


def test_finding_by_phone_lists_every_group_holding_the_number(
    logged_in_page, alice_account, groups
):
    make_contact(alice_account, "+48500600700", groups.values(), first_name="Jan")
    page = logged_in_page
    page.goto("/find/")
    page.get_by_label("Phone number").fill("+48 500-600-700")
    page.get_by_role("button", name="Find").click()

    results = page.get_by_role("table", name="Groups holding +48500600700")
    expect(results.get_by_role("rowheader")).to_have_count(2)
    expect(results.get_by_role("rowheader", name="Klienci VIP")).to_be_visible()
    expect(results.get_by_role("rowheader", name="Dostawcy")).to_be_visible()


def test_deleting_a_contact_from_its_row_removes_the_row_in_place(people, contacts_page):
    page = contacts_page
    expect(rows(page)).to_have_count(4)
    page.evaluate("window.stillTheSamePage = true")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    page.get_by_role("link", name="Delete Beata").click()

    expect(rows(page)).to_have_text(["Zenon", "Anna", "Adam"])
    assert dialogs == ["Delete the contact “Beata Nowak” at SerwerSMS for good?"]
    assert page.evaluate("window.stillTheSamePage") is True
    assert not Contact.objects.filter(pk=people["Beata"].pk).exists()
    assert Contact.objects.count() == 3


def delete_group(page: Page, name: str, *, with_contacts: bool) -> None:
    page.goto("/groups/")
    page.get_by_role("main").get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete group", level=1)).to_be_visible()
    if with_contacts:
        page.get_by_label(re.compile(r"Also delete its \d+ contacts?")).check()
    page.get_by_role("button", name="Yes, I’m sure").click()


def test_deleting_a_group_keeping_its_contacts_and_another_with_them(
    logged_in_page, people, groups
):
    page = logged_in_page
    delete_group(page, "Dostawcy", with_contacts=False)

    expect(page).to_have_url("/groups/")
    expect(
        page.get_by_text("The group “Dostawcy” was deleted; its 1 contacts were kept.")
    ).to_be_visible()
    expect(page.get_by_role("main").get_by_role("rowheader")).to_have_text(["Klienci VIP"])
    assert not Group.objects.filter(pk=groups["Dostawcy"].pk).exists()
    assert Contact.objects.filter(pk=people["Beata"].pk).exists()

    delete_group(page, "Klienci VIP", with_contacts=True)

    expect(page).to_have_url("/groups/")
    expect(
        page.get_by_text("The group “Klienci VIP” and its 2 contacts were deleted.")
    ).to_be_visible()
    expect(page.get_by_text("This account has no groups yet.")).to_be_visible()
    assert not Group.objects.exists()
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["Beata", "Zenon"]


def test_switching_to_polish_in_the_header(contacts_page):
    page = contacts_page
    page.get_by_label("Language").select_option("pl")

    expect(page.get_by_role("heading", name="Kontakty", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contacts/$"))
    expect(page.get_by_label("Język")).to_have_value("pl")
    page.goto("/groups/")
    expect(page.get_by_role("heading", name="Grupy", level=1)).to_be_visible()


def test_adding_editing_and_deleting_a_contact_without_javascript(
    new_page, log_in, alice_account, groups
):
    page = new_page(java_script_enabled=False)
    make_user("alice", token="alice-token")
    log_in(page, "alice", then="/contacts/")
    expect(page.get_by_text("No contacts here yet.")).to_be_visible()

    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("First name").fill("Jan")
    page.get_by_label("Phone").fill("500 600 700")
    page.get_by_label("City").fill("Poznań")
    page.get_by_label("Groups").select_option(["Dostawcy", "Klienci VIP"])
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url("/contacts/")
    expect(page.get_by_text("The contact “Jan” was added.")).to_be_visible()
    contact = Contact.objects.get()
    assert contact.phone == "+48500600700"
    assert sorted(contact.groups.values_list("name", flat=True)) == ["Dostawcy", "Klienci VIP"]

    rows(page).get_by_role("link", name="Jan").click()
    expect(page.get_by_label("Groups")).to_have_values(
        [str(groups["Dostawcy"].id), str(groups["Klienci VIP"].id)]
    )
    page.get_by_label("City").fill("Gniezno")
    page.get_by_label("Groups").select_option(["Dostawcy"])
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("The contact “Jan” was saved.")).to_be_visible()
    contact.refresh_from_db()
    assert contact.city == "Gniezno"
    assert list(contact.groups.values_list("name", flat=True)) == ["Dostawcy"]

    rows(page).get_by_role("link", name="Jan").click()
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_text("Are you sure you want to delete the contact “Jan”?")).to_be_visible()
    page.get_by_role("button", name="Yes, I’m sure").click()

    expect(page).to_have_url("/contacts/")
    expect(page.get_by_text("The contact “Jan” was deleted.")).to_be_visible()
    expect(page.get_by_text("No contacts here yet.")).to_be_visible()
    assert not Contact.objects.exists()


def test_keyboard_shortcuts_on_the_contacts_list(people, contacts_page):
    page = contacts_page
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()

    page.keyboard.press("/")
    expect(page.get_by_role("textbox", name="Search")).to_be_focused()
    page.keyboard.type("kowal")
    expect(rows(page)).to_have_text(["Anna", "Adam"])
    # Leave the search box as a person would, by clicking outside it.
    page.get_by_role("heading", name="Contacts", level=1).click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows(page).get_by_role("link", name="Adam")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/contacts/{people['Adam'].id}/change/\?.*q%3Dkowal"))
    expect(page.get_by_label("First name")).to_have_value("Adam")
