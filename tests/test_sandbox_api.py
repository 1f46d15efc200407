"""The sandbox API's transport: URLs, bodies, auth, lenient and hostile input, fault knobs.

Groups and contacts semantics are in test_sandbox_groups.py and test_sandbox_contacts.py.
"""

import json
import time

import pytest

from tests.sandbox_calls import add_contact, add_group, call, decoded, error, post, post_form

pytestmark = pytest.mark.usefixtures("alice_account")

DOCUMENTED_CODES = {1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 2000, 2001}


def group_names(client, token="alice-token") -> list[str]:
    answer = call(client, "/sandbox/api/groups/index.json", token, sort="name")
    return [item["name"] for item in answer["items"]]


def memberships(client, phone="500600700") -> list[tuple[int, str]]:
    answer = call(client, "/sandbox/api/groups/check.json", phone=phone)
    return [(item["group_id"], item["group_name"]) for item in answer["items"]]


# --- URLs and methods ---------------------------------------------------------


def test_it_answers_with_and_without_the_json_suffix(client):
    assert call(client, "/sandbox/api/groups/add.json", name="Z sufiksem")["success"] is True
    assert call(client, "/sandbox/api/groups/add", name="Bez sufiksu")["success"] is True
    assert call(client, "/sandbox/api/groups/index")["paging"] == {"page": 1, "count": 1}
    assert group_names(client) == ["Bez sufiksu", "Z sufiksem"]


def test_it_answers_an_unknown_action_with_1000(client):
    answer = call(client, "/sandbox/api/groups/frobnicate.json", name="x")
    assert error(answer) == (1000, "InvalidAction")


def test_it_answers_an_unknown_resource_with_1000(client):
    answer = call(client, "/sandbox/api/messages/send_sms.json", phone="500600700")
    assert error(answer) == (1000, "InvalidAction")


def test_it_rejects_get_without_crashing(client):
    response = client.get("/sandbox/api/groups/index.json", HTTP_AUTHORIZATION="Bearer alice-token")
    assert response.status_code == 405
    assert error(json.loads(response.content)) == (1000, "InvalidAction")


def test_it_changes_nothing_on_get(client):
    client.get("/sandbox/api/groups/add.json?name=Klienci", HTTP_AUTHORIZATION="Bearer alice-token")
    assert group_names(client) == []


# --- Bodies: JSON and form-encoded --------------------------------------------


def test_it_accepts_a_form_encoded_body(client):
    response = post_form(client, "/sandbox/api/groups/add.json", [("name", "Z formularza")])
    assert decoded(response)["success"] is True
    assert group_names(client) == ["Z formularza"]


def test_it_accepts_a_multipart_form_body(client):
    response = client.post(
        "/sandbox/api/groups/add.json",
        {"name": "Multipart"},
        HTTP_AUTHORIZATION="Bearer alice-token",
    )
    assert decoded(response)["success"] is True
    assert group_names(client) == ["Multipart"]


@pytest.mark.parametrize("key", ["group_id", "group_id[]"])
def test_it_reads_repeated_or_php_style_group_id_keys_in_a_form_as_a_list(client, key):
    first = add_group(client, "Pierwsza")
    second = add_group(client, "Druga")
    pairs = [("phone", "500600700"), (key, first), (key, second)]
    answer = decoded(post_form(client, "/sandbox/api/contacts/add.json", pairs))
    assert answer["success"] is True
    assert memberships(client) == [(first, "Pierwsza"), (second, "Druga")]


def test_it_reads_a_single_php_style_group_id_as_a_list_of_one(client):
    group = add_group(client, "Jedyna")
    pairs = [("phone", "500600700"), ("group_id[]", group)]
    answer = decoded(post_form(client, "/sandbox/api/contacts/add.json", pairs))
    assert answer["success"] is True
    assert memberships(client) == [(group, "Jedyna")]


def test_it_reads_form_values_as_text_numbers_and_booleans(client):
    group = add_group(client, "Do usunięcia")
    contact = add_contact(client, group_id=group)
    pairs = [("id", str(group)), ("delete_contacts", "true")]
    assert decoded(post_form(client, "/sandbox/api/groups/delete.json", pairs)) == {"success": True}
    answer = call(client, "/sandbox/api/contacts/view.json", id=contact)
    assert error(answer) == (1004, "InvalidID")


# --- Authentication -----------------------------------------------------------


def test_it_accepts_a_bearer_token(client):
    assert call(client, "/sandbox/api/groups/index.json", token="alice-token") == {
        "paging": {"page": 1, "count": 1},
        "items": [],
    }


def test_it_accepts_username_and_password_fields_in_json(client):
    answer = call(
        client,
        "/sandbox/api/groups/add.json",
        token=None,
        username="alice",
        password="alice-password",
        name="Hasłem",
    )
    assert answer["success"] is True
    assert group_names(client, token="alice-token") == ["Hasłem"]


def test_it_accepts_username_and_password_fields_in_a_form(client):
    pairs = [("username", "alice"), ("password", "alice-password"), ("name", "Formularzem")]
    response = post_form(client, "/sandbox/api/groups/add.json", pairs, token=None)
    assert decoded(response)["success"] is True
    assert group_names(client, token="alice-token") == ["Formularzem"]


@pytest.mark.parametrize(
    ("token", "fields"),
    [
        ("wrong-token", {}),
        ("", {}),
        (None, {}),
        (None, {"username": "alice", "password": "wrong-password"}),
        (None, {"username": "alice", "password": ""}),
        (None, {"username": "alice"}),
        (None, {"username": "nobody", "password": "alice-password"}),
        (None, {"username": ["alice"], "password": ["alice-password"]}),
        (None, {"username": "alice", "password": "alice-token"}),
        (None, {"username": "alice\x00", "password": "alice-password"}),
    ],
    ids=[
        "wrong token",
        "empty token",
        "no credentials",
        "wrong password",
        "empty password",
        "no password",
        "unknown user",
        "credentials as lists",
        "token as password",
        "NUL in username",
    ],
)
def test_it_rejects_bad_credentials_with_1001(client, token, fields):
    answer = call(client, "/sandbox/api/groups/add.json", token=token, name="Intruz", **fields)
    assert error(answer) == (1001, "InvalidUser")
    assert group_names(client) == []


def test_it_rejects_a_wrong_token_even_with_a_right_password(client):
    answer = call(
        client,
        "/sandbox/api/groups/add.json",
        token="wrong-token",
        username="alice",
        password="alice-password",
        name="Intruz",
    )
    assert error(answer) == (1001, "InvalidUser")
    assert group_names(client) == []


def test_it_rejects_bad_credentials_before_saying_the_action_is_unknown(client):
    answer = call(client, "/sandbox/api/groups/frobnicate.json", token="wrong-token")
    assert error(answer) == (1001, "InvalidUser")


# --- Lenient input --------------------------------------------------------------


def test_it_reads_ids_given_as_strings(client):
    group = add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/groups/view.json", id=str(group))
    assert answer == {"id": group, "name": "Klienci", "count": 0}


def test_it_reads_group_ids_given_as_strings_in_a_list(client):
    first = add_group(client, "Pierwsza")
    second = add_group(client, "Druga")
    add_contact(client, group_id=[str(first), str(second)])
    assert memberships(client) == [(first, "Pierwsza"), (second, "Druga")]


def test_it_reads_page_and_limit_given_as_strings(client):
    for name in ("A", "B", "C"):
        add_group(client, name)
    answer = call(client, "/sandbox/api/groups/index.json", sort="name", page="2", limit="2")
    assert answer["paging"] == {"page": 2, "count": 2}
    assert [item["name"] for item in answer["items"]] == ["C"]


@pytest.mark.parametrize("flag", [True, "true", "1", 1, "TRUE"])
def test_it_reads_a_true_boolean_in_any_usual_form(client, flag):
    group = add_group(client, "Stara")
    contact = add_contact(client, group_id=group)
    answer = call(client, "/sandbox/api/groups/delete.json", id=group, delete_contacts=flag)
    assert answer == {"success": True}
    assert error(call(client, "/sandbox/api/contacts/view.json", id=contact)) == (
        1004,
        "InvalidID",
    )


@pytest.mark.parametrize("flag", [False, "false", "0", 0, None, ""])
def test_it_reads_a_false_boolean_in_any_usual_form(client, flag):
    group = add_group(client, "Stara")
    contact = add_contact(client, group_id=group)
    answer = call(client, "/sandbox/api/groups/delete.json", id=group, delete_contacts=flag)
    assert answer == {"success": True}
    assert call(client, "/sandbox/api/contacts/view.json", id=contact)["id"] == contact


def test_it_reads_null_as_absent_in_an_index_call(client):
    # What the official Python client sends when the caller gives no filters.
    contact = add_contact(client)
    answer = call(
        client,
        "/sandbox/api/contacts/index.json",
        search=None,
        group_id=None,
        sort=None,
        order=None,
        page=None,
        limit=None,
    )
    assert answer["paging"] == {"page": 1, "count": 1}
    assert [item["id"] for item in answer["items"]] == [contact]


def test_it_reads_null_as_absent_in_a_contact(client):
    contact = add_contact(client, email=None, first_name=None, city=None, group_id=None)
    answer = call(client, "/sandbox/api/contacts/view.json", id=contact)
    assert (answer["email"], answer["first_name"], answer["city"]) == ("", "", "")
    assert memberships(client) == []


def test_it_reads_numbers_given_where_text_is_expected(client):
    contact = add_contact(client, phone=500600700, tax_id=5260250274)
    answer = call(client, "/sandbox/api/contacts/view.json", id=contact)
    assert (answer["phone"], answer["tax_id"]) == ("+48500600700", "5260250274")


# --- Hostile input: always an error object, never a 500 -------------------------


def test_it_answers_a_json_array_body_with_1006(client):
    response = client.post(
        "/sandbox/api/groups/add.json",
        data=json.dumps([{"name": "Klienci"}]),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer alice-token",
    )
    assert error(decoded(response)) == (1006, "InvalidData")
    assert group_names(client) == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "Klienci"',
        b"name=Klienci",
        b'"Klienci"',
        b"null",
        b"42",
        b'{"name": "\xff\xfe"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    ],
    ids=[
        "cut off",
        "form in a JSON body",
        "a string",
        "null",
        "a number",
        "invalid UTF-8",
        "deeply nested array",
        "deeply nested object",
    ],
)
def test_it_answers_a_body_that_is_not_a_json_object_with_1006(client, body):
    response = client.post(
        "/sandbox/api/groups/add.json",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer alice-token",
    )
    assert error(decoded(response)) == (1006, "InvalidData")
    assert group_names(client) == []


@pytest.mark.parametrize(
    ("path", "fields", "code"),
    [
        ("/sandbox/api/groups/add.json", {"name": ["Klienci"]}, 1006),
        ("/sandbox/api/groups/add.json", {"name": {"pl": "Klienci"}}, 1006),
        ("/sandbox/api/groups/add.json", {"name": True}, 1006),
        ("/sandbox/api/groups/add.json", {"name": "Klien\x00ci"}, 1006),
        ("/sandbox/api/groups/index.json", {"search": ["a"]}, 1006),
        ("/sandbox/api/groups/index.json", {"search": "a\x00"}, 1006),
        ("/sandbox/api/groups/index.json", {"sort": {"name": "asc"}}, 1006),
        ("/sandbox/api/groups/index.json", {"order": ["asc"]}, 1006),
        ("/sandbox/api/groups/index.json", {"page": [1]}, 1006),
        ("/sandbox/api/groups/index.json", {"limit": {"n": 5}}, 1006),
        ("/sandbox/api/groups/index.json", {"page": True}, 1006),
        ("/sandbox/api/groups/index.json", {"page": 1.5}, 1006),
        ("/sandbox/api/groups/index.json", {"page": "--1"}, 1006),
        ("/sandbox/api/groups/index.json", {"page": "²"}, 1006),
        ("/sandbox/api/groups/index.json", {"page": "1e3"}, 1006),
        ("/sandbox/api/groups/view.json", {"id": "abc"}, 1004),
        ("/sandbox/api/groups/view.json", {"id": [1]}, 1004),
        ("/sandbox/api/groups/view.json", {"id": {"id": 1}}, 1004),
        ("/sandbox/api/groups/view.json", {"id": True}, 1004),
        ("/sandbox/api/groups/view.json", {"id": 1.5}, 1004),
        ("/sandbox/api/groups/view.json", {"id": 0}, 1004),
        ("/sandbox/api/groups/view.json", {"id": -1}, 1004),
        ("/sandbox/api/groups/view.json", {"id": "²"}, 1004),
        ("/sandbox/api/groups/view.json", {"id": "1\x00"}, 1004),
        ("/sandbox/api/groups/view.json", {"id": 10**30}, 1004),
        ("/sandbox/api/groups/view.json", {"id": "9999999999999999999"}, 1004),
        ("/sandbox/api/groups/view.json", {}, 2000),
        ("/sandbox/api/groups/view.json", {"id": None}, 2000),
        ("/sandbox/api/groups/view.json", {"id": ""}, 2000),
        ("/sandbox/api/groups/delete.json", {"id": "abc"}, 1004),
        ("/sandbox/api/groups/check.json", {"phone": ["500600700"]}, 1006),
        ("/sandbox/api/groups/check.json", {"phone": "500600700\x00"}, 1006),
        ("/sandbox/api/contacts/view.json", {"id": "abc"}, 1004),
        ("/sandbox/api/contacts/view.json", {"id": 10**30}, 1004),
        ("/sandbox/api/contacts/delete.json", {"id": [1, 2]}, 1004),
        ("/sandbox/api/contacts/add.json", {"phone": ["500600700"]}, 1006),
        ("/sandbox/api/contacts/add.json", {"phone": {"number": "500600700"}}, 1006),
        ("/sandbox/api/contacts/add.json", {"phone": True}, 1006),
        ("/sandbox/api/contacts/add.json", {"phone": "500\x00600700"}, 1006),
        ("/sandbox/api/contacts/add.json", {"phone": "500600700", "email": ["a@b.pl"]}, 1006),
        ("/sandbox/api/contacts/add.json", {"phone": "500600700", "city": {"x": 1}}, 1006),
        ("/sandbox/api/contacts/add.json", {"phone": "500600700", "city": "Łódź\x00"}, 1006),
        ("/sandbox/api/contacts/add.json", {"phone": "500600700", "group_id": "abc"}, 1004),
        ("/sandbox/api/contacts/add.json", {"phone": "500600700", "group_id": {"id": 1}}, 1004),
        ("/sandbox/api/contacts/add.json", {"phone": "500600700", "group_id": [[1]]}, 1004),
        ("/sandbox/api/contacts/add.json", {"phone": "500600700", "group_id": True}, 1004),
        ("/sandbox/api/contacts/add.json", {"phone": "500600700", "group_id": 10**30}, 1004),
        ("/sandbox/api/contacts/index.json", {"group_id": "abc"}, 1004),
        ("/sandbox/api/contacts/index.json", {"group_id": [1]}, 1004),
        ("/sandbox/api/contacts/index.json", {"group_id": 10**30}, 1004),
        ("/sandbox/api/contacts/index.json", {"search": {"q": "a"}}, 1006),
        ("/sandbox/api/contacts/index.json", {"search": "\x00"}, 1006),
        ("/sandbox/api/contacts/index.json", {"sort": ["phone"]}, 1006),
    ],
)
def test_it_answers_a_wrong_type_with_an_error_object(client, path, fields, code):
    answer = call(client, path, **fields)
    assert error(answer)[0] == code
    assert group_names(client) == []
    assert call(client, "/sandbox/api/contacts/index.json")["items"] == []


def test_it_answers_a_nul_byte_in_a_form_with_1006(client):
    response = post_form(client, "/sandbox/api/groups/add.json", [("name", "Klien\x00ci")])
    assert error(decoded(response)) == (1006, "InvalidData")
    assert group_names(client) == []


@pytest.mark.parametrize("page", ["9999999999999999999", 10**30, 2**62])
def test_it_answers_a_page_far_past_the_end_without_crashing(client, page):
    add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/groups/index.json", page=page)
    assert answer == {"paging": {"page": int(page), "count": 1}, "items": []}


# --- Fault knobs ----------------------------------------------------------------


@pytest.fixture
def no_faults(settings):
    """Turn faults off again, to look at what a failed call left behind."""

    def clear():
        settings.SANDBOX_FAILURE_RATE = 0.0

    return clear


def test_it_answers_no_sooner_than_the_latency_setting(client, settings):
    settings.SANDBOX_LATENCY_MS = 150
    started = time.monotonic()
    answer = call(client, "/sandbox/api/groups/add.json", name="Powoli")
    assert time.monotonic() - started >= 0.15
    assert answer["success"] is True


def test_it_never_fails_at_a_failure_rate_of_zero(client, settings):
    settings.SANDBOX_FAILURE_RATE = 0.0
    settings.SANDBOX_FAILURE_MODES = ["http500"]
    for number in range(20):
        add_group(client, f"Grupa {number:02}")
    assert len(group_names(client)) == 20


def test_it_fails_with_http_500_and_changes_nothing(client, faults, no_faults):
    faults("http500")
    response = post(client, "/sandbox/api/groups/add.json", {"name": "Klienci"})
    assert response.status_code == 500
    no_faults()
    assert group_names(client) == []


def test_it_fails_with_an_undocumented_api_error_and_changes_nothing(client, faults, no_faults):
    faults("api_error")
    answer = call(client, "/sandbox/api/groups/add.json", name="Klienci")
    code, type_ = error(answer)
    assert code not in DOCUMENTED_CODES
    assert isinstance(code, int)
    assert isinstance(type_, str) and type_
    no_faults()
    assert group_names(client) == []


def test_it_answers_malformed_json_after_making_the_change(client, faults, no_faults):
    faults("malformed")
    response = post(client, "/sandbox/api/groups/add.json", {"name": "Klienci"})
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    no_faults()
    assert group_names(client) == ["Klienci"]


def test_it_answers_malformed_json_even_to_a_short_answer(client, faults, no_faults):
    # {"success": true} is shorter than most answers; it must still arrive broken.
    group = add_group(client, "Klienci")
    faults("malformed")
    response = post(client, "/sandbox/api/groups/delete.json", {"id": group})
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    no_faults()
    assert group_names(client) == []


def test_it_answers_malformed_json_to_an_error(client, faults):
    faults("malformed")
    response = post(client, "/sandbox/api/groups/add.json", {"name": ""})
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_it_answers_late_after_making_the_change_on_timeout(client, settings, faults, no_faults):
    settings.SANDBOX_TIMEOUT_SECONDS = 0.2
    faults("timeout")
    started = time.monotonic()
    response = post(client, "/sandbox/api/groups/add.json", {"name": "Klienci"})
    assert time.monotonic() - started >= 0.2
    assert decoded(response)["success"] is True
    no_faults()
    assert group_names(client) == ["Klienci"]


def test_it_ignores_unknown_failure_modes(client, settings):
    settings.SANDBOX_FAILURE_RATE = 1.0
    settings.SANDBOX_FAILURE_MODES = ["earthquake"]
    add_group(client, "Klienci")
    assert group_names(client) == ["Klienci"]
