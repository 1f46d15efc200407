"""`manage.py seed_sandbox`: repeatable, realistic Polish data in a sandbox account."""

import re
from io import StringIO

import phonenumbers
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contacts_ui.sandbox.api import normalise_phone
from contacts_ui.sandbox.models import (
    CONTACT_TEXT_FIELDS,
    BlacklistedNumber,
    Contact,
    Group,
    Membership,
    build_search_text,
)
from contacts_ui.sandbox.seed import group_names
from tests.conftest import make_sandbox_account

FIELDS = (*CONTACT_TEXT_FIELDS, "search_text")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_sandbox", *args, stdout=out)
    return out.getvalue()


def seed_alice(contacts: int = 200, groups: int = 8, *extra: str) -> str:
    return seed("--account", "alice", "--contacts", str(contacts), "--groups", str(groups), *extra)


def snapshot(account) -> tuple[list, list, list]:
    """Everything seeded, without the database ids (they differ from run to run)."""
    contacts = list(Contact.objects.filter(account=account).order_by("id").values_list(*FIELDS))
    groups = list(Group.objects.filter(account=account).order_by("id").values_list("name"))
    memberships = list(
        Membership.objects.filter(contact__account=account)
        .order_by("contact_id", "group_id")
        .values_list("contact__phone", "group__name")
    )
    return contacts, groups, memberships


def nip_is_valid(nip: str) -> bool:
    if not re.fullmatch(r"\d{10}", nip):
        return False
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    check = sum(int(digit) * weight for digit, weight in zip(nip[:9], weights, strict=True)) % 11
    return check != 10 and check == int(nip[9])


def group_counts(account) -> list[int]:
    """How many groups each of the account's contacts is in."""
    contacts = Contact.objects.filter(account=account).prefetch_related("groups")
    return [len(contact.groups.all()) for contact in contacts]


@pytest.fixture
def alice(db):
    return make_sandbox_account("alice")


@pytest.mark.django_db
def test_it_creates_the_numbers_asked_for(alice):
    out = seed_alice(200, 8)

    assert Contact.objects.filter(account=alice).count() == 200
    assert Group.objects.filter(account=alice).count() == 8
    assert "Created 8 groups and 200 contacts" in out


@pytest.mark.django_db
def test_it_is_repeatable(alice):
    seed_alice()
    first = snapshot(alice)
    seed_alice()
    second = snapshot(alice)

    assert len(first[0]) == 200
    for before, after in zip(first[0], second[0], strict=True):
        assert dict(zip(FIELDS, before, strict=True)) == dict(zip(FIELDS, after, strict=True))
    assert first[1] == second[1]
    assert first[2] == second[2]


@pytest.mark.django_db
def test_another_seed_gives_other_data(alice):
    seed_alice()
    first = snapshot(alice)
    seed_alice(200, 8, "--seed", "2")

    assert snapshot(alice)[0] != first[0]


@pytest.mark.django_db
def test_it_replaces_what_the_account_had(alice):
    old_group = Group.objects.create(account=alice, name="Stara grupa")
    old_contact = Contact.objects.create(account=alice, phone="+48500600700")
    Membership.objects.create(contact=old_contact, group=old_group)

    out = seed_alice(20, 3)

    assert not Group.objects.filter(id=old_group.id).exists()
    assert not Contact.objects.filter(id=old_contact.id).exists()
    assert Contact.objects.filter(account=alice).count() == 20
    assert "Deleted 1 contacts and 1 groups" in out


@pytest.mark.django_db
def test_it_leaves_other_accounts_alone(alice):
    bob = make_sandbox_account("bob")
    group = Group.objects.create(account=bob, name="Bob's")
    contact = Contact.objects.create(account=bob, phone="+48500600700")
    Membership.objects.create(contact=contact, group=group)

    seed_alice(20, 3)

    assert list(Contact.objects.filter(account=bob)) == [contact]
    assert list(Group.objects.filter(account=bob)) == [group]
    assert Membership.objects.filter(contact=contact, group=group).exists()


@pytest.mark.django_db
def test_tax_ids_are_valid_nips_on_contacts_with_a_company(alice):
    seed_alice()
    contacts = Contact.objects.filter(account=alice)

    with_company = [c for c in contacts if c.company]
    assert 0 < len(with_company) < 200
    for contact in with_company:
        assert nip_is_valid(contact.tax_id), contact.tax_id
    assert all(c.tax_id == "" for c in contacts if not c.company)


@pytest.mark.django_db
def test_phones_are_unique_polish_mobiles_in_e164(alice):
    seed_alice()
    phones = list(Contact.objects.filter(account=alice).values_list("phone", flat=True))

    assert len(set(phones)) == len(phones) == 200
    for phone in phones:
        assert re.fullmatch(r"\+48[5-8]\d{8}", phone), phone
        assert normalise_phone(phone) == phone
        number = phonenumbers.parse(phone)
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE, phone


@pytest.mark.django_db
def test_some_contacts_are_in_no_group_and_some_in_several(alice):
    seed_alice()
    counts = group_counts(alice)

    assert counts.count(0) > 0
    assert counts.count(1) > counts.count(0)
    assert sum(1 for n in counts if n in (2, 3)) > 0
    assert max(counts) <= 3


@pytest.mark.django_db
def test_some_contacts_are_blacklisted(alice):
    seed_alice()
    listed = set(BlacklistedNumber.objects.filter(account=alice).values_list("phone", flat=True))
    blacklisted = Contact.objects.filter(account=alice, phone__in=listed).count()
    # Each number on the list is a contact's: the flag follows the list, by phone.
    assert listed <= set(Contact.objects.filter(account=alice).values_list("phone", flat=True))

    assert 0 < blacklisted < 20


@pytest.mark.django_db
def test_the_data_looks_polish(alice):
    seed_alice()
    contacts = list(Contact.objects.filter(account=alice))

    names = " ".join(f"{c.first_name} {c.last_name} {c.city}" for c in contacts)
    assert re.search("[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]", names)
    assert any(c.last_name.endswith(("ska", "cka")) for c in contacts)
    assert any(c.last_name.endswith(("ski", "cki")) for c in contacts)
    assert all(c.email.isascii() for c in contacts)
    assert any(c.email == "" for c in contacts)
    assert any(c.email for c in contacts)
    assert all(re.fullmatch(r"[^@\s]+@[a-z0-9.-]+\.[a-z]+", c.email) for c in contacts if c.email)
    assert any(c.address.startswith("ul. ") for c in contacts)
    assert all(c.city for c in contacts)
    assert any(c.description == "" for c in contacts)
    assert any(c.description for c in contacts)


@pytest.mark.django_db
def test_search_text_is_filled_as_the_model_builds_it(alice):
    seed_alice()

    for contact in Contact.objects.filter(account=alice):
        assert contact.search_text
        assert contact.search_text == build_search_text(contact)


@pytest.mark.django_db
def test_if_empty_leaves_an_account_with_data_alone(alice):
    Group.objects.create(account=alice, name="Jedyna grupa")

    out = seed_alice(20, 3, "--if-empty")

    assert list(Group.objects.filter(account=alice).values_list("name", flat=True)) == [
        "Jedyna grupa"
    ]
    assert not Contact.objects.filter(account=alice).exists()
    assert "left as it is" in out


@pytest.mark.django_db
def test_if_empty_fills_an_empty_account(alice):
    seed_alice(20, 3, "--if-empty")

    assert Contact.objects.filter(account=alice).count() == 20


@pytest.mark.django_db
def test_it_rejects_a_missing_account():
    with pytest.raises(CommandError, match="no sandbox account 'nobody'"):
        seed("--account", "nobody", "--contacts", "5", "--groups", "1")


@pytest.mark.django_db
def test_group_names_stay_distinct_past_the_list(alice):
    seed_alice(0, 100)

    names = list(Group.objects.filter(account=alice).order_by("id").values_list("name", flat=True))
    assert len(names) == len(set(names)) == 100
    assert names[:2] == group_names(2)
    assert "Newsletter 2" in names
