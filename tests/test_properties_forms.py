"""Property-based tests of the forms: any input is either refused with a message, or cleaned
into data the API may receive. The strategies for hostile input live here; the other
test_properties_* modules import them."""

import operator
import re

from django.contrib.auth.models import User
from django.http import QueryDict
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from contacts_ui.forms import (
    ContactForm,
    CredentialsForm,
    FindByPhoneForm,
    GroupDeleteForm,
    GroupForm,
    normalise_phone,
)
from contacts_ui.models import ApiCredentials
from contacts_ui.serwersms import CONTACT_FIELDS, ContactData, Group

# --- Hostile input -----------------------------------------------------------------

# Any code point that a URL or a form body can carry (lone surrogates cannot be UTF-8 encoded).
any_char = st.characters(codec="utf-8")
any_text = st.text(any_char, max_size=40)
control_text = st.text(
    st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs"], codec="utf-8"), min_size=1, max_size=8
)
# A few characters repeated up to thousands of times: long input without a large example.
long_text = st.builds(
    operator.mul, st.text(any_char, min_size=1, max_size=3), st.integers(30, 3000)
)
huge_number = st.integers(-(10**80), 10**80).map(str) | st.integers(4000, 6000).map("9".__mul__)
tricky = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "none",
        " NONE ",
        "5\n",
        "²",  # str.isdigit() says yes, int() says no
        "١٢٣",  # Arabic-Indic digits: int() reads them
        "１２３",  # fullwidth digits
        "0",
        "-1",
        "1.0",
        "1e5",
        "NaN",
        "Infinity",
        "true",
        "false",
        str(2**63),
        str(2**64),
        "\u200b",
        "\ufeff",
        "\U0001f600",
        "a" * 255,
        "a" * 256,
        "%00",
        "<script>",
        "' OR 1=1 --",
    ]
)
hostile_text = st.one_of(
    tricky,
    any_text,
    control_text,
    huge_number,
    long_text,
    st.tuples(any_text, control_text, any_text).map("".join),
)
phone_like = st.builds(
    lambda prefix, digits, sep: prefix + sep.join(re.findall("...", str(digits))),
    st.sampled_from(["", "+48", "+48 ", "0048", "+1 ", "+44", "+49 ", "+800", "0"]),
    st.integers(10**8, 10**9 - 1),
    st.sampled_from(["", " ", "-", "\t", "\u00a0"]),
)
email_like = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[a-z0-9._+-]{1,20}", fullmatch=True),
    st.from_regex(r"[a-z0-9-]{1,20}|ąę\.łódź", fullmatch=True),
    st.sampled_from(["pl", "com", "xn--p1ai"]),
)
nip_like = st.sampled_from(["", "526-025-02-74", "PL5260250274", "5260250275", "DE 123456789"]) | (
    st.integers(0, 10**10 - 1).map("{:010d}".format)
)


def mostly(plausible: st.SearchStrategy) -> st.SearchStrategy[str]:
    """Plausible input three times in four, hostile input otherwise: both outcomes get tried."""
    return st.integers(0, 3).flatmap(lambda n: hostile_text if n == 0 else plausible)


def as_values(values: st.SearchStrategy) -> st.SearchStrategy[list[str]]:
    """One value, or the same key repeated (a list where a scalar is expected)."""
    return st.lists(values, min_size=1, max_size=3)


def query_dict(fields: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in fields.items():
        data.setlist(key, values)
    return data


def form_data(
    field_values: dict[str, st.SearchStrategy], required: tuple[str, ...] = ()
) -> st.SearchStrategy[QueryDict]:
    """A QueryDict with these fields (any left out unless required; each once or repeated)
    and some unknown keys."""
    return st.builds(
        lambda known, unknown: query_dict({**unknown, **known}),
        st.fixed_dictionaries(
            {k: as_values(v) for k, v in field_values.items() if k in required},
            optional={k: as_values(v) for k, v in field_values.items() if k not in required},
        ),
        st.dictionaries(any_text, as_values(hostile_text), max_size=2),
    )


# --- Shared checks -----------------------------------------------------------------

E164 = re.compile(r"\+[1-9][0-9]{2,15}")


def assert_errors_are_messages(form) -> None:
    """An invalid form says what is wrong, field by field, in words."""
    assert form.errors
    for name, messages in form.errors.items():
        assert name in form.fields or name == "__all__"
        assert messages
        for message in messages:
            assert isinstance(message, str) and message.strip()


def assert_clean_text(value, max_length: int, required: bool = False) -> None:
    assert isinstance(value, str)
    assert len(value) <= max_length
    assert "\x00" not in value
    assert value == value.strip()
    if required:
        assert value


FORM_SETTINGS = settings(max_examples=300, deadline=None, database=None)


# --- ContactForm ---------------------------------------------------------------------

TEXT_FIELDS = ("first_name", "last_name", "company", "address", "city", "description")

groups_offered = st.lists(
    st.builds(
        Group,
        id=st.integers(1, 10**18),
        name=any_text,
        count=st.integers(0, 10**6),
    ),
    max_size=4,
    unique_by=lambda group: group.id,
)


@st.composite
def contact_form_input(draw):
    groups = draw(groups_offered)
    offered = st.sampled_from([str(g.id) for g in groups]) if groups else hostile_text
    data = draw(
        form_data(
            {
                **{name: mostly(st.text(any_char, max_size=255)) for name in TEXT_FIELDS},
                "phone": mostly(phone_like),
                "email": mostly(email_like | st.just("")),
                "tax_id": mostly(nip_like),
            },
            required=("phone",),
        )
    )
    # group_id is a real list: any number of values, offered ids or anything else.
    group_ids = draw(st.lists(mostly(offered), max_size=4))
    if group_ids:
        data.setlist("group_id", group_ids)
    return data, groups


@FORM_SETTINGS
@given(contact_form_input())
@example(
    (
        query_dict({"phone": ["500 600 700"], "tax_id": ["526-025-02-74"], "group_id": ["7"]}),
        [Group(7, "Klienci", 0)],
    )
)
@example((query_dict({"phone": ["²"], "group_id": ["²", "9" * 5000]}), [Group(2, "x", 0)]))
@example((query_dict({"first_name": ["Anna"]}), []))
def test_it_never_raises_on_any_contact_form_input(data_and_groups):
    data, groups = data_and_groups
    form = ContactForm(data, groups=groups)
    event(f"valid: {form.is_valid()}")
    if not form.is_valid():
        assert_errors_are_messages(form)
        return
    cleaned = form.cleaned_data
    assert E164.fullmatch(cleaned["phone"])
    assert normalise_phone(cleaned["phone"]) == cleaned["phone"]
    for name in (*TEXT_FIELDS, "tax_id", "email"):
        assert_clean_text(cleaned[name], 255)
    assert cleaned["email"] == "" or "@" in cleaned["email"]
    assert all(type(group_id) is int for group_id in cleaned["group_id"])
    assert set(cleaned["group_id"]) <= {g.id for g in groups}
    contact = form.contact_data()
    assert isinstance(contact, ContactData)
    assert all(type(getattr(contact, name)) is str for name in CONTACT_FIELDS)
    assert contact.phone == cleaned["phone"]


# --- GroupForm and GroupDeleteForm ---------------------------------------------------


@FORM_SETTINGS
@given(form_data({"name": mostly(st.text(any_char, max_size=100))}))
@example(query_dict({"name": ["  Klienci VIP  "]}))
@example(query_dict({"name": ["\x00"]}))
def test_it_never_raises_on_any_group_form_input(data):
    form = GroupForm(data)
    event(f"valid: {form.is_valid()}")
    if not form.is_valid():
        assert_errors_are_messages(form)
        return
    assert_clean_text(form.cleaned_data["name"], 100, required=True)


@FORM_SETTINGS
@given(form_data({"delete_contacts": hostile_text}))
@example(query_dict({"delete_contacts": ["FALSE"]}))
@example(query_dict({"delete_contacts": ["on"]}))
def test_the_group_delete_form_always_reads_a_yes_or_no(data):
    form = GroupDeleteForm(data)
    assert form.is_valid()
    delete_contacts = form.cleaned_data["delete_contacts"]
    assert type(delete_contacts) is bool
    # Django's checkbox reads "false" (any case) and nothing as no; any other text as yes.
    last = data.get("delete_contacts")
    if last is None or last.lower() in ("", "false"):
        assert delete_contacts is False


# --- FindByPhoneForm -----------------------------------------------------------------


@FORM_SETTINGS
@given(form_data({"phone": mostly(phone_like)}))
@example(query_dict({"phone": ["+48 500-600-700"]}))
def test_it_never_raises_on_any_phone_to_find(data):
    form = FindByPhoneForm(data)
    event(f"valid: {form.is_valid()}")
    if not form.is_valid():
        assert_errors_are_messages(form)
        return
    assert E164.fullmatch(form.cleaned_data["phone"])
    assert normalise_phone(form.cleaned_data["phone"]) == form.cleaned_data["phone"]


# --- CredentialsForm -----------------------------------------------------------------


def _stored(auth_style: str, username: str) -> ApiCredentials:
    # Unsaved; its user only names it in a failing example.
    return ApiCredentials(user=User(username="alice"), auth_style=auth_style, username=username)


stored_credentials = st.none() | st.builds(
    _stored,
    st.sampled_from([ApiCredentials.TOKEN, ApiCredentials.PASSWORD]),
    st.sampled_from(["", "alice"]) | any_text,
)


@FORM_SETTINGS
@given(
    form_data(
        {
            "auth_style": mostly(st.sampled_from(["token", "password"])),
            "username": mostly(st.sampled_from(["alice"]) | any_text),
            "secret": mostly(st.text(any_char, min_size=1, max_size=60)),
        }
    ),
    stored_credentials,
)
@example(query_dict({"auth_style": ["password"], "username": ["alice"]}), None)
@example(
    query_dict({"auth_style": ["password"], "username": ["alice"]}),
    _stored("password", "alice"),
)
def test_it_never_raises_on_any_credentials_form_input(data, stored):
    form = CredentialsForm(data, stored=stored)
    event(f"valid: {form.is_valid()}")
    if not form.is_valid():
        assert_errors_are_messages(form)
        return
    cleaned = form.cleaned_data
    assert cleaned["auth_style"] in (ApiCredentials.TOKEN, ApiCredentials.PASSWORD)
    if cleaned["auth_style"] == ApiCredentials.TOKEN:
        assert cleaned["username"] == ""
    else:
        assert_clean_text(cleaned["username"], 150, required=True)
    secret = form.new_secret()
    if secret is None:
        # Keeping the saved secret is only allowed for the same sign-in method and username.
        assert stored is not None
        assert (stored.auth_style, stored.username) == (cleaned["auth_style"], cleaned["username"])
    else:
        assert_clean_text(secret, 1000, required=True)
