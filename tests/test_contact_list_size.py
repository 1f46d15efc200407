"""The contacts list stays lean: 50 rows of realistic data, with its out-of-band parts."""

import gzip

import pytest

from contacts_ui.sandbox.seed import seed_account
from tests.helpers import table_rows

pytestmark = pytest.mark.django_db(transaction=True)

# What an htmx request for 50 rows may weigh on the wire (compressed, as every browser asks),
# the out-of-band parts (the filter sidebar with every group, the search state, the object
# tools) included.
LIMIT = 30 * 1024
# And as HTML: it was 88 KiB, a third of it indentation; it is now about 55.5 KiB. Each row is
# about 960 bytes, little of it whitespace or repetition: most is what a row must carry (its
# links with the list's state, the labels and the confirmation naming the contact, the
# admin's field-* classes).
HTML_LIMIT = 58 * 1024


@pytest.fixture
def demo_data(alice_account):
    """The demo's data: 2000 Polish contacts in 50 groups (manage.py seed_sandbox's)."""
    seed_account(alice_account, contacts=2000, groups=50)


def test_fifty_rows_and_the_out_of_band_parts_stay_under_the_limit(client, alice, demo_data):
    response = client.get("/contacts/?n=50", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert len(table_rows(body)) == 50
    rows = body[body.index("<tbody>") : body.index("</tbody>")]
    assert "\n" not in rows  # no indentation, 50 times over
    # Every group is in the sidebar (All and In no group besides).
    sidebar = body[body.index('<nav id="changelist-filter"') :]
    sidebar = sidebar[: sidebar.index("</nav>")]
    # And the three blacklist choices and the three optional columns.
    assert sidebar.count("<li") == 52 + 3 + 3
    assert len(response.content) < HTML_LIMIT, f"{len(response.content)} bytes"


def test_fifty_rows_go_compressed_under_30_kb(client, alice, demo_data):
    response = client.get(
        "/contacts/?n=50", headers={"HX-Request": "true", "Accept-Encoding": "gzip, br"}
    )
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(response.content) < LIMIT, f"{len(response.content)} bytes"
    body = gzip.decompress(response.content).decode()
    assert len(table_rows(body)) == 50
