"""A CSV import can put rows' numbers on the blacklist: a column mapped to it (guessed from
a "Czarna lista" header), yes or no in any common spelling; the preview shows it, a value
that is neither is an error of its row, and the job lists each such number before it adds
the contact, recorded in the history."""

import pytest

from contacts_ui.models import HistoryEntry, Job
from contacts_ui.sandbox.models import BlacklistedNumber, Contact
from tests.helpers import form_values
from tests.import_files import _csv, _post_file
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["Imię", "Telefon", "Czarna lista"]
ROWS = [
    ["Anna", "500 600 701", "tak"],
    ["Jan", "500 600 702", ""],
    ["Ewa", "500 600 703", "X"],
    ["Ola", "500 600 704", "może"],
    ["Piotr", "500 600 705", "nie"],
]
MAPPING = {"header": "1", "c1": "first_name", "c2": "phone", "c3": "blacklist"}


@pytest.fixture
def upload_id(client, alice):
    response = _post_file(client, _csv([HEADER, *ROWS]).encode("utf-8"))
    return int(response.url.strip("/").split("/")[-1])


def test_a_blacklist_header_is_guessed(client, upload_id):
    page = client.get(f"/import/{upload_id}/").content.decode()
    assert form_values(page, "import-map-form")["c3"] == ["blacklist"]


def test_the_preview_shows_the_column_and_refuses_a_value_that_is_neither(client, upload_id):
    response = client.post(f"/import/{upload_id}/preview/", MAPPING, follow=True)
    page = response.content.decode()
    assert "On the blacklist (no messages)" in page
    line_of_ola = page[page.index('id="import-line-5"') :]
    line_of_ola = line_of_ola[: line_of_ola.index("</tr>")]
    assert "“może” in the blacklist column is neither yes nor no" in line_of_ola
    line_of_anna = page[page.index('id="import-line-2"') :]
    assert "<td>Yes</td>" in line_of_anna[: line_of_anna.index("</tr>")]
    assert not BlacklistedNumber.objects.exists()  # a dry run


def test_the_import_lists_the_numbers_marked_yes(client, alice_account, upload_id):
    preview = client.post(f"/import/{upload_id}/preview/", MAPPING, follow=True)
    start = form_values(preview.content.decode(), "import-start-form")
    client.post(f"/import/{upload_id}/start/", start)
    run_worker()

    assert Job.objects.get().state == Job.State.DONE
    listed = set(BlacklistedNumber.objects.values_list("phone", flat=True))
    assert listed == {"+48500600701", "+48500600703"}
    assert set(Contact.objects.values_list("first_name", flat=True)) == {
        "Anna",
        "Jan",
        "Ewa",
        "Piotr",
    }
    assert sorted(
        HistoryEntry.objects.filter(action="blacklist_add").values_list("phone", "target_name")
    ) == [("+48500600701", "Anna"), ("+48500600703", "Ewa")]
