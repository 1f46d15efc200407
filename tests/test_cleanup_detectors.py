"""The cleanup detectors, the merge of contacts, and the scan's findings: pure functions."""

import json

import pytest

from contacts_ui.cleanup import detectors, merges
from contacts_ui.serwersms import Contact, ContactData, Group, GroupMembership, Page


def contact(id, phone="+48500100200", **fields) -> Contact:
    values = dict.fromkeys(
        ("email", "first_name", "last_name", "company", "tax_id", "address", "city", "description"),
        "",
    )
    values.update(fields)
    blacklist = values.pop("blacklist", False)
    return Contact(id=id, phone=phone, blacklist=blacklist, **values)


def group(id, name, count=1) -> Group:
    return Group(id=id, name=name, count=count)


def read(groups=(), members=None, ungrouped=()) -> detectors.AccountReading:
    """The account as the scan reads it: each group's members, then the contacts in no group."""
    account = detectors.AccountReading(groups)
    for group_id, contacts in (members or {}).items():
        account.read(contacts, group_id)
    account.read(ungrouped)
    return account


def phone_duplicates(groups, members) -> list[detectors.PhoneDuplicate]:
    found = detectors.phone_duplicates_in_groups(read(groups, members))
    return sorted(found, key=lambda d: (d.phone, [c.id for c in d.contacts]))


def person_duplicates(contacts, skip=()) -> list[detectors.PersonDuplicate]:
    found = detectors.person_duplicates(read(ungrouped=contacts), skip)
    return sorted(found, key=lambda d: [c.id for c in d.contacts])


# --- Keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Klienci", "klienci", "KLIENCI", " klienci ", "Klięnci", "Klienći", "klienci\t"],
)
def test_group_names_differing_by_case_spaces_or_diacritics_share_a_key(name):
    assert detectors.group_key(name) == "klienci"


def test_inner_spaces_are_collapsed_not_removed():
    assert detectors.group_key("Stali   klienci") == "stali klienci"
    assert detectors.group_key("Stali klienci") != detectors.group_key("Staliklienci")


def test_every_polish_letter_loses_its_diacritic_l_with_stroke_too():
    assert detectors.group_key("ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż") == "acelnoszz acelnoszz"


def test_different_names_keep_different_keys():
    assert detectors.group_key("Klienci") != detectors.group_key("Klient")


@pytest.mark.parametrize(
    "phone", ["500 100 200", "+48500100200", "+48 500-100-200", "0048500100200", "500100200"]
)
def test_phones_are_compared_in_e164(phone):
    assert detectors.phone_key(phone) == "+48500100200"


def test_a_phone_the_normaliser_refuses_is_compared_by_its_digits():
    assert detectors.phone_key("12 34") == detectors.phone_key("1234") == "1234"


def test_emails_are_compared_without_case_or_spaces():
    assert detectors.email_key(" Anna@Example.PL ") == detectors.email_key("anna@example.pl")


# --- Empty groups and similar names ----------------------------------------------


def test_empty_groups_are_those_with_no_contact():
    groups = [group(1, "Pełna", 3), group(2, "Pusta", 0), group(3, "Archiwum", 0)]
    assert [g.id for g in detectors.empty_groups(groups)] == [3, 2]


def test_similar_group_names_make_one_set():
    groups = [
        group(1, "Klienci"),
        group(2, "klienci "),
        group(3, "Klięnci"),
        group(4, "Dostawcy"),
        group(5, "Łódź"),
        group(6, "lodz"),
    ]
    sets = [[g.id for g in found] for found in detectors.similar_groups(groups)]
    assert sets == [[1, 2, 3], [5, 6]]


def test_a_lone_name_is_no_finding():
    assert detectors.similar_groups([group(1, "Klienci"), group(2, "Dostawcy")]) == []


# --- The same phone twice in a group -------------------------------------------------


def test_the_same_phone_twice_in_a_group_is_found_in_any_format():
    klienci = group(1, "Klienci", 3)
    members = {
        1: [contact(10, "500 100 200"), contact(11, "+48500100200"), contact(12, "+48600700800")]
    }
    found = phone_duplicates([klienci], members)
    assert len(found) == 1
    assert found[0].phone == "+48500100200"
    assert [c.id for c in found[0].contacts] == [10, 11]
    assert found[0].groups == [klienci]


def test_the_same_pair_doubled_in_two_groups_is_one_finding_naming_both():
    a, b = contact(10), contact(11, "500100200")
    found = phone_duplicates([group(1, "Klienci"), group(2, "VIP")], {1: [a, b], 2: [a, b]})
    assert len(found) == 1
    assert [g.name for g in found[0].groups] == ["Klienci", "VIP"]


def test_the_same_phone_in_different_groups_is_not_a_duplicate_within_a_group():
    found = phone_duplicates(
        [group(1, "Klienci"), group(2, "VIP")], {1: [contact(10)], 2: [contact(11)]}
    )
    assert found == []


def test_one_contact_listed_twice_is_not_a_duplicate():
    found = phone_duplicates([group(1, "Klienci")], {1: [contact(10)] * 2})
    assert found == []


# --- The same person across the account -----------------------------------------------


def test_contacts_sharing_a_phone_in_any_format_are_one_person():
    found = person_duplicates([contact(10, "500 100 200"), contact(11, "+48500100200")])
    assert [[c.id for c in d.contacts] for d in found] == [[10, 11]]
    assert found[0].shared == ["phone"]


def test_contacts_sharing_an_email_whatever_its_case_are_one_person():
    found = person_duplicates(
        [
            contact(10, "+48500100200", email="Anna@Example.pl"),
            contact(11, "+48600700800", email="anna@example.pl "),
        ]
    )
    assert [[c.id for c in d.contacts] for d in found] == [[10, 11]]
    assert found[0].shared == ["email"]


def test_a_chain_of_shared_phone_and_email_is_one_set():
    found = person_duplicates(
        [
            contact(10, "+48500100200", email="anna@example.pl"),
            contact(11, "+48500100200"),
            contact(12, "+48600700800", email="ANNA@example.pl"),
        ]
    )
    assert [[c.id for c in d.contacts] for d in found] == [[10, 11, 12]]
    assert found[0].shared == ["phone", "email"]


def test_empty_emails_link_nobody():
    assert person_duplicates([contact(10, "+48500100200"), contact(11, "+48600700800")]) == []


def test_a_set_found_within_a_group_is_not_repeated():
    contacts = [contact(10), contact(11)]
    assert person_duplicates(contacts, skip=[{10, 11}]) == []
    # A larger set around it is still a finding.
    found = person_duplicates([*contacts, contact(12)], skip=[{10, 11}])
    assert [[c.id for c in d.contacts] for d in found] == [[10, 11, 12]]


def test_one_contact_seen_in_several_groups_is_not_its_own_duplicate():
    assert person_duplicates([contact(10), contact(10)]) == []


# --- Merging ------------------------------------------------------------------------


def test_the_merged_contact_keeps_its_own_fields_and_fills_the_empty_ones():
    keep = contact(10, "+48500100200", first_name="Anna", city="")
    others = [
        contact(11, "500 100 200", first_name="Ania", city="Łódź", company=""),
        contact(12, "+48500100200", company="Kowalscy", city="Kraków"),
    ]
    merged = merges.merged_data(keep, others)
    assert merged == ContactData(
        phone="+48500100200", first_name="Anna", city="Łódź", company="Kowalscy"
    )


def test_what_the_merge_drops_is_named():
    keep = contact(10, "+48500100200", first_name="Anna", email="ANNA@example.pl")
    other = contact(11, "500 100 200", first_name="Ania", email="anna@example.pl", city="Łódź")
    merged = merges.merged_data(keep, [other])
    # The phone and e-mail are the same once normalised; only the first name is lost.
    assert merges.dropped_values(merged, [other]) == [(other, "first_name", "Ania")]


def _fresh(c, groups):
    return merges.FreshContact(c, groups)


def test_the_plan_takes_the_union_of_the_groups():
    found = [
        _fresh(contact(10, first_name="Anna"), {1: "Klienci"}),
        _fresh(contact(11, email="anna@example.pl"), {2: "VIP", 1: "Klienci"}),
    ]
    plan = merges.merge_plan(found, keep_id=10)
    assert plan.keep.id == 10
    assert [o.id for o in plan.others] == [11]
    assert plan.groups == {1: "Klienci", 2: "VIP"}
    assert plan.data.email == "anna@example.pl"


def test_the_plans_fingerprint_changes_when_a_contact_does():
    found = [_fresh(contact(10), {1: "Klienci"}), _fresh(contact(11), {})]
    changed = [_fresh(contact(10), {1: "Klienci"}), _fresh(contact(11, city="Łódź"), {})]
    regrouped = [_fresh(contact(10), {1: "Klienci"}), _fresh(contact(11), {2: "VIP"})]
    digest = merges.merge_plan(found, 10).digest()
    assert digest == merges.merge_plan(found, 10).digest()
    assert digest != merges.merge_plan(changed, 10).digest()
    assert digest != merges.merge_plan(regrouped, 10).digest()
    assert digest != merges.merge_plan(found, 11).digest()


# --- The findings as stored ---------------------------------------------------------------


def test_the_findings_are_json_and_name_every_kind():
    groups = [
        group(1, "Klienci", 2),
        group(2, "klienci ", 1),
        group(3, "Pusta", 0),
    ]
    anna, ania = contact(10, "+48500100200", first_name="Anna"), contact(11, "500 100 200")
    members = {1: [anna, ania], 2: [contact(12, "+48600700800", email="x@example.pl")]}
    ungrouped = [contact(13, "+48600700800", email="X@example.pl", first_name="Jan")]
    found = detectors.findings(read(groups, members, ungrouped))
    assert json.loads(json.dumps(found)) == found
    assert found["counts"] == {"groups": 3, "contacts": 4}
    assert found["empty_groups"] == [{"id": 3, "name": "Pusta", "count": 0}]
    assert found["ungrouped"] == [
        {"id": 13, "name": "Jan", "label": "Jan (+48600700800)", "phone": "+48600700800"}
    ]
    assert found["ungrouped_count"] == 1
    [in_group] = found["phone_duplicates"]
    assert in_group["phone"] == "+48500100200"
    assert [c["id"] for c in in_group["contacts"]] == [10, 11]
    assert in_group["contacts"][0]["groups"] == ["Klienci"]
    # A job's items are labelled from the findings as from the contacts themselves.
    assert [c["label"] for c in in_group["contacts"]] == ["Anna (+48500100200)", "500 100 200"]
    # 10 and 11 are reported within their group already; 12 and 13 are across the account.
    [person] = found["person_duplicates"]
    assert [c["id"] for c in person["contacts"]] == [12, 13]
    assert person["shared"] == ["phone", "email"]
    assert [[g["id"] for g in s] for s in found["similar_groups"]] == [[1, 2]]


def test_the_findings_list_only_so_many_contacts_in_no_group(monkeypatch):
    monkeypatch.setattr(detectors, "UNGROUPED_LISTED", 2)
    found = detectors.findings(read(ungrouped=[contact(i, f"+4850010020{i}") for i in range(5)]))
    assert len(found["ungrouped"]) == 2
    assert found["ungrouped_count"] == 5


def test_the_findings_keep_only_so_many_of_each_kind_and_count_them_all(monkeypatch):
    monkeypatch.setattr(detectors, "FINDINGS_LISTED", 1)
    monkeypatch.setattr(detectors, "MOST_IN_A_SET", 2)
    groups = [
        group(1, "Klienci", 3),
        group(2, "klienci", 0),
        group(3, "VIP", 2),
        group(4, "vip", 0),
        group(5, "Pusta", 0),
    ]
    members = {
        1: [contact(10), contact(11), contact(12)],
        3: [contact(13, "+48600700800"), contact(14, "+48600700800")],
    }
    ungrouped = [
        contact(15, "+48700000001", email="x@example.pl"),
        contact(16, "+48700000002", email="X@example.pl"),
        contact(17, "+48700000003", email="y@example.pl"),
        contact(18, "+48700000004", email="y@example.pl"),
    ]
    found = detectors.findings(read(groups, members, ungrouped))
    assert [g["id"] for g in found["empty_groups"]] == [2]
    assert found["empty_groups_count"] == 3
    assert [[g["id"] for g in s] for s in found["similar_groups"]] == [[1, 2]]
    assert found["similar_groups_count"] == 2
    [in_group] = found["phone_duplicates"]
    assert in_group["phone"] == "+48500100200"
    assert [c["id"] for c in in_group["contacts"]] == [10, 11]
    assert in_group["contacts_count"] == 3
    assert found["phone_duplicates_count"] == 2
    [person] = found["person_duplicates"]
    assert [c["id"] for c in person["contacts"]] == [15, 16]
    assert person["contacts_count"] == 2
    assert found["person_duplicates_count"] == 2


class FakeClient:
    """An account in memory, answering index calls in pages as the API does."""

    def __init__(self, groups, members, ungrouped):
        self.groups, self.members, self.ungrouped = groups, members, ungrouped
        self.calls = []

    @staticmethod
    def _page(items, page, limit):
        pages = max(1, -(-len(items) // limit))
        return Page(items[(page - 1) * limit : page * limit], page, pages)

    def groups_index(self, page, limit):
        self.calls.append(("groups", page))
        return self._page(self.groups, page, limit)

    def contacts_index(self, group_id, page, limit):
        self.calls.append((group_id, page))
        items = self.ungrouped if group_id == "none" else self.members[group_id]
        return self._page(items, page, limit)

    def groups_check(self, phone):  # pragma: no cover - the scan never asks
        return [GroupMembership(0, 0, "")]


def test_the_scan_reads_every_page_and_skips_empty_groups(monkeypatch):
    monkeypatch.setattr(detectors, "PAGE_LIMIT", 2)
    groups = [group(1, "Klienci", 3), group(2, "Pusta", 0), group(3, "VIP", 1)]
    members = {
        1: [contact(10), contact(11, "+48600700800"), contact(12, "+48700800900")],
        3: [contact(13, "+48500100201")],
    }
    ungrouped = [contact(14, "+48500100202")]
    client = FakeClient(groups[:], members, ungrouped)
    found = detectors.scan(client)
    assert client.calls == [("groups", 1), ("groups", 2), (1, 1), (1, 2), (3, 1), ("none", 1)]
    assert found["counts"] == {"groups": 3, "contacts": 5}
    assert [g["id"] for g in found["empty_groups"]] == [2]
