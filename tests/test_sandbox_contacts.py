"""The sandbox API's contacts calls: index, view, add, edit, delete."""

import pytest

from contacts_ui.sandbox.models import Contact
from tests.sandbox_calls import add_contact, add_group, call, error

pytestmark = pytest.mark.usefixtures("alice_account")

FULL_CONTACT = {
    "phone": "500 600 700",
    "email": "lukasz@wojcik.pl",
    "first_name": "Łukasz",
    "last_name": "Wójcik",
    "company": "Wójcik sp. z o.o.",
    "tax_id": "5260250274",
    "address": "ul. Mickiewicza 12/4",
    "city": "Łódź",
    "description": "Stały klient",
}

TEXT_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "company",
    "tax_id",
    "address",
    "city",
    "description",
]


def view_contact(client, contact_id, token="alice-token") -> dict:
    return call(client, "/sandbox/api/contacts/view.json", token, id=contact_id)


def listed_ids(client, token="alice-token", **fields) -> list[int]:
    """The ids contacts/index lists, in its order."""
    answer = call(client, "/sandbox/api/contacts/index.json", token, **fields)
    return [item["id"] for item in answer["items"]]


def group_counts(client) -> dict[str, int]:
    answer = call(client, "/sandbox/api/groups/index.json", limit=500)
    return {item["name"]: item["count"] for item in answer["items"]}


def memberships(client, phone="500600700") -> list[tuple[int, str]]:
    answer = call(client, "/sandbox/api/groups/check.json", phone=phone)
    return [(item["group_id"], item["group_name"]) for item in answer["items"]]


# --- contacts/add and contacts/view ---------------------------------------------


def test_it_adds_a_contact_with_every_field(client):
    answer = call(client, "/sandbox/api/contacts/add.json", **FULL_CONTACT)
    assert answer == {"success": True, "id": answer["id"]}
    assert isinstance(answer["id"], int)
    assert view_contact(client, answer["id"]) == {
        "id": answer["id"],
        **FULL_CONTACT,
        "phone": "+48500600700",
        "blacklist": False,
    }


def test_it_adds_a_contact_with_only_a_phone(client):
    contact = add_contact(client, "500600700")
    assert view_contact(client, contact) == {
        "id": contact,
        "phone": "+48500600700",
        **dict.fromkeys(TEXT_FIELDS, ""),
        "blacklist": False,
    }


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("500600700", "+48500600700"),
        ("500 600 700", "+48500600700"),
        ("500-600-700", "+48500600700"),
        ("+48 500 600 700", "+48500600700"),
        ("+48500600700", "+48500600700"),
        ("0048500600700", "+48500600700"),
        ("(22) 628 12 34", "+48226281234"),
        ("+49 30 901820", "+4930901820"),
    ],
)
def test_it_stores_a_phone_in_e164(client, phone, stored):
    contact = add_contact(client, phone)
    assert view_contact(client, contact)["phone"] == stored


@pytest.mark.parametrize(
    ("fields", "code", "type_"),
    [
        ({}, 2000, "ValidationRequiredError"),
        ({"phone": ""}, 2000, "ValidationRequiredError"),
        ({"phone": "   "}, 2000, "ValidationRequiredError"),
        ({"phone": None}, 2000, "ValidationRequiredError"),
        ({"first_name": "Jan"}, 2000, "ValidationRequiredError"),
        ({"phone": "abc"}, 2001, "ValidationPhoneError"),
        ({"phone": "123"}, 2001, "ValidationPhoneError"),
        ({"phone": "5" * 41}, 2001, "ValidationPhoneError"),
    ],
)
def test_it_rejects_a_missing_or_implausible_phone(client, fields, code, type_):
    answer = call(client, "/sandbox/api/contacts/add.json", **fields)
    assert error(answer) == (code, type_)
    assert listed_ids(client) == []


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_it_accepts_255_characters_in_a_text_field(client, field):
    contact = add_contact(client, **{field: "ą" * 255})
    assert view_contact(client, contact)[field] == "ą" * 255


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_it_rejects_256_characters_in_a_text_field_with_1006(client, field):
    answer = call(client, "/sandbox/api/contacts/add.json", phone="500600700", **{field: "ą" * 256})
    assert error(answer) == (1006, "InvalidData")
    assert listed_ids(client) == []


def test_it_does_not_find_an_unknown_contact(client):
    contact = add_contact(client)
    assert error(view_contact(client, contact + 1)) == (1004, "InvalidID")


def test_it_requires_the_id_of_the_contact_to_view(client):
    assert error(call(client, "/sandbox/api/contacts/view.json")) == (
        2000,
        "ValidationRequiredError",
    )


def test_it_shows_the_blacklist_flag_of_a_contact_whose_phone_is_on_the_blacklist(client):
    contact = add_contact(client)
    assert view_contact(client, contact)["blacklist"] is False
    call(client, "/sandbox/api/blacklist/add.json", phone="500 600 700")
    assert view_contact(client, contact)["blacklist"] is True


# --- Groups of a contact --------------------------------------------------------


def test_it_puts_a_contact_in_one_group(client):
    group = add_group(client, "Klienci")
    add_contact(client, group_id=group)
    assert memberships(client) == [(group, "Klienci")]
    assert group_counts(client) == {"Klienci": 1}


def test_it_puts_a_contact_in_every_group_of_a_list(client):
    first = add_group(client, "Pierwsza")
    add_group(client, "Pusta")
    second = add_group(client, "Druga")
    add_contact(client, group_id=[first, second])
    assert memberships(client) == [(first, "Pierwsza"), (second, "Druga")]
    assert group_counts(client) == {"Pierwsza": 1, "Pusta": 0, "Druga": 1}


def test_it_counts_a_group_listed_twice_once(client):
    group = add_group(client, "Klienci")
    add_contact(client, group_id=[group, group, str(group)])
    assert memberships(client) == [(group, "Klienci")]
    assert group_counts(client) == {"Klienci": 1}


def test_it_reads_a_comma_separated_list_of_group_ids(client):
    first = add_group(client, "Pierwsza")
    second = add_group(client, "Druga")
    add_contact(client, group_id=f"{first},{second}")
    assert memberships(client) == [(first, "Pierwsza"), (second, "Druga")]


@pytest.mark.parametrize("group_id", [[], ""])
def test_it_puts_a_contact_with_no_group_ids_in_no_group(client, group_id):
    add_group(client, "Klienci")
    add_contact(client, group_id=group_id)
    assert memberships(client) == []


def test_it_rejects_an_unknown_group_id_with_1004(client):
    group = add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/contacts/add.json", phone="500600700", group_id=group + 1)
    assert error(answer) == (1004, "InvalidID")
    assert listed_ids(client) == []


def test_it_rejects_a_list_with_one_unknown_group_id_and_adds_nothing(client):
    group = add_group(client, "Klienci")
    answer = call(
        client, "/sandbox/api/contacts/add.json", phone="500600700", group_id=[group, group + 1]
    )
    assert error(answer) == (1004, "InvalidID")
    assert listed_ids(client) == []
    assert group_counts(client) == {"Klienci": 0}


# --- contacts/index -------------------------------------------------------------


def test_it_lists_a_contact_with_every_field(client):
    group = add_group(client, "Klienci")
    contact = add_contact(client, **{**FULL_CONTACT, "group_id": group})
    answer = call(client, "/sandbox/api/contacts/index.json")
    assert answer == {
        "paging": {"page": 1, "count": 1},
        "items": [
            {
                "id": contact,
                **FULL_CONTACT,
                "phone": "+48500600700",
                "blacklist": False,
                "group_id": group,
                "group_name": "Klienci",
            }
        ],
    }


def test_it_lists_a_contact_in_no_group_without_a_group(client):
    contact = add_contact(client)
    item = call(client, "/sandbox/api/contacts/index.json")["items"][0]
    assert (item["id"], item["group_id"], item["group_name"]) == (contact, None, "")


def test_it_lists_no_contacts_as_one_empty_page(client):
    answer = call(client, "/sandbox/api/contacts/index.json")
    assert answer == {"paging": {"page": 1, "count": 1}, "items": []}


def test_it_lists_every_contact_once_without_a_group_filter(client):
    first = add_group(client, "Pierwsza")
    second = add_group(client, "Druga")
    in_both = add_contact(client, "500600701", group_id=[first, second])
    in_one = add_contact(client, "500600702", group_id=second)
    in_none = add_contact(client, "500600703")
    answer = call(client, "/sandbox/api/contacts/index.json", sort="phone")
    assert answer["paging"] == {"page": 1, "count": 1}
    assert [item["id"] for item in answer["items"]] == [in_both, in_one, in_none]
    groups = [(item["group_id"], item["group_name"]) for item in answer["items"]]
    assert groups[0] in [(first, "Pierwsza"), (second, "Druga")]
    assert groups[1:] == [(second, "Druga"), (None, "")]


def test_it_lists_a_groups_contacts_with_that_group(client):
    first = add_group(client, "Pierwsza")
    second = add_group(client, "Druga")
    in_both = add_contact(client, "500600701", group_id=[first, second])
    in_second = add_contact(client, "500600702", group_id=second)
    add_contact(client, "500600703", group_id=first)
    add_contact(client, "500600704")
    answer = call(client, "/sandbox/api/contacts/index.json", group_id=second, sort="phone")
    assert answer["paging"] == {"page": 1, "count": 1}
    assert [(item["id"], item["group_id"], item["group_name"]) for item in answer["items"]] == [
        (in_both, second, "Druga"),
        (in_second, second, "Druga"),
    ]


def test_it_reads_the_group_filter_given_as_a_string(client):
    group = add_group(client, "Klienci")
    contact = add_contact(client, group_id=group)
    add_contact(client, "500600701")
    assert listed_ids(client, group_id=str(group)) == [contact]


@pytest.mark.parametrize("none", ["none", "NONE", "None"])
def test_it_lists_contacts_in_no_group(client, none):
    group = add_group(client, "Klienci")
    add_contact(client, "500600701", group_id=group)
    first = add_contact(client, "500600702")
    second = add_contact(client, "500600703")
    answer = call(client, "/sandbox/api/contacts/index.json", group_id=none, sort="phone")
    assert answer["paging"] == {"page": 1, "count": 1}
    assert [(item["id"], item["group_id"], item["group_name"]) for item in answer["items"]] == [
        (first, None, ""),
        (second, None, ""),
    ]


def test_it_lists_an_empty_group_as_one_empty_page(client):
    group = add_group(client, "Pusta")
    add_contact(client)
    answer = call(client, "/sandbox/api/contacts/index.json", group_id=group)
    assert answer == {"paging": {"page": 1, "count": 1}, "items": []}


@pytest.mark.parametrize("offset", [1, 1000])
def test_it_refuses_to_list_an_unknown_group(client, offset):
    group = add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/contacts/index.json", group_id=group + offset)
    assert error(answer) == (1004, "InvalidID")


@pytest.mark.parametrize("group_id", [0, -1, "0"])
def test_it_refuses_to_list_a_group_id_that_cannot_exist(client, group_id):
    answer = call(client, "/sandbox/api/contacts/index.json", group_id=group_id)
    assert error(answer) == (1004, "InvalidID")


# --- Search ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "search"),
    [
        ("first_name", "Łukasz", "ŁUKASZ"),
        ("last_name", "Żółć", "żółć"),
        ("last_name", "Wójcik", "WÓJ"),
        ("phone", "500 600 700", "600700"),
        ("phone", "500600700", "+48500"),
        ("email", "Lukasz@Wojcik.PL", "wojcik.pl"),
        ("company", "Ćma Ślązak S.A.", "ślązak"),
        ("tax_id", "526-025-02-74", "025-02"),
        ("address", "ul. Źródlana 5", "ŹRÓDL"),
        ("city", "Łódź", "ŁÓDŹ"),
        ("description", "Stały klient, płaci w terminie", "PŁACI W"),
    ],
)
def test_it_finds_a_contact_by_any_text_field_ignoring_case(client, field, value, search):
    fields = {"phone": "600100200", field: value}
    contact = add_contact(client, **fields)
    add_contact(client, "600100201", first_name="Jan", last_name="Nowak", city="Kraków")
    assert listed_ids(client, search=search) == [contact]


def test_it_finds_nothing_for_a_phrase_in_no_contact(client):
    add_contact(client, first_name="Jan", city="Łódź")
    assert listed_ids(client, search="Gdańsk") == []


def test_it_does_not_match_a_phrase_across_two_fields(client):
    add_contact(client, first_name="Jan", last_name="Nowak")
    assert listed_ids(client, search="jannowak") == []


def test_it_searches_within_a_group(client):
    group = add_group(client, "Klienci")
    inside = add_contact(client, "500600701", city="Łódź", group_id=group)
    add_contact(client, "500600702", city="Łódź")
    add_contact(client, "500600703", city="Kraków", group_id=group)
    assert listed_ids(client, search="łódź", group_id=group) == [inside]


def test_it_searches_the_values_of_an_edited_contact(client):
    contact = add_contact(client, city="Łódź")
    call(client, "/sandbox/api/contacts/edit.json", id=contact, phone="500600700", city="Kraków")
    assert listed_ids(client, search="łódź") == []
    assert listed_ids(client, search="kraków") == [contact]


@pytest.mark.parametrize("search", ["Anna Kowalska", "NA KOWAL", "anna kowalska"])
def test_it_finds_a_contact_by_the_whole_name(client, search):
    contact = add_contact(client, first_name="Anna", last_name="Kowalska")
    add_contact(client, "600100201", first_name="Anna", last_name="Nowak")
    assert listed_ids(client, search=search) == [contact]


@pytest.mark.parametrize("search", ["ł", "Łu", "7"])
def test_a_phrase_shorter_than_the_index_still_searches(client, search):
    contact = add_contact(client, "500600777", first_name="Łukasz")
    add_contact(client, "600100200", first_name="Jan")
    assert listed_ids(client, search=search) == [contact]


@pytest.mark.parametrize("search", ['"Sokół"', 'a" OR "b', "NEAR(x y)", "sok*"])
def test_search_syntax_in_a_phrase_is_plain_text(client, search):
    contact = add_contact(client, company='Firma "Sokół" a" OR "b NEAR(x y) sok*')
    add_contact(client, "600100201", company="Inna firma")
    assert listed_ids(client, search=search) == [contact]


def test_a_deleted_contact_is_no_longer_found(client):
    contact = add_contact(client, city="Łódź")
    call(client, "/sandbox/api/contacts/delete.json", id=contact)
    assert listed_ids(client, search="łódź") == []


# --- Sorting and paging ---------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "first_name",
        "last_name",
        "phone",
        "company",
        "tax_id",
        "email",
        "address",
        "city",
        "description",
    ],
)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_it_sorts_contacts_by_every_documented_column(client, field, order):
    # The values' order matches neither the ids' (the default order) nor the
    # phones', so a sort on the wrong column, or none, shows.
    values = {
        "phone": ["+48500600702", "+48500600703", "+48500600701"],
        "email": ["b@example.pl", "c@example.pl", "a@example.pl"],
    }.get(field, ["B", "C", "A"])
    phones = values if field == "phone" else ["500600701", "500600702", "500600703"]
    ids = [
        add_contact(client, phone, **({} if field == "phone" else {field: value}))
        for phone, value in zip(phones, values, strict=True)
    ]
    ascending = [ids[2], ids[0], ids[1]]
    expected = ascending if order == "asc" else list(reversed(ascending))
    assert listed_ids(client, sort=field, order=order) == expected


def test_it_sorts_contacts_ascending_when_no_order_is_given(client):
    # Added in name order, so that the default order (newest first) differs.
    first = add_contact(client, "500600702", last_name="Kowalski")
    second = add_contact(client, "500600701", last_name="Nowak")
    assert listed_ids(client, sort="last_name") == [first, second]


@pytest.mark.parametrize(
    "fields",
    [
        {"sort": "id"},
        {"sort": "blacklist"},
        {"sort": "group_id"},
        {"sort": "name"},
        {"sort": "search_text"},
        {"sort": "-phone"},
        {"sort": "phone", "order": "sideways"},
        {"order": "sideways"},
    ],
)
def test_it_refuses_to_sort_contacts_by_anything_undocumented(client, fields):
    add_contact(client)
    answer = call(client, "/sandbox/api/contacts/index.json", **fields)
    assert error(answer) == (1006, "InvalidData")


def test_it_pages_contacts(client):
    ids = [add_contact(client, f"50060070{n}") for n in range(5)]
    pages = [
        call(client, "/sandbox/api/contacts/index.json", sort="phone", page=page, limit=2)
        for page in (1, 2, 3, 4)
    ]
    assert [page["paging"] for page in pages] == [{"page": n, "count": 3} for n in (1, 2, 3, 4)]
    assert [[item["id"] for item in page["items"]] for page in pages] == [
        ids[0:2],
        ids[2:4],
        ids[4:5],
        [],
    ]


def test_it_pages_a_groups_contacts(client):
    group = add_group(client, "Klienci")
    ids = [add_contact(client, f"50060070{n}", group_id=group) for n in range(3)]
    add_contact(client, "500600709")
    answer = call(
        client, "/sandbox/api/contacts/index.json", group_id=group, sort="phone", page=2, limit=2
    )
    assert answer["paging"] == {"page": 2, "count": 2}
    assert [item["id"] for item in answer["items"]] == ids[2:]


def test_it_caps_the_contact_limit_at_500(client, alice_account):
    Contact.objects.bulk_create(
        Contact(account=alice_account, phone=f"+48500{n:06}") for n in range(501)
    )
    answer = call(client, "/sandbox/api/contacts/index.json", sort="phone", limit=10000)
    assert answer["paging"] == {"page": 1, "count": 2}
    assert len(answer["items"]) == 500
    assert answer["items"][-1]["phone"] == "+48500000499"


@pytest.mark.parametrize(
    "fields",
    [{"page": 0}, {"page": -1}, {"page": "abc"}, {"limit": 0}, {"limit": -1}, {"limit": "abc"}],
)
def test_it_refuses_a_page_or_limit_out_of_range(client, fields):
    add_contact(client)
    answer = call(client, "/sandbox/api/contacts/index.json", **fields)
    assert error(answer) == (1006, "InvalidData")


# --- contacts/edit --------------------------------------------------------------


def test_it_edits_a_contact(client):
    old = add_group(client, "Stara")
    new = add_group(client, "Nowa")
    contact = add_contact(client, **{**FULL_CONTACT, "group_id": old})
    changed = {**FULL_CONTACT, "phone": "600 100 200", "city": "Kraków", "email": "l@w.pl"}
    answer = call(client, "/sandbox/api/contacts/edit.json", id=contact, group_id=new, **changed)
    assert answer == {"success": True, "id": contact}
    assert view_contact(client, contact) == {
        "id": contact,
        **changed,
        "phone": "+48600100200",
        "blacklist": False,
    }
    assert memberships(client, "600100200") == [(new, "Nowa")]
    assert group_counts(client) == {"Stara": 0, "Nowa": 1}


def test_it_clears_every_field_left_out_of_an_edit(client):
    first = add_group(client, "Pierwsza")
    second = add_group(client, "Druga")
    contact = add_contact(client, **{**FULL_CONTACT, "group_id": [first, second]})
    answer = call(client, "/sandbox/api/contacts/edit.json", id=contact, phone="500600700")
    assert answer == {"success": True, "id": contact}
    assert view_contact(client, contact) == {
        "id": contact,
        "phone": "+48500600700",
        **dict.fromkeys(TEXT_FIELDS, ""),
        "blacklist": False,
    }
    assert memberships(client) == []
    assert group_counts(client) == {"Pierwsza": 0, "Druga": 0}
    assert listed_ids(client, group_id="none") == [contact]


def test_it_clears_a_field_given_as_null_in_an_edit(client):
    contact = add_contact(client, city="Łódź")
    call(client, "/sandbox/api/contacts/edit.json", id=contact, phone="500600700", city=None)
    assert view_contact(client, contact)["city"] == ""


def test_it_keeps_the_blacklist_flag_through_an_edit(client):
    contact = add_contact(client, first_name="Jan")
    call(client, "/sandbox/api/blacklist/add.json", phone="+48500600700")
    call(client, "/sandbox/api/contacts/edit.json", id=contact, phone="500600700")
    assert view_contact(client, contact)["blacklist"] is True


def test_it_moves_a_contact_between_groups_and_keeps_counts_right(client):
    first = add_group(client, "Pierwsza")
    second = add_group(client, "Druga")
    third = add_group(client, "Trzecia")
    contact = add_contact(client, group_id=[first, second])
    add_contact(client, "500600701", group_id=first)
    call(
        client,
        "/sandbox/api/contacts/edit.json",
        id=contact,
        phone="500600700",
        group_id=[second, third],
    )
    assert memberships(client) == [(second, "Druga"), (third, "Trzecia")]
    assert group_counts(client) == {"Pierwsza": 1, "Druga": 1, "Trzecia": 1}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, 2000),
        ({"phone": "abc"}, 2001),
        ({"phone": "500600700", "city": "x" * 256}, 1006),
        ({"phone": "500600700", "group_id": 999999}, 1004),
    ],
)
def test_it_changes_nothing_on_an_invalid_edit(client, fields, code):
    group = add_group(client, "Klienci")
    contact = add_contact(client, **{**FULL_CONTACT, "group_id": group})
    answer = call(client, "/sandbox/api/contacts/edit.json", id=contact, **fields)
    assert error(answer)[0] == code
    assert view_contact(client, contact)["city"] == "Łódź"
    assert memberships(client) == [(group, "Klienci")]


def test_it_does_not_edit_an_unknown_contact(client):
    contact = add_contact(client, city="Łódź")
    answer = call(
        client, "/sandbox/api/contacts/edit.json", id=contact + 1, phone="500600700", city="X"
    )
    assert error(answer) == (1004, "InvalidID")
    assert listed_ids(client) == [contact]
    assert view_contact(client, contact)["city"] == "Łódź"


# --- contacts/delete ------------------------------------------------------------


def test_it_deletes_a_contact_and_its_memberships(client):
    group = add_group(client, "Klienci")
    contact = add_contact(client, group_id=group)
    other = add_contact(client, "500600701", group_id=group)
    answer = call(client, "/sandbox/api/contacts/delete.json", id=contact)
    assert answer == {"success": True}
    assert error(view_contact(client, contact)) == (1004, "InvalidID")
    assert listed_ids(client) == [other]
    assert group_counts(client) == {"Klienci": 1}


def test_it_does_not_delete_an_unknown_contact(client):
    contact = add_contact(client)
    answer = call(client, "/sandbox/api/contacts/delete.json", id=contact + 1)
    assert error(answer) == (1004, "InvalidID")
    assert listed_ids(client) == [contact]


# --- Accounts see only their own contacts -------------------------------------


def test_it_lists_only_the_callers_contacts(client, bob_account):
    alices = add_contact(client, first_name="Alicja")
    bobs = add_contact(client, first_name="Bob", token="bob-token")
    assert listed_ids(client) == [alices]
    assert listed_ids(client, token="bob-token") == [bobs]
    assert listed_ids(client, token="bob-token", search="alicja") == []
    assert listed_ids(client, token="bob-token", group_id="none") == [bobs]


def test_it_does_not_show_bob_alices_contact(client, bob_account):
    contact = add_contact(client)
    assert error(view_contact(client, contact, token="bob-token")) == (1004, "InvalidID")


def test_it_does_not_let_bob_edit_alices_contact(client, bob_account):
    contact = add_contact(client, city="Łódź")
    answer = call(
        client, "/sandbox/api/contacts/edit.json", "bob-token", id=contact, phone="600100200"
    )
    assert error(answer) == (1004, "InvalidID")
    assert view_contact(client, contact)["city"] == "Łódź"
    assert view_contact(client, contact)["phone"] == "+48500600700"


def test_it_does_not_let_bob_delete_alices_contact(client, bob_account):
    contact = add_contact(client)
    answer = call(client, "/sandbox/api/contacts/delete.json", "bob-token", id=contact)
    assert error(answer) == (1004, "InvalidID")
    assert listed_ids(client) == [contact]


def test_it_does_not_let_bob_add_a_contact_to_alices_group(client, bob_account):
    group = add_group(client, "Alicji")
    answer = call(
        client, "/sandbox/api/contacts/add.json", "bob-token", phone="600100200", group_id=group
    )
    assert error(answer) == (1004, "InvalidID")
    assert listed_ids(client, token="bob-token") == []
    assert group_counts(client) == {"Alicji": 0}


def test_it_does_not_let_bob_move_his_contact_into_alices_group(client, bob_account):
    group = add_group(client, "Alicji")
    contact = add_contact(client, "600100200", token="bob-token")
    answer = call(
        client,
        "/sandbox/api/contacts/edit.json",
        "bob-token",
        id=contact,
        phone="600100200",
        group_id=group,
    )
    assert error(answer) == (1004, "InvalidID")
    assert group_counts(client) == {"Alicji": 0}


def test_it_does_not_let_bob_list_alices_group(client, bob_account):
    group = add_group(client, "Alicji")
    add_contact(client, group_id=group)
    answer = call(client, "/sandbox/api/contacts/index.json", "bob-token", group_id=group)
    assert error(answer) == (1004, "InvalidID")
