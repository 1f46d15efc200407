"""Property-based tests of the service module's payloads: whatever a method is given, the
request it puts on the wire is the one CONTRACT.md documents for that action.

The requests are caught at the transport adapter, after requests has built them (its JSON
encoding, its header checks), and answered with a canned success: no server is needed.
"""

import json
from dataclasses import asdict

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contacts_ui.serwersms import (
    CONTACT_FIELDS,
    ContactData,
    Credentials,
    SerwerSMSClient,
    SerwerSMSError,
)
from contacts_ui.serwersms import requests as serwersms_requests
from tests.test_properties_forms import any_char, hostile_text

BASE = "https://api.example.test/"
SYSTEM = "serwersms_contacts"
# As CONTRACT.md lists them, not as the app does: the app is what is under test.
CONTACT_SORTS = (
    "first_name",
    "last_name",
    "phone",
    "company",
    "tax_id",
    "email",
    "address",
    "city",
    "description",
)

# The fields CONTRACT.md lists for each call (besides the auth fields and `system`).
DOCUMENTED = {
    "groups/index": {"search", "sort", "order", "page", "limit"},
    "groups/view": {"id"},
    "groups/add": {"name"},
    "groups/edit": {"id", "name"},
    "groups/delete": {"id", "delete_contacts"},
    "groups/check": {"phone"},
    "contacts/index": {"search", "group_id", "sort", "order", "page", "limit"},
    "contacts/view": {"id"},
    "contacts/add": {"group_id", *CONTACT_FIELDS},
    "contacts/edit": {"id", "group_id", *CONTACT_FIELDS},
    "contacts/delete": {"id"},
}
CONTACT = {"id": 1, **{name: "" for name in CONTACT_FIELDS}, "phone": "+48500600700"}
ANSWERS = {
    "groups/index": {"paging": {"page": 1, "count": 1}, "items": []},
    "groups/view": {"id": 1, "name": "Klienci", "count": 0},
    "groups/check": {"items": []},
    "contacts/index": {"paging": {"page": 1, "count": 1}, "items": []},
    "contacts/view": CONTACT,
}
WRITTEN = {"success": True, "id": 1}


def _fake_answer(request: requests.PreparedRequest) -> requests.Response:
    action = request.url.removeprefix(BASE).removesuffix(".json")
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(ANSWERS.get(action, WRITTEN)).encode()
    response.url, response.request, response.encoding = request.url, request, "utf-8"
    return response


@pytest.fixture
def wire(monkeypatch):
    """The requests the client sends, as prepared for the wire, answered with a success."""
    sent: list[requests.PreparedRequest] = []

    def send(adapter, request, **kwargs):
        # What http.client does with the headers before it sends anything.
        for value in request.headers.values():
            value.encode("latin-1")
        sent.append(request)
        return _fake_answer(request)

    monkeypatch.setattr(serwersms_requests.adapters.HTTPAdapter, "send", send)
    return sent


def _sendable(value: str) -> bool:
    """Whether http.client can put this header value on the wire (it encodes Latin-1)."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return "\r" not in value and "\n" not in value


def well_formed_body(request: requests.PreparedRequest, action: str, credentials) -> dict:
    """The JSON body of a request that is well-formed for this action, less the auth fields."""
    assert request.method == "POST"
    assert request.url == f"{BASE}{action}.json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert all(_sendable(value) for value in request.headers.values())
    body = json.loads(request.body)
    assert isinstance(body, dict)
    json.dumps(body, allow_nan=False)
    assert None not in body.values()
    assert body.pop("system") == SYSTEM
    if credentials.auth_style == "token":
        assert request.headers["Authorization"] == f"Bearer {credentials.secret}"
    else:
        assert "Authorization" not in request.headers
        assert body.pop("username") == credentials.username
        assert body.pop("password") == credentials.secret
    assert set(body) <= DOCUMENTED[action]
    return body


# --- Inputs ------------------------------------------------------------------------------

# Secrets that an HTTP header can carry; test_any_token_is_sent_... tries any text.
header_safe = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)
credentials = st.builds(Credentials, st.just("token"), st.just(""), header_safe) | st.builds(
    Credentials, st.just("password"), hostile_text, hostile_text
)
ids = st.integers(1, 10**30) | st.integers(-(10**30), 0)
any_string = hostile_text | st.text(any_char, max_size=300)
optional_int = st.none() | st.integers(-(10**30), 10**30)
# A phone with "*" is a masked one, refused before anything is sent (test_no_silent_success).
contact_data = st.builds(
    ContactData,
    **{name: any_string for name in CONTACT_FIELDS if name != "phone"},
    phone=any_string.filter(lambda phone: "*" not in phone),
)
group_ids = st.lists(ids, max_size=5)

PAYLOAD_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _client(credentials: Credentials) -> SerwerSMSClient:
    return SerwerSMSClient(credentials, BASE)


# --- Groups ------------------------------------------------------------------------------


@PAYLOAD_SETTINGS
@given(
    credentials,
    st.none() | any_string,
    st.none() | st.just("name"),
    st.none() | st.sampled_from(["asc", "desc"]),
    optional_int,
    optional_int,
)
@example(Credentials("token", "", "t"), "\x00\n\x1b[31m", "name", "desc", 10**40, 0)
def test_groups_index_sends_only_what_it_was_given(
    wire, credentials, search, sort, order, page, limit
):
    wire.clear()
    _client(credentials).groups_index(search, sort, order, page, limit)
    (request,) = wire
    body = well_formed_body(request, "groups/index", credentials)
    given_ = {"search": search or None, "sort": sort, "order": order, "page": page, "limit": limit}
    assert body == {key: value for key, value in given_.items() if value is not None}


@PAYLOAD_SETTINGS
@given(credentials, ids, any_string, st.booleans(), any_string)
@example(Credentials("password", "alice", "p\x00"), 10**30, "", True, "\u202e+48")
def test_each_group_write_sends_ids_as_numbers_and_text_as_strings(
    wire, credentials, id, name, delete_contacts, phone
):
    wire.clear()
    client = _client(credentials)
    client.groups_view(id)
    client.groups_add(name)
    client.groups_edit(id, name)
    client.groups_delete(id, delete_contacts=delete_contacts)
    client.groups_check(phone)
    bodies = [
        well_formed_body(request, action, credentials)
        for request, action in zip(
            wire,
            ["groups/view", "groups/add", "groups/edit", "groups/delete", "groups/check"],
            strict=True,
        )
    ]
    assert bodies == [
        {"id": id},
        {"name": name},
        {"id": id, "name": name},
        {"id": id, "delete_contacts": delete_contacts},
        {"phone": phone},
    ]
    assert type(bodies[3]["delete_contacts"]) is bool


# --- Contacts ----------------------------------------------------------------------------


@PAYLOAD_SETTINGS
@given(
    credentials,
    st.none() | any_string,
    st.none() | ids | st.just("none"),
    st.none() | st.sampled_from(CONTACT_SORTS),
    st.none() | st.sampled_from(["asc", "desc"]),
    optional_int,
    optional_int,
)
@example(Credentials("token", "", "t"), "", "none", None, None, None, None)
def test_contacts_index_sends_only_what_it_was_given(
    wire, credentials, search, group_id, sort, order, page, limit
):
    wire.clear()
    _client(credentials).contacts_index(search, group_id, sort, order, page, limit)
    (request,) = wire
    body = well_formed_body(request, "contacts/index", credentials)
    given_ = {
        "search": search or None,
        "group_id": group_id,
        "sort": sort,
        "order": order,
        "page": page,
        "limit": limit,
    }
    assert body == {key: value for key, value in given_.items() if value is not None}


@PAYLOAD_SETTINGS
@given(credentials, ids, contact_data, group_ids)
@example(
    Credentials("token", "", "t"),
    2**63,
    ContactData(phone="", description="\x00" * 300, city="\ud7ff\ue000\U0010ffff"),
    [],
)
def test_contacts_add_and_edit_send_the_whole_record(wire, credentials, id, contact, groups):
    wire.clear()
    client = _client(credentials)
    client.contacts_add(contact, groups)
    client.contacts_edit(id, contact, groups)
    added = well_formed_body(wire[0], "contacts/add", credentials)
    edited = well_formed_body(wire[1], "contacts/edit", credentials)
    # Every field, always (a field left out of contacts/edit may be cleared), as a string;
    # group_id always as a list of numbers, even empty.
    assert added == {"group_id": groups, **asdict(contact)}
    assert edited == {"id": id, **added}
    assert all(type(added[name]) is str for name in CONTACT_FIELDS)
    assert all(type(group_id) is int for group_id in added["group_id"])


@PAYLOAD_SETTINGS
@given(credentials, ids)
def test_contacts_view_and_delete_send_only_the_id(wire, credentials, id):
    wire.clear()
    client = _client(credentials)
    client.contacts_view(id)
    client.contacts_delete(id)
    assert well_formed_body(wire[0], "contacts/view", credentials) == {"id": id}
    assert well_formed_body(wire[1], "contacts/delete", credentials) == {"id": id}


# --- Authentication ----------------------------------------------------------------------


@PAYLOAD_SETTINGS
@given(header_safe, any_string)
def test_a_token_goes_only_in_the_authorization_header(wire, token, search):
    wire.clear()
    _client(Credentials("token", "", token)).contacts_index(search=search)
    (request,) = wire
    body = json.loads(request.body)
    assert set(body) <= {"search", "system"}
    assert "username" not in body and "password" not in body
    assert request.headers["Authorization"] == f"Bearer {token}"


@PAYLOAD_SETTINGS
@given(st.text(any_char, min_size=1, max_size=60).map(str.strip).filter(bool))
@example("ł")
def test_any_token_is_sent_in_a_well_formed_header_or_refused_cleanly(wire, token):
    wire.clear()
    credentials = Credentials("token", "", token)
    try:
        _client(credentials).groups_index(limit=1)
    except SerwerSMSError:
        assert wire == []  # refused before anything went out
    else:
        well_formed_body(wire[0], "groups/index", credentials)
