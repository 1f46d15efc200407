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
