"""Property-based tests of the add and change views: any POST comes back as the form with its
errors, or as a redirect after one well-formed write to the sandbox; never a 500.

The app talks to the sandbox over real HTTP (live_server); each call is recorded on its way.
"""

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from contacts_ui.sandbox.models import Contact, Group, Membership
from contacts_ui.serwersms import CONTACT_FIELDS
from tests.helpers import make_contact
from tests.test_properties_forms import (
    E164,
    any_char,
    any_text,
    email_like,
    hostile_text,
    mostly,
    nip_like,
    phone_like,
)

pytestmark = pytest.mark.django_db(transaction=True)

VIEW_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Each example is a few real HTTP calls: shrink a failure, but skip the costly explain phase.
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
TEXT_FIELDS = ("first_name", "last_name", "company", "tax_id", "address", "city", "description")


def _post(client, url, pairs, **headers):
    """A form post as a browser sends it: urlencoded, keys repeated as they come."""
    body = urlencode([("csrfmiddlewaretoken", "x"), *pairs])
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded", **headers)


def _calls_to(wire, action: str) -> list[dict]:
    return [call for call in wire if call["url"].endswith(f"/{action}.json")]


def _shows_errors(response) -> bool:
    return 'class="errornote"' in response.content.decode()


def assert_well_formed(call: dict, api_url: str, action: str, keys: set[str]) -> dict:
    """A call as the contract documents it: exactly these keys, no empty values, and the
    sandbox answered it with HTTP 200."""
    assert call["url"] == f"{api_url}{action}.json"
    body = dict(call["json"])
    assert body.pop("system") == "serwersms_contacts"
    assert set(body) == keys
    assert None not in body.values()
    assert call["status"] == 200
    return body


def assert_contact_record(body: dict, group_ids: set[int]) -> None:
    assert E164.fullmatch(body["phone"])
    for name in (*TEXT_FIELDS, "email"):
        value = body[name]
        assert isinstance(value, str) and len(value) <= 255
        assert "\x00" not in value and value == value.strip()
    assert isinstance(body["group_id"], list)
    assert all(type(group_id) is int for group_id in body["group_id"])
    assert set(body["group_id"]) <= group_ids


# --- Contacts ----------------------------------------------------------------------------


# A contact's fields as typed: mostly plausible, each left out, once or repeated (the last
# one counts), with the form's own keys (buttons, the way back to the list) now and then.
# In group_id a number i stands for the id of alice's i-th group (see _with_group_ids).
def _contact_pairs() -> st.SearchStrategy[list[tuple[str, str | int]]]:
    def repeated(values, min_size=0):
        return st.lists(values, min_size=min_size, max_size=2)

    group_ids = st.integers(0, 3).flatmap(lambda n: hostile_text if n == 0 else st.integers(0, 2))
    fields = st.fixed_dictionaries(
        {
            **{name: repeated(mostly(st.text(any_char, max_size=255))) for name in TEXT_FIELDS},
            "phone": repeated(mostly(phone_like), min_size=1),
            "email": repeated(mostly(email_like | st.just(""))),
            "tax_id": repeated(mostly(nip_like)),
            "group_id": st.lists(group_ids, max_size=3),
        },
        optional={
            "groups_shown": repeated(st.sampled_from(["1", "", "0"])),
            "_addanother": st.just([""]),
            "_continue": st.just([""]),
            "_changelist_filters": repeated(mostly(st.sampled_from(["q=Anna&p=2", "g=none"]))),
        },
    )
    return st.builds(
        lambda fields, unknown: [(k, v) for k, values in fields.items() for v in values] + unknown,
        fields,
        st.lists(st.tuples(any_text, hostile_text), max_size=2),
    )


def _with_group_ids(pairs, groups) -> list[tuple[str, str]]:
    return [(k, str(groups[v].id) if isinstance(v, int) else v) for k, v in pairs]


def _redirected_within(response, prefix: str) -> bool:
    return response.status_code == 302 and response.url.startswith(prefix)


@VIEW_SETTINGS
@given(_contact_pairs())
@example([("phone", "500 600 700"), ("group_id", 0), ("group_id", 2), ("_addanother", "")])
@example([("phone", "+48 500 600 700"), ("phone", "\x00"), ("group_id", "9" * 5000)])
def test_adding_a_contact_never_fails_and_sends_only_a_well_formed_record(
    client, alice, alice_account, groups, api_url, wire, pairs
):
    pairs = _with_group_ids(pairs, groups)
    wire.clear()
    before = Contact.objects.filter(account=alice_account).count()
    response = _post(client, "/contacts/add/", pairs)
    added = Contact.objects.filter(account=alice_account).count() - before

    adds = _calls_to(wire, "contacts/add")
    assert len(adds) <= 1
    for call in adds:
        body = assert_well_formed(call, api_url, "contacts/add", {"group_id", *CONTACT_FIELDS})
        assert_contact_record(body, {g.id for g in groups})
    event(f"status {response.status_code}, {len(adds)} call(s)")
    if response.status_code == 302:
        assert _redirected_within(response, "/contacts/")
        assert adds and added == 1
        contact = Contact.objects.get(account=alice_account, phone=adds[0]["json"]["phone"])
        memberships = Membership.objects.filter(contact=contact)
        assert set(adds[0]["json"]["group_id"]) == set(
            memberships.values_list("group_id", flat=True)
        )
        contact.delete()  # phones need not be unique; later examples read back by phone
    else:
        assert response.status_code == 200
        assert _shows_errors(response)
        assert added == 0


@pytest.fixture
def contact(alice_account, groups):
    return make_contact(alice_account, groups=groups[:1], first_name="Anna", city="Łódź")


@VIEW_SETTINGS
@given(_contact_pairs())
@example([("phone", "500600701"), ("group_id", 1), ("_continue", "")])
@example([("phone", "500600701"), ("group_id", 1), ("groups_shown", "1")])
def test_changing_a_contact_never_fails_and_sends_only_a_well_formed_record(
    client, alice, contact, groups, api_url, wire, pairs
):
    pairs = _with_group_ids(pairs, groups)
    wire.clear()
    kept_groups = set(Membership.objects.filter(contact=contact).values_list("group_id", flat=True))
    response = _post(client, f"/contacts/{contact.id}/change/", pairs)

    edits = _calls_to(wire, "contacts/edit")
    assert len(edits) <= 1
    for call in edits:
        body = assert_well_formed(
            call, api_url, "contacts/edit", {"id", "group_id", *CONTACT_FIELDS}
        )
        assert body["id"] == contact.id
        assert_contact_record(body, {g.id for g in groups})
        if not dict(pairs).get("groups_shown"):
            # A form shown without the group picker keeps the contact's groups.
            assert set(body["group_id"]) == kept_groups
    event(f"status {response.status_code}, {len(edits)} call(s)")
    if response.status_code == 302:
        assert _redirected_within(response, "/contacts/")
        assert edits and edits[0]["json"]["phone"] == Contact.objects.get(id=contact.id).phone
    else:
        assert response.status_code == 200
        assert _shows_errors(response)


@VIEW_SETTINGS
@given(
    st.sampled_from(["add", "change"]),
    hostile_text | st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),
)
@example("add", "²")
def test_any_group_id_posted_to_a_contact_form_is_refused_cleanly(
    client, alice, contact, api_url, wire, view, group_id
):
    url = "/contacts/add/" if view == "add" else f"/contacts/{contact.id}/change/"
    pairs = [("phone", "500600702"), ("group_id", group_id), ("groups_shown", "1")]
    response = _post(client, url, pairs)
    # Not one of alice's groups: the form comes back and says so; nothing is written.
    assert response.status_code == 200
    assert _shows_errors(response)
    assert not _calls_to(wire, "contacts/add") and not _calls_to(wire, "contacts/edit")


@VIEW_SETTINGS
# A number stands for the id of one of alice's groups; text is sent as it is.
@given(st.integers(0, 2) | mostly(st.integers(1, 10**20).map(str)))
@example("²")
def test_the_add_form_preselects_a_group_from_the_list_or_none(client, alice, groups, g):
    if isinstance(g, int):
        g = str(groups[g].id)
    response = client.get(f"/contacts/add/?{urlencode({'g': g})}")
    assert response.status_code == 200
    preselected = re.findall(r'<option value="(\d+)" selected>', response.content.decode())
    assert preselected == ([g] if g in {str(group.id) for group in groups} else [])


# --- Groups ------------------------------------------------------------------------------


def _group_pairs() -> st.SearchStrategy[list[tuple[str, str]]]:
    values = {
        "name": mostly(st.text(any_char, max_size=100)),
        "_addanother": st.just(""),
        "_continue": st.just(""),
        "_changelist_filters": mostly(st.sampled_from(["q=VIP&p=2", "o=-name"])),
    }
    fields = st.sampled_from(sorted(values)).flatmap(
        lambda key: st.tuples(st.just(key), values[key])
    )
    return st.lists(fields | st.tuples(any_text, hostile_text), max_size=6)


def _saved(response) -> bool:
    """A redirect after a save: a plain one, or htmx's HX-Redirect."""
    if "HX-Redirect" in response:
        return response["HX-Redirect"].startswith("/groups/")
    return _redirected_within(response, "/groups/")


def assert_group_name(body: dict) -> None:
    name = body["name"]
    assert isinstance(name, str) and 1 <= len(name) <= 100
    assert "\x00" not in name and name == name.strip()


@VIEW_SETTINGS
@given(_group_pairs(), st.booleans())
@example([("name", "  Klienci VIP  ")], False)
@example([("name", "Ł" * 100), ("name", "x" * 101)], True)
def test_adding_a_group_never_fails_and_sends_only_a_well_formed_name(
    client, alice, alice_account, api_url, wire, pairs, htmx
):
    wire.clear()
    before = Group.objects.filter(account=alice_account).count()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = _post(client, "/groups/add/", pairs, **headers)
    added = Group.objects.filter(account=alice_account).count() - before

    adds = _calls_to(wire, "groups/add")
    assert len(adds) <= 1
    for call in adds:
        assert_group_name(assert_well_formed(call, api_url, "groups/add", {"name"}))
    assert response.status_code in (200, 302)
    event(f"saved: {_saved(response)}, {len(adds)} call(s)")
    if _saved(response):
        assert adds and added == 1
        assert Group.objects.filter(account=alice_account, name=adds[0]["json"]["name"]).exists()
    else:
        assert response.status_code == 200 and "HX-Redirect" not in response
        assert _shows_errors(response)
        assert added == 0


@VIEW_SETTINGS
@given(_group_pairs(), st.booleans())
def test_changing_a_group_never_fails_and_sends_only_a_well_formed_name(
    client, alice, groups, api_url, wire, pairs, htmx
):
    group = groups[0]
    wire.clear()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = _post(client, f"/groups/{group.id}/change/", pairs, **headers)

    edits = _calls_to(wire, "groups/edit")
    assert len(edits) <= 1
    for call in edits:
        body = assert_well_formed(call, api_url, "groups/edit", {"id", "name"})
        assert body["id"] == group.id
        assert_group_name(body)
    assert response.status_code in (200, 302)
    event(f"saved: {_saved(response)}, {len(edits)} call(s)")
    if _saved(response):
        assert edits
        group.refresh_from_db()
        assert group.name == edits[0]["json"]["name"]
    else:
        assert response.status_code == 200 and "HX-Redirect" not in response
        assert _shows_errors(response)


# --- Credentials -------------------------------------------------------------------------


@VIEW_SETTINGS
@given(
    st.sampled_from(["token", "password"]),
    mostly(st.just("alice")),
    mostly(st.text(any_char, min_size=1, max_size=60)),
)
@example("token", "", "ł")
@example("token", "a" * 4000, "")  # a username left over is not the token's concern
def test_any_credentials_are_checked_and_refused_cleanly(
    client, alice, api_url, wire, auth_style, username, secret
):
    wire.clear()
    response = _post(
        client,
        "/settings/credentials/",
        [("auth_style", auth_style), ("username", username), ("secret", secret)],
    )
    if auth_style == "token" and not secret.strip():
        # A blank token keeps the one saved, alice's own, which checks out.
        assert response.status_code == 302
    else:
        # None of these is alice's: the form comes back with what is wrong.
        assert response.status_code == 200
        assert _shows_errors(response)
    auth_fields = {"username", "password"} if auth_style == "password" else set()
    for call in wire:
        assert_well_formed(call, api_url, "groups/index", {"limit", *auth_fields})
