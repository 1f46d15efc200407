"""The sandbox API's blacklist calls: index, add, delete, check. The blacklist is the
account's, by phone: a contact's `blacklist` flag follows it, and deleting a contact (a
duplicate, say) leaves its number on the list."""

import pytest

from contacts_ui.sandbox.models import BlacklistedNumber
from tests.sandbox_calls import add_contact, call, error

pytestmark = pytest.mark.usefixtures("alice_account")

API = "/sandbox/api/blacklist"


def listed(client, token="alice-token", **fields) -> list[str]:
    return [item["phone"] for item in call(client, f"{API}/index.json", token, **fields)["items"]]


def test_a_number_added_in_any_common_format_is_listed_once_in_e164(client):
    assert call(client, f"{API}/add.json", phone="500 600 700")["success"] is True
    again = call(client, f"{API}/add.json", phone="+48 500-600-700")
    assert again["success"] is True  # listed already: answered as done, still listed once
    assert listed(client) == ["+48500600700"]
    assert call(client, f"{API}/check.json", phone="0048500600700") == {"exists": True}


def test_the_list_pages_newest_first_and_finds_part_of_a_number(client):
    for n in range(3):
        call(client, f"{API}/add.json", phone=f"50060070{n}")
    answer = call(client, f"{API}/index.json", limit=2)
    assert answer["paging"] == {"page": 1, "count": 2}
    assert [item["phone"] for item in answer["items"]] == ["+48500600702", "+48500600701"]
    assert set(answer["items"][0]) == {"phone", "added"}
    assert listed(client, phone="600 701") == ["+48500600701"]
    assert listed(client, phone="999") == []


def test_a_number_taken_off_is_no_longer_listed(client):
    call(client, f"{API}/add.json", phone="500600700")
    assert call(client, f"{API}/delete.json", phone="+48500600700") == {"success": True}
    assert call(client, f"{API}/check.json", phone="500600700") == {"exists": False}


def test_taking_off_a_number_not_listed_is_refused(client):
    assert error(call(client, f"{API}/delete.json", phone="500600700")) == (1006, "InvalidData")


@pytest.mark.parametrize("action", ["add", "delete", "check"])
def test_each_call_refuses_a_missing_or_invalid_phone(client, action):
    assert error(call(client, f"{API}/{action}.json")) == (2000, "ValidationRequiredError")
    assert error(call(client, f"{API}/{action}.json", phone="12")) == (2001, "ValidationPhoneError")


def test_the_list_is_the_accounts_own(client, bob_account):
    call(client, f"{API}/add.json", phone="500600700")
    assert listed(client, token="bob-token") == []
    assert call(client, f"{API}/check.json", "bob-token", phone="500600700") == {"exists": False}


def test_a_contacts_flag_follows_the_list_by_phone(client):
    first = add_contact(client, "500600700", first_name="Jan")
    duplicate = add_contact(client, "+48500600700", first_name="Jan (2)")
    call(client, f"{API}/add.json", phone="500600700")
    flags = {
        item["id"]: item["blacklist"]
        for item in call(client, "/sandbox/api/contacts/index.json")["items"]
    }
    assert flags == {first: True, duplicate: True}

    # Deleting the duplicate leaves the number on the list, and the other contact flagged.
    call(client, "/sandbox/api/contacts/delete.json", id=duplicate)
    assert call(client, "/sandbox/api/contacts/view.json", id=first)["blacklist"] is True
    assert BlacklistedNumber.objects.filter(phone="+48500600700").exists()


def test_a_page_past_the_end_is_empty(client):
    call(client, f"{API}/add.json", phone="500600700")
    assert call(client, f"{API}/index.json", page=5)["items"] == []
