"""Property-based tests of the lists' query parameters: any query string shows a list.

ContactListQuery and GroupListQuery read any QueryDict into values within their domains;
then /contacts/, /groups/ and /find/ answer any query string with a page (never a 500),
and the calls they make to the sandbox carry only those values.
"""

import re
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from contacts_ui.forms import CONTACT_SORTS, PAGE_SIZES, ContactListQuery, GroupListQuery
from contacts_ui.sandbox.models import Group
from contacts_ui.serwersms import PAGE_LIMIT
from contacts_ui.views.shared import FLAG_SCAN_CALLS
from tests.helpers import make_contact
from tests.test_properties_forms import (
    E164,
    any_text,
    form_data,
    hostile_text,
    mostly,
    phone_like,
    query_dict,
)

# --- Query parameters ------------------------------------------------------------------

CONTACT_ORDERINGS = {*CONTACT_SORTS, *(f"-{key}" for key in CONTACT_SORTS)}
GROUP_ORDERINGS = {"name", "-name"}

page_numbers = st.integers(-5, 100_005).map(str) | st.sampled_from(["1", " 2 ", "3.0", "1e3"])
contact_params = {
    "q": mostly(st.text(max_size=110)),
    "p": mostly(page_numbers),
    "o": mostly(st.sampled_from(sorted(CONTACT_ORDERINGS))),
    "g": mostly(st.integers(1, 10**19).map(str) | st.sampled_from(["none", "None", "0", "01"])),
    "n": mostly(st.sampled_from([*map(str, PAGE_SIZES), "0", "10", "201"])),
    "b": mostly(st.sampled_from(["yes", "no", "Yes", "1", ""])),
    "s": mostly(st.integers(-5, 10**8).map(str) | st.sampled_from(["", "x", "1.5"])),
}
group_params = {
    "q": contact_params["q"],
    "p": contact_params["p"],
    "o": mostly(st.sampled_from(["name", "-name", "count", "--name"])),
}


def assert_common_domains(query: dict) -> None:
    assert isinstance(query["q"], str)
    assert len(query["q"]) <= 100 and "\x00" not in query["q"]
    assert query["q"] == query["q"].strip()
    assert type(query["p"]) is int and 1 <= query["p"] <= 100_000


READ_SETTINGS = settings(max_examples=300, deadline=None, database=None)


@READ_SETTINGS
@given(form_data(contact_params))
@example(query_dict({"g": ["5\n"], "p": ["9" * 5000], "n": ["²"], "q": ["a\x00"]}))
@example(query_dict({"g": ["1", "none"], "o": ["-phone", "phone; drop"], "n": ["25", "26"]}))
def test_the_contact_list_reads_any_query_into_allowed_values(data):
    query = ContactListQuery.read(data)
    assert set(query) == {"q", "p", "o", "g", "n", "b", "s"}
    assert_common_domains(query)
    assert query["o"] in CONTACT_ORDERINGS
    assert query["b"] in ("", "yes", "no")
    assert type(query["s"]) is int and 0 <= query["s"] <= 10_000_000
    assert query["g"] in ("", "none") or re.fullmatch(r"[1-9][0-9]{0,17}", query["g"])
    assert query["n"] is None or (type(query["n"]) is int and query["n"] in PAGE_SIZES)
    # The list's own links lead back to the same list.
    assert ContactListQuery.read(QueryDict(ContactListQuery.url(query)[1:])) == query


@READ_SETTINGS
@given(form_data(group_params))
@example(query_dict({"o": ["count"], "p": ["0"], "q": ["x" * 101]}))
def test_the_group_list_reads_any_query_into_allowed_values(data):
    query = GroupListQuery.read(data)
    assert set(query) == {"q", "p", "o"}
    assert_common_domains(query)
    assert query["o"] in GROUP_ORDERINGS
    assert GroupListQuery.read(QueryDict(GroupListQuery.url(query)[1:])) == query


# --- Through the views, against the sandbox ----------------------------------------------

VIEW_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Each example is a few real HTTP calls: shrink a failure, but skip the costly explain phase.
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)

# Pieces of a query string as hand-made requests send them: broken escapes, stray
# separators, a NUL, invalid UTF-8.
raw_pieces = st.sampled_from(["%", "%zz", "%FF", "%00", "%C3", "&&", "=", "a=b=c", "+", ";", "&="])


def query_string(params: dict[str, st.SearchStrategy]) -> st.SearchStrategy[str]:
    """A raw query string: these parameters (repeated or not, any text, percent-encoded),
    some unknown ones, and now and then some broken pieces."""
    pairs = st.lists(
        st.sampled_from(sorted(params)).flatmap(lambda key: st.tuples(st.just(key), params[key]))
        | st.tuples(any_text, hostile_text),
        max_size=6,
    )
    return st.builds(
        lambda pairs, raw: "&".join(filter(None, [urlencode(pairs), *raw])),
        pairs,
        st.lists(raw_pieces, max_size=2),
    )


@pytest.fixture
def listed(alice_account):
    """Something to list: groups and contacts whose text needs escaping."""
    klienci = Group.objects.create(account=alice_account, name="Klienci <b>&amp; 'VIP'")
    Group.objects.create(account=alice_account, name="Łódź\u200b\U0001f600")
    make_contact(alice_account, groups=[klienci], first_name="Zoë", company='"<i>"')
    make_contact(alice_account, phone="+48500600701", last_name="\u202eOdwrócony")


def assert_well_formed(call: dict, api_url: str, action: str, keys: set[str]) -> dict:
    """A call as the contract documents it: its URL, a JSON object of documented keys with
    no empty values, answered by the sandbox with HTTP 200."""
    assert call["url"] == f"{api_url}{action}.json"
    body = call["json"]
    assert set(body) <= keys | {"system"}
    assert body["system"] == "serwersms_contacts"
    assert None not in body.values()
    assert call["status"] == 200
    return body


def assert_index_paging(body: dict, sorts: set[str]) -> None:
    assert "search" not in body or (
        isinstance(body["search"], str) and 0 < len(body["search"]) <= 100
    )
    assert "\x00" not in body.get("search", "")
    assert body.get("sort", "name") in sorts
    assert body.get("order", "asc") in ("asc", "desc")
    assert type(body.get("page", 1)) is int and 1 <= body.get("page", 1) <= 100_000
    assert type(body.get("limit", 1)) is int and 1 <= body.get("limit", 1) <= 500


INDEX_KEYS = {"search", "sort", "order", "page", "limit"}


@pytest.mark.django_db(transaction=True)
@VIEW_SETTINGS
@given(query_string(contact_params))
@example("g=%C2%B2&n=%C2%B2&p=" + "9" * 5000 + "&q=%00")
@example("g=999999999999999999&p=100000&n=200&o=-description&q=%FF%FE")
def test_the_contact_list_answers_any_query_string(client, alice, listed, api_url, wire, raw):
    wire.clear()
    response = client.get(f"/contacts/?{raw}")
    assert response.status_code == 200
    query = ContactListQuery.read(QueryDict(raw))
    contact_calls = [c for c in wire if c["url"].endswith("/contacts/index.json")]
    if query["b"]:
        # Filtered by the blacklist flag: the search's contacts looked through, a few reads
        # of the largest page at most, from the one holding the s-th contact.
        assert 1 <= len(contact_calls) <= FLAG_SCAN_CALLS
        assert {call["json"]["limit"] for call in contact_calls} == {PAGE_LIMIT}
        assert contact_calls[0]["json"]["page"] == query["s"] // PAGE_LIMIT + 1
        return
    assert 1 <= len(contact_calls) <= 2  # the page asked for, then the last one if past the end
    for call in contact_calls:
        body = assert_well_formed(call, api_url, "contacts/index", INDEX_KEYS | {"group_id"})
        assert_index_paging(body, set(CONTACT_SORTS))
        assert body.get("search", "") == query["q"]
        assert body.get("sort") == query["o"].lstrip("-")
        # The group filter goes out as read from the URL: digits, or "none".
        assert body.get("group_id", "") == query["g"]
        assert re.fullmatch(r"none|[1-9][0-9]{0,17}", body.get("group_id", "1"))
        assert body["limit"] in PAGE_SIZES
    assert contact_calls[0]["json"]["page"] == query["p"]
    for call in wire:
        if call not in contact_calls:
            assert_well_formed(call, api_url, "groups/index", INDEX_KEYS)


@pytest.mark.django_db(transaction=True)
@VIEW_SETTINGS
@given(query_string(group_params))
@example("o=count&p=-1&q=" + "%E2%80%8B" * 101)
def test_the_group_list_answers_any_query_string(client, alice, listed, api_url, wire, raw):
    wire.clear()
    response = client.get(f"/groups/?{raw}")
    assert response.status_code == 200
    query = GroupListQuery.read(QueryDict(raw))
    (call,) = wire
    body = assert_well_formed(call, api_url, "groups/index", INDEX_KEYS)
    assert_index_paging(body, {"name"})
    assert body.get("search", "") == query["q"]
    assert body["order"] == ("desc" if query["o"] == "-name" else "asc")
    assert body["page"] == query["p"]


@pytest.mark.django_db(transaction=True)
@VIEW_SETTINGS
@given(query_string({"phone": mostly(phone_like)}))
@example("phone=%2B48+500-600-700")
@example("phone=%00&phone=500600700")
@example("phone=" + "9" * 5000)
def test_find_by_phone_answers_any_query_string(client, alice, listed, api_url, wire, raw):
    wire.clear()
    response = client.get(f"/find/?{raw}")
    assert response.status_code == 200
    # A phone is looked up only once the form has made it E.164.
    for call in wire:
        body = assert_well_formed(call, api_url, "groups/check", {"phone"})
        assert E164.fullmatch(body["phone"])
    assert len(wire) <= 1


@pytest.mark.django_db(transaction=True)
@VIEW_SETTINGS
@given(contact_params["g"] | st.sampled_from(["none\n", "7\n", "7\r\n"]))
@example("5\n")
def test_the_group_filter_goes_out_as_none_or_an_id(client, alice, api_url, wire, g):
    wire.clear()
    response = client.get(f"/contacts/?{urlencode({'g': g})}")
    assert response.status_code == 200
    for call in wire:
        if call["url"].endswith("/contacts/index.json") and "group_id" in call["json"]:
            assert re.fullmatch(r"none|[1-9][0-9]{0,17}", call["json"]["group_id"])
