"""Reads adapt to the provider variants the application copes with: an API whose largest
limit is 100 is read 100 at a time (the first refusal costs one call, once), and an API
that lists a contact once per group shows each contact once."""

import re

import pytest

from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import (
    PAGE_LIMIT,
    SMALLER_LIMIT,
    Credentials,
    SerwerSMSClient,
    every_item,
)
from tests.helpers import make_contact, table_rows

pytestmark = pytest.mark.django_db(transaction=True)


def calls(wire) -> list[tuple[str, int | None]]:
    """Each index call made: "resource/action" and the limit asked for."""
    return [
        (re.search(r"/api/(\w+/\w+)\.json$", sent["url"]).group(1), sent["json"].get("limit"))
        for sent in wire
    ]


@pytest.fixture
def client_of_alice(api_url, alice_account):
    return SerwerSMSClient(Credentials("token", "", "alice-token"), api_url)


@pytest.fixture
def big_group(alice_account) -> Group:
    group = Group.objects.create(account=alice_account, name="Duża")
    for number in range(250):
        make_contact(alice_account, f"+48500{number:06d}", groups=[group], first_name=f"K{number}")
    return group


def test_an_api_refusing_our_limit_is_read_at_a_hundred_and_refused_once(
    client_of_alice, big_group, settings, wire
):
    settings.SANDBOX_PROVIDER = ["limit-100"]

    def read():
        def page(number):
            return client_of_alice.contacts_index(
                group_id=big_group.id, page=number, limit=PAGE_LIMIT
            )

        return every_item(page)

    assert len({contact.id for contact in read()}) == 250
    assert calls(wire) == [("contacts/index", PAGE_LIMIT)] + [("contacts/index", SMALLER_LIMIT)] * 3
    seen = len(wire)
    assert len(read()) == 250
    assert calls(wire[seen:]) == [("contacts/index", SMALLER_LIMIT)] * 3


def test_under_the_default_sandbox_reads_stay_at_our_limit(client_of_alice, big_group, wire):
    every_item(
        lambda p: client_of_alice.contacts_index(group_id=big_group.id, page=p, limit=PAGE_LIMIT)
    )
    assert calls(wire) == [("contacts/index", PAGE_LIMIT)]


def test_the_list_and_the_sidebar_work_under_a_limit_of_a_hundred(
    client, alice, big_group, settings
):
    settings.SANDBOX_PROVIDER = ["limit-100"]
    page = client.get("/contacts/", {"n": 200, "o": "first_name"}).content.decode()
    assert len(table_rows(page)) == SMALLER_LIMIT
    assert "Duża (250)" in page
    assert "errornote" not in page


def test_a_bulk_action_across_a_search_counts_every_contact_under_a_limit_of_a_hundred(
    client, alice, big_group, settings
):
    from tests.bulk_actions import choose

    settings.SANDBOX_PROVIDER = ["limit-100"]
    page = choose(client, "remove_from_group", list_url=f"/contacts/?g={big_group.id}", across=True)
    assert "250 contacts" in page.content.decode()


def test_a_contact_in_two_groups_is_listed_once_by_an_api_listing_it_once_per_group(
    client, alice, alice_account, settings
):
    settings.SANDBOX_PROVIDER = ["index-once-per-group"]
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    vip = Group.objects.create(account=alice_account, name="VIP")
    make_contact(alice_account, "+48500600701", groups=[klienci, vip], first_name="Beata")
    make_contact(alice_account, "+48500600702", groups=[klienci], first_name="Adam")

    page = client.get("/contacts/", {"o": "first_name"}).content.decode()
    rows = [" ".join(row) for row in table_rows(page)]
    assert len(rows) == 2, rows
    assert sum("Beata" in row for row in rows) == 1, rows

    exported = b"".join(client.get("/contacts/export.csv").streaming_content).decode("utf-8-sig")
    assert exported.count("+48500600701") == 1
    assert Contact.objects.count() == 2
