"""An import and a cleanup in Chromium, each to its end: a CSV from Excel uploaded, mapped,
previewed and imported with its progress bar; two groups of nearly the same name found by
the scan and merged. The task worker runs beside the server, as `make run` runs it."""

import pytest
from playwright.sync_api import Page, expect

from contacts_ui.sandbox.models import Contact, Group, Membership
from tests.browser.steps import open_navigation
from tests.helpers import make_contact
from tests.jobs import worker_in_background

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# As Polish Excel saves "CSV (separated by semicolons)": Windows-1250, with a bad row.
EXCEL_CSV = (
    "Imię;Nazwisko;Telefon;Miasto\r\n"
    "Łukasz;Żółć;500 100 200;Łódź\r\n"
    "Anna;Kowalska;+48 500 100 201;Kraków\r\n"
    "Zła;Liczba;12;Gdańsk\r\n"
    "Ewa;Nowak;500100202;Poznań\r\n"
).encode("cp1250")


@pytest.fixture
def worker():
    with worker_in_background() as running:
        yield running


def _upload(page: Page, tmp_path) -> None:
    """The Excel file, uploaded from the Import contacts page."""
    csv_file = tmp_path / "klienci.csv"
    csv_file.write_bytes(EXCEL_CSV)
    open_navigation(page)
    page.get_by_role("link", name="Import contacts").click()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload").click()


def test_a_csv_from_excel_is_previewed_then_imported_with_progress(
    logged_in_page: Page, alice_account, worker, settings, tmp_path
):
    settings.SANDBOX_LATENCY_MS = 100
    settings.BULK_CONCURRENCY = 1
    Group.objects.create(account=alice_account, name="Klienci")
    page = logged_in_page
    _upload(page, tmp_path)

    # The columns are guessed from the Polish header.
    expect(page.get_by_label("Telefon")).to_have_value("phone")
    expect(page.get_by_label("Imię")).to_have_value("first_name")
    page.get_by_role("listbox", name="Available groups").select_option(["Klienci"])
    page.get_by_role("button", name="Choose selected groups").click()
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_text("3 rows will be imported.")).to_be_visible()
    expect(page.get_by_text("1 row has errors and will be left out.")).to_be_visible()
    expect(page.get_by_text("+48500100200")).to_be_visible()
    page.get_by_role("button", name="Import 3 contacts").click()

    expect(page.locator("#job-progress progress")).to_be_visible()
    expect(page.get_by_text("Left: 0")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Done: 3")).to_be_visible()
    klienci = Group.objects.get(account=alice_account, name="Klienci")
    imported = Contact.objects.filter(account=alice_account)
    assert {(c.first_name, c.last_name, c.phone, c.city) for c in imported} == {
        ("Łukasz", "Żółć", "+48500100200", "Łódź"),
        ("Anna", "Kowalska", "+48500100201", "Kraków"),
        ("Ewa", "Nowak", "+48500100202", "Poznań"),
    }
    assert Membership.objects.filter(group=klienci).count() == 3


def test_a_csv_goes_into_a_new_group_with_serwersms_bulk_import(
    logged_in_page: Page, alice_account, worker, settings, tmp_path
):
    settings.IMPORT_BATCH_SIZE = 2
    page = logged_in_page
    _upload(page, tmp_path)

    # The city is not a field of the bulk import: left out, the rest goes with it.
    page.get_by_label("Miasto").select_option("")
    page.get_by_label("Or into a new group").fill("Targi 2026")
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#import-new-group")).to_contain_text(
        "SerwerSMS’s own bulk import: 2 calls of up to 2 rows"
    )
    page.get_by_role("button", name="Import 3 contacts").click()

    expect(page.get_by_text("Finished")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Done: 3")).to_be_visible()
    targi = Group.objects.get(account=alice_account, name="Targi 2026")
    members = Membership.objects.filter(group=targi).values_list("contact__first_name", flat=True)
    assert sorted(members) == ["Anna", "Ewa", "Łukasz"]


def test_two_groups_of_nearly_the_same_name_are_found_and_merged(
    logged_in_page: Page, alice_account, worker
):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    twin = Group.objects.create(account=alice_account, name="klięnci ")
    make_contact(alice_account, "+48500600701", [klienci], first_name="Anna")
    make_contact(alice_account, "+48500600702", [twin], first_name="Bartek")
    make_contact(alice_account, "+48500600703", [twin, klienci], first_name="Celina")
    page = logged_in_page
    open_navigation(page)
    page.get_by_role("link", name="Cleanup").click()
    page.get_by_role("button", name="Look for what needs tidying").click()
    expect(page.get_by_text("Finished")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name="Back", exact=True).click()

    similar = page.locator("#similar-groups")
    expect(similar).to_contain_text("“Klienci” (2 contacts), “klięnci ” (2 contacts)")
    similar.get_by_role("link", name="Review…").click()
    page.get_by_label("Keep “Klienci”").check()
    page.get_by_role("button", name="Next: what will happen").click()
    expect(page.locator("#content-main")).to_contain_text("klięnci")
    page.get_by_role("button", name="Yes, merge them").click()

    expect(page.get_by_text("Finished")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("“klięnci ” was deleted.")).to_be_visible()
    assert list(Group.objects.filter(account=alice_account).values_list("name", flat=True)) == [
        "Klienci"
    ]
    members = Membership.objects.filter(group=klienci).values_list("contact__first_name", flat=True)
    assert sorted(members) == ["Anna", "Bartek", "Celina"]
