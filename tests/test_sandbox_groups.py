"""The sandbox API's groups calls: index, view, add, edit, delete, check."""

import pytest

from contacts_ui.sandbox.models import Group
from tests.sandbox_calls import add_contact, add_group, call, error

pytestmark = pytest.mark.usefixtures("alice_account")


def view_group(client, group_id, token="alice-token") -> dict:
    return call(client, "/sandbox/api/groups/view.json", token, id=group_id)


def all_groups(client, token="alice-token") -> list[tuple[str, int]]:
    """(name, count) of every group, by name."""
    answer = call(client, "/sandbox/api/groups/index.json", token, sort="name", limit=500)
    return [(item["name"], item["count"]) for item in answer["items"]]


def contact_ids(client, token="alice-token") -> list[int]:
    answer = call(client, "/sandbox/api/contacts/index.json", token, limit=500)
    return sorted(item["id"] for item in answer["items"])


# --- groups/add and groups/view -------------------------------------------------


def test_it_adds_a_group(client):
    answer = call(client, "/sandbox/api/groups/add.json", name="Klienci VIP")
    assert answer == {"success": True, "id": answer["id"]}
    assert isinstance(answer["id"], int)
    assert view_group(client, answer["id"]) == {
        "id": answer["id"],
        "name": "Klienci VIP",
        "count": 0,
    }


def test_it_gives_each_new_group_its_own_id(client):
    first = add_group(client, "Pierwsza")
    second = add_group(client, "Druga")
    assert first != second
    assert view_group(client, first)["name"] == "Pierwsza"
    assert view_group(client, second)["name"] == "Druga"


def test_it_accepts_a_group_name_of_100_characters(client):
    name = "ż" * 100
    group = add_group(client, name)
    assert view_group(client, group)["name"] == name


def test_it_rejects_a_group_name_of_101_characters_with_1006(client):
    answer = call(client, "/sandbox/api/groups/add.json", name="ż" * 101)
    assert error(answer) == (1006, "InvalidData")
    assert all_groups(client) == []


@pytest.mark.parametrize("fields", [{}, {"name": ""}, {"name": None}, {"name": "   "}])
def test_it_requires_a_group_name(client, fields):
    answer = call(client, "/sandbox/api/groups/add.json", **fields)
    assert error(answer) == (2000, "ValidationRequiredError")
    assert all_groups(client) == []


def test_it_does_not_find_an_unknown_group(client):
    group = add_group(client, "Klienci")
    assert error(view_group(client, group + 1)) == (1004, "InvalidID")


def test_it_counts_the_contacts_in_a_group(client):
    group = add_group(client, "Klienci")
    other = add_group(client, "Inni")
    add_contact(client, "500600701", group_id=group)
    add_contact(client, "500600702", group_id=[group, other])
    add_contact(client, "500600703")
    assert view_group(client, group) == {"id": group, "name": "Klienci", "count": 2}
    assert view_group(client, other) == {"id": other, "name": "Inni", "count": 1}


# --- groups/edit ----------------------------------------------------------------


def test_it_renames_a_group(client):
    group = add_group(client, "Klienci")
    add_contact(client, group_id=group)
    answer = call(client, "/sandbox/api/groups/edit.json", id=group, name="Klienci – Kraków")
    assert answer == {"success": True, "id": group}
    assert view_group(client, group) == {"id": group, "name": "Klienci – Kraków", "count": 1}


def test_it_rejects_a_new_group_name_of_101_characters_with_1006(client):
    group = add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/groups/edit.json", id=group, name="x" * 101)
    assert error(answer) == (1006, "InvalidData")
    assert view_group(client, group)["name"] == "Klienci"


def test_it_requires_a_new_group_name(client):
    group = add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/groups/edit.json", id=group, name="")
    assert error(answer) == (2000, "ValidationRequiredError")
    assert view_group(client, group)["name"] == "Klienci"


def test_it_does_not_rename_an_unknown_group(client):
    group = add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/groups/edit.json", id=group + 1, name="Inni")
    assert error(answer) == (1004, "InvalidID")
    assert all_groups(client) == [("Klienci", 0)]


def test_it_requires_the_id_of_the_group_to_rename(client):
    answer = call(client, "/sandbox/api/groups/edit.json", name="Inni")
    assert error(answer) == (2000, "ValidationRequiredError")


# --- groups/delete --------------------------------------------------------------


def test_it_deletes_a_group_and_keeps_its_contacts(client):
    group = add_group(client, "Klienci")
    contact = add_contact(client, group_id=group)
    answer = call(client, "/sandbox/api/groups/delete.json", id=group)
    assert answer == {"success": True}
    assert error(view_group(client, group)) == (1004, "InvalidID")
    assert contact_ids(client) == [contact]
    none = call(client, "/sandbox/api/contacts/index.json", group_id="none")
    assert [item["id"] for item in none["items"]] == [contact]


def test_it_deletes_a_group_with_its_contacts_when_asked(client):
    group = add_group(client, "Klienci")
    other = add_group(client, "Dostawcy")
    inside = add_contact(client, "500600701", group_id=group)
    in_both = add_contact(client, "500600702", group_id=[group, other])
    outside = add_contact(client, "500600703", group_id=other)
    ungrouped = add_contact(client, "500600704")
    answer = call(client, "/sandbox/api/groups/delete.json", id=group, delete_contacts=True)
    assert answer == {"success": True}
    assert contact_ids(client) == sorted([outside, ungrouped])
    assert error(call(client, "/sandbox/api/contacts/view.json", id=inside)) == (1004, "InvalidID")
    assert error(call(client, "/sandbox/api/contacts/view.json", id=in_both)) == (1004, "InvalidID")
    assert all_groups(client) == [("Dostawcy", 1)]


def test_it_keeps_contacts_when_delete_contacts_is_false(client):
    group = add_group(client, "Klienci")
    contact = add_contact(client, group_id=group)
    answer = call(client, "/sandbox/api/groups/delete.json", id=group, delete_contacts=False)
    assert answer == {"success": True}
    assert contact_ids(client) == [contact]


def test_it_keeps_other_groups_counts_right_after_a_group_goes(client):
    group = add_group(client, "Klienci")
    other = add_group(client, "Dostawcy")
    add_contact(client, "500600701", group_id=[group, other])
    add_contact(client, "500600702", group_id=other)
    call(client, "/sandbox/api/groups/delete.json", id=group)
    assert all_groups(client) == [("Dostawcy", 2)]


def test_it_does_not_delete_an_unknown_group(client):
    group = add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/groups/delete.json", id=group + 1)
    assert error(answer) == (1004, "InvalidID")
    assert all_groups(client) == [("Klienci", 0)]


# --- groups/check ---------------------------------------------------------------


def test_it_lists_every_group_holding_a_phone(client):
    first = add_group(client, "Pierwsza")
    add_group(client, "Pusta")
    second = add_group(client, "Druga")
    contact = add_contact(client, "+48500600700", group_id=[first, second])
    add_contact(client, "500600799", group_id=first)
    answer = call(client, "/sandbox/api/groups/check.json", phone="+48500600700")
    assert answer == {
        "items": [
            {"id": str(contact), "group_id": first, "group_name": "Pierwsza"},
            {"id": str(contact), "group_id": second, "group_name": "Druga"},
        ]
    }


def test_it_lists_each_contact_with_the_phone_in_a_group(client):
    group = add_group(client, "Klienci")
    first = add_contact(client, "500600700", group_id=group)
    second = add_contact(client, "500600700", group_id=group)
    answer = call(client, "/sandbox/api/groups/check.json", phone="500600700")
    assert sorted(answer["items"], key=lambda item: int(item["id"])) == [
        {"id": str(first), "group_id": group, "group_name": "Klienci"},
        {"id": str(second), "group_id": group, "group_name": "Klienci"},
    ]


@pytest.mark.parametrize(
    "phone", ["500600700", "500 600 700", "500-600-700", "+48 500 600 700", "+48500600700"]
)
def test_it_checks_a_phone_in_any_usual_form(client, phone):
    group = add_group(client, "Klienci")
    contact = add_contact(client, "+48500600700", group_id=group)
    answer = call(client, "/sandbox/api/groups/check.json", phone=phone)
    assert answer == {"items": [{"id": str(contact), "group_id": group, "group_name": "Klienci"}]}


def test_it_finds_no_group_for_a_contact_in_none(client):
    add_group(client, "Klienci")
    add_contact(client, "500600700")
    answer = call(client, "/sandbox/api/groups/check.json", phone="500600700")
    assert answer == {"items": []}


def test_it_finds_no_group_for_an_unknown_phone(client):
    group = add_group(client, "Klienci")
    add_contact(client, "500600700", group_id=group)
    answer = call(client, "/sandbox/api/groups/check.json", phone="500600701")
    assert answer == {"items": []}


@pytest.mark.parametrize(
    ("fields", "code", "type_"),
    [
        ({}, 2000, "ValidationRequiredError"),
        ({"phone": ""}, 2000, "ValidationRequiredError"),
        ({"phone": "abc"}, 2001, "ValidationPhoneError"),
        ({"phone": "123"}, 2001, "ValidationPhoneError"),
    ],
)
def test_it_rejects_a_bad_phone_to_check(client, fields, code, type_):
    answer = call(client, "/sandbox/api/groups/check.json", **fields)
    assert error(answer) == (code, type_)


# --- groups/index ---------------------------------------------------------------


def test_it_lists_groups_with_their_counts(client):
    first = add_group(client, "Dostawcy")
    second = add_group(client, "Klienci")
    add_contact(client, group_id=second)
    answer = call(client, "/sandbox/api/groups/index.json", sort="name")
    assert answer == {
        "paging": {"page": 1, "count": 1},
        "items": [
            {"id": first, "name": "Dostawcy", "count": 0},
            {"id": second, "name": "Klienci", "count": 1},
        ],
    }


def test_it_lists_no_groups_as_one_empty_page(client):
    answer = call(client, "/sandbox/api/groups/index.json")
    assert answer == {"paging": {"page": 1, "count": 1}, "items": []}


@pytest.mark.parametrize(
    ("search", "names"),
    [
        ("ŁÓDŹ", ["Klienci – Łódź"]),
        ("łódź", ["Klienci – Łódź"]),
        ("żółć", ["Żółć"]),
        ("ŻÓŁĆ", ["Żółć"]),
        ("klienci", ["Klienci – Kraków", "Klienci – Łódź"]),
        ("KRAK", ["Klienci – Kraków"]),
        ("ó", ["Klienci – Kraków", "Klienci – Łódź", "Żółć"]),
        ("nikt", []),
    ],
)
def test_it_searches_group_names_ignoring_case_in_polish(client, search, names):
    for name in ("Klienci – Kraków", "Klienci – Łódź", "Żółć", "Dostawcy"):
        add_group(client, name)
    answer = call(client, "/sandbox/api/groups/index.json", search=search, sort="name")
    assert [item["name"] for item in answer["items"]] == names


@pytest.mark.parametrize(
    ("order", "names"),
    [("asc", ["Alfa", "Beta", "Gamma"]), ("desc", ["Gamma", "Beta", "Alfa"])],
)
def test_it_sorts_groups_by_name(client, order, names):
    for name in ("Beta", "Gamma", "Alfa"):
        add_group(client, name)
    answer = call(client, "/sandbox/api/groups/index.json", sort="name", order=order)
    assert [item["name"] for item in answer["items"]] == names


@pytest.mark.parametrize(
    "fields",
    [
        {"sort": "count"},
        {"sort": "id"},
        {"sort": "phone"},
        {"sort": "name; DROP TABLE sandbox_group"},
        {"sort": "name", "order": "sideways"},
        {"order": "sideways"},
    ],
)
def test_it_refuses_to_sort_groups_by_anything_undocumented(client, fields):
    add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/groups/index.json", **fields)
    assert error(answer) == (1006, "InvalidData")


def test_it_pages_groups(client):
    for name in ("A", "B", "C", "D", "E"):
        add_group(client, name)
    pages = [
        call(client, "/sandbox/api/groups/index.json", sort="name", page=page, limit=2)
        for page in (1, 2, 3, 4)
    ]
    assert [page["paging"] for page in pages] == [{"page": n, "count": 3} for n in (1, 2, 3, 4)]
    assert [[item["name"] for item in page["items"]] for page in pages] == [
        ["A", "B"],
        ["C", "D"],
        ["E"],
        [],
    ]


def test_it_pages_a_search(client):
    for name in ("Klienci 1", "Klienci 2", "Klienci 3", "Dostawcy"):
        add_group(client, name)
    answer = call(
        client, "/sandbox/api/groups/index.json", search="klienci", sort="name", page=2, limit=2
    )
    assert answer["paging"] == {"page": 2, "count": 2}
    assert [item["name"] for item in answer["items"]] == ["Klienci 3"]


def test_it_caps_the_group_limit_at_500(client, alice_account):
    Group.objects.bulk_create(
        Group(account=alice_account, name=f"Grupa {n:04}") for n in range(501)
    )
    answer = call(client, "/sandbox/api/groups/index.json", sort="name", limit=10000)
    assert answer["paging"] == {"page": 1, "count": 2}
    assert len(answer["items"]) == 500
    assert answer["items"][-1]["name"] == "Grupa 0499"


@pytest.mark.parametrize(
    "fields",
    [{"page": 0}, {"page": -1}, {"page": "-1"}, {"page": "abc"}, {"limit": 0}, {"limit": "-5"}],
)
def test_it_refuses_a_page_or_limit_out_of_range(client, fields):
    add_group(client, "Klienci")
    answer = call(client, "/sandbox/api/groups/index.json", **fields)
    assert error(answer) == (1006, "InvalidData")


# --- Accounts see only their own groups ---------------------------------------


def test_it_lists_only_the_callers_groups(client, bob_account):
    add_group(client, "Alicji")
    add_group(client, "Boba", token="bob-token")
    assert all_groups(client) == [("Alicji", 0)]
    assert all_groups(client, token="bob-token") == [("Boba", 0)]


def test_it_does_not_show_bob_alices_group(client, bob_account):
    group = add_group(client, "Alicji")
    assert error(view_group(client, group, token="bob-token")) == (1004, "InvalidID")


def test_it_does_not_let_bob_rename_alices_group(client, bob_account):
    group = add_group(client, "Alicji")
    answer = call(client, "/sandbox/api/groups/edit.json", "bob-token", id=group, name="Boba")
    assert error(answer) == (1004, "InvalidID")
    assert view_group(client, group)["name"] == "Alicji"


def test_it_does_not_let_bob_delete_alices_group(client, bob_account):
    group = add_group(client, "Alicji")
    contact = add_contact(client, group_id=group)
    answer = call(
        client, "/sandbox/api/groups/delete.json", "bob-token", id=group, delete_contacts=True
    )
    assert error(answer) == (1004, "InvalidID")
    assert all_groups(client) == [("Alicji", 1)]
    assert contact_ids(client) == [contact]


def test_it_does_not_show_bob_which_of_alices_groups_hold_a_phone(client, bob_account):
    group = add_group(client, "Alicji")
    add_contact(client, "500600700", group_id=group)
    answer = call(client, "/sandbox/api/groups/check.json", "bob-token", phone="500600700")
    assert answer == {"items": []}
