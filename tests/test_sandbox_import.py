"""The sandbox's contacts/import: many contacts in one call, into the group named (made by
the call, or, under a name in use, that group); a row it cannot take is counted in `failed`
while the others go in. Every error it answers, and each provider variant of it."""

import pytest

from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.sandbox.models import Contact, Group
from tests.sandbox_calls import call, error, post_form

pytestmark = pytest.mark.usefixtures("alice_account")

IMPORT = "/sandbox/api/contacts/import.json"
ANNA = {"phone": "500 600 701", "first_name": "Anna", "last_name": "Nowak", "company": "Sklep"}
JAN = {"phone": "+48500600702", "email": "jan@example.pl"}


def test_the_contacts_go_into_a_new_group_and_are_counted(client):
    answer = call(client, IMPORT, group_name="Targi", contact=[ANNA, JAN])
    group = Group.objects.get()
    assert answer == {"success": True, "id": group.id, "correct": 2, "failed": 0}
    assert group.name == "Targi"
    anna = Contact.objects.get(membership__group=group, first_name="Anna")
    assert (anna.phone, anna.last_name, anna.company) == ("+48500600701", "Nowak", "Sklep")
    # Found by a search, as a contact added one by one is.
    found = call(client, "/sandbox/api/contacts/index.json", search="sklep")["items"]
    assert [item["id"] for item in found] == [anna.id]


def test_a_row_it_cannot_take_is_counted_failed_and_the_others_go_in(client):
    rows = [ANNA, {"phone": "12"}, {"first_name": "no phone"}, "not a row", {**JAN}, JAN]
    answer = call(client, IMPORT, group_name="Targi", contact=rows)
    # A bad number, no number, not an object, and a number in the group already.
    assert (answer["correct"], answer["failed"]) == (2, 4)
    assert Contact.objects.count() == 2


def test_fields_beyond_the_five_it_takes_are_not_set(client):
    call(client, IMPORT, group_name="Targi", contact=[{**ANNA, "city": "Łódź", "tax_id": "1"}])
    anna = Contact.objects.get()
    assert (anna.city, anna.tax_id) == ("", "")


def test_a_name_in_use_adds_to_that_group(client):
    first = call(client, IMPORT, group_name="Targi", contact=[ANNA])
    second = call(client, IMPORT, group_name="Targi", contact=[JAN, ANNA])
    assert second["id"] == first["id"]
    assert (second["correct"], second["failed"]) == (1, 1)  # Anna is in it already
    assert Group.objects.count() == 1


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"contact": [ANNA]}, (2000, "ValidationRequiredError")),
        ({"group_name": " ", "contact": [ANNA]}, (2000, "ValidationRequiredError")),
        ({"group_name": "G" * 101, "contact": [ANNA]}, (1006, "InvalidData")),
        ({"group_name": "Targi"}, (2000, "ValidationRequiredError")),
        ({"group_name": "Targi", "contact": []}, (2000, "ValidationRequiredError")),
        ({"group_name": "Targi", "contact": "500600700"}, (1006, "InvalidData")),
    ],
)
def test_a_call_without_a_name_or_rows_is_refused(client, fields, expected):
    assert error(call(client, IMPORT, **fields)) == expected
    assert not Group.objects.exists()


def test_more_rows_than_a_call_takes_are_refused(client, monkeypatch):
    monkeypatch.setattr(sandbox_api, "IMPORT_MAX", 1)
    assert error(call(client, IMPORT, group_name="Targi", contact=[ANNA, JAN]))[0] == 1006
    assert not Group.objects.exists()


def test_a_form_encoded_call_has_no_list_of_rows_and_is_refused(client):
    answer = post_form(client, IMPORT, [("group_name", "Targi"), ("contact", "x")]).json()
    assert error(answer) == (1006, "InvalidData")


def test_the_import_is_the_accounts_own(client, bob_account):
    call(client, IMPORT, "bob-token", group_name="Targi", contact=[ANNA])
    assert call(client, "/sandbox/api/groups/index.json")["items"] == []


# --- The variants ---------------------------------------------------------------------


def test_a_limit_of_a_hundred_rows(client, settings):
    settings.SANDBOX_PROVIDER = ["import-limit-100"]
    rows = [{"phone": f"+4850060{n:04d}"} for n in range(101)]
    assert error(call(client, IMPORT, group_name="Targi", contact=rows)) == (1006, "InvalidData")
    assert call(client, IMPORT, group_name="Targi", contact=rows[:100])["correct"] == 100


def test_another_group_under_a_name_in_use(client, settings):
    settings.SANDBOX_PROVIDER = ["import-makes-another-group"]
    first = call(client, IMPORT, group_name="Targi", contact=[ANNA])
    second = call(client, IMPORT, group_name="Targi", contact=[JAN])
    assert first["id"] != second["id"]
    assert list(Group.objects.values_list("name", flat=True)) == ["Targi", "Targi"]


def test_a_whole_call_refused_for_one_invalid_row(client, settings):
    settings.SANDBOX_PROVIDER = ["import-refuses-invalid-rows"]
    answer = call(client, IMPORT, group_name="Targi", contact=[ANNA, {"phone": "12"}])
    assert error(answer) == (2001, "ValidationPhoneError")
    assert not Group.objects.exists() and not Contact.objects.exists()


def test_imported_phones_stored_without_their_plus(client, settings):
    settings.SANDBOX_PROVIDER = ["phones-without-plus"]
    call(client, IMPORT, group_name="Targi", contact=[ANNA])
    assert Contact.objects.get().phone == "48500600701"
