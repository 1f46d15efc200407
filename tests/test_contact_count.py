"""The count of every contact a search finds (contacts/count/), offered when every row is
ticked."""

import pytest

from tests.helpers import make_contact

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_row_ticked_offers_the_number_the_search_finds(
    client, alice, alice_account, monkeypatch
):
    monkeypatch.setattr("contacts_ui.views.bulk.PAGE_LIMIT", 3)
    for n in range(7):
        make_contact(alice_account, f"+4850080{n:04d}", last_name="Nowak")
    make_contact(alice_account, "+48500809999", last_name="Kowalski")

    page = client.get("/contacts/count/?q=Nowak", headers={"HX-Request": "true"}).content.decode()

    assert "Apply to all 7 contacts this search finds" in page
    assert 'name="select_across"' in page and "hx-get" not in page


def test_the_number_the_list_said_is_offered_without_a_call(client, alice, alice_account, wire):
    for n in range(7):
        make_contact(alice_account, f"+4850080{n:04d}", last_name="Nowak")
    page = client.get("/contacts/", {"q": "Nowak", "n": "25"}).content.decode()
    assert "1–7 of 7" in page  # a single page: the list knows the number

    del wire[:]
    page = client.get("/contacts/count/?q=Nowak", headers={"HX-Request": "true"}).content.decode()

    assert "Apply to all 7 contacts this search finds" in page
    assert wire == []


def test_a_number_counted_for_ticking_every_row_is_the_lists_too(client, alice, alice_account):
    for n in range(30):
        make_contact(alice_account, f"+4850080{n:04d}", last_name="Nowak")
    client.get("/contacts/count/?q=Nowak", headers={"HX-Request": "true"})

    page = client.get("/contacts/", {"q": "Nowak", "n": "25"}).content.decode()

    assert "1–25 of 30" in page
