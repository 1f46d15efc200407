"""The sandbox sorts text as a Polish user expects: case does not set the order, and
Ą, Ć, Ę, Ł, Ń, Ó, Ś, Ź, Ż are letters of their own after their Latin ones. The same order
on SQLite (the sandbox's collation function) and PostgreSQL (ICU's Polish collation): CI runs
this module on both, against the one expected list, which is PostgreSQL's own answer."""

import random

import pytest

from contacts_ui.sandbox import collation
from contacts_ui.serwersms import ContactData, Credentials, SerwerSMSClient, every_item

IN_POLISH_ORDER = [
    "1. Brygada",
    "adam",
    "Adam",
    "Anna Maria",
    "Annabel",
    "Ąkowski",
    "Bartek",
    "Cyran",
    "Ćwik",
    "Edek",
    "Émile",
    "Ewa",
    "Ęby",
    "lech",
    "Lucyna",
    "Łukasz",
    "Nowak",
    "Ńeee",
    "O'Brien",
    "Owca",
    "Ósemka",
    "Sara",
    "Śliwa",
    "Zenon",
    "Źrebak",
    "Żaneta",
]


@pytest.fixture
def client(api_url, alice_account):
    return SerwerSMSClient(Credentials("token", "", "alice-token"), api_url)


@pytest.fixture
def shuffled():
    names = IN_POLISH_ORDER[:]
    random.Random(15).shuffle(names)
    return names


def test_contacts_are_sorted_by_name_in_polish_order(client, shuffled):
    for number, name in enumerate(shuffled):
        client.contacts_add(ContactData(phone=f"+4850060{number:04d}", last_name=name), [])

    def read(order):
        return every_item(
            lambda page: client.contacts_index(sort="last_name", order=order, page=page, limit=10)
        )

    assert [c.last_name for c in read("asc")] == IN_POLISH_ORDER
    assert [c.last_name for c in read("desc")] == IN_POLISH_ORDER[::-1]


def test_a_search_is_sorted_in_polish_order_too(client, shuffled):
    for number, name in enumerate(shuffled):
        client.contacts_add(
            ContactData(phone=f"+4850060{number:04d}", city="Łódź", company=name), []
        )
    found = client.contacts_index(search="łódź", sort="company", order="asc").items
    assert [c.company for c in found] == IN_POLISH_ORDER


def test_groups_are_sorted_by_name_in_polish_order(client, shuffled):
    for name in shuffled:
        client.groups_add(name)
    listed = client.groups_index(sort="name", order="asc").items
    assert [g.name for g in listed] == IN_POLISH_ORDER


def test_names_that_differ_only_in_case_or_accent_stay_two_names():
    assert collation.compare("Adam", "adam") != 0
    assert collation.compare("Émile", "Emile") != 0
    assert collation.compare("Łukasz", "Łukasz") == 0
