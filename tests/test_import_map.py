"""Mapping an upload's columns to the contact's fields (import/<id>/), guessed first."""

import re
from urllib.parse import urlencode

import pytest

from contacts_ui.models import ImportUpload
from tests import import_files
from tests.helpers import form_values, table_rows
from tests.import_files import HEADER, ROWS, _csv, _post_file, _preview_url, _upload

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the import modules (tests/import_files.py).
klienci = import_files.klienci


def test_the_mapping_is_guessed_from_the_header_and_the_groups_are_offered(client, alice, klienci):
    upload = _upload(client)
    page = client.get(f"/import/{upload.pk}/").content.decode()
    assert "“kontakty.csv”: 7 rows, read as Windows-1250 text separated by semicolons." in page
    values = form_values(page, "import-map-form")
    assert values.pop("csrfmiddlewaretoken")
    assert values == {
        "header": ["1"],
        "c1": ["first_name"],
        "c2": ["last_name"],
        "c3": ["phone"],
        "c4": ["email"],
        "c5": ["city"],
        "g": [],
        "new_group": [""],
    }
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', page)
    assert [name for _id, name in options] == ["Dostawcy", "Klienci"]
    # The first rows, under the column pickers, as the file has them.
    sample = table_rows(page, "import-columns")
    assert sample[0] == ["1", *HEADER]
    assert sample[1] == ["2", *ROWS[0]]


def test_a_file_without_a_header_is_mapped_by_what_its_cells_hold(client, alice):
    _post_file(client, _csv(ROWS[1:2] + ROWS[5:]).encode())
    upload = ImportUpload.objects.get()
    page = client.get(f"/import/{upload.pk}/").content.decode()
    values = form_values(page, "import-map-form")
    assert "header" not in values
    assert values["c3"] == ["phone"]
    assert values["c4"] == ["email"]
    assert "Column 1" in page


def test_the_mapping_page_keeps_the_choices_sent_back_from_the_preview(client, alice, klienci):
    upload = _upload(client)
    query = urlencode({"c3": "phone", "c5": "description", "g": klienci.id})
    page = client.get(f"/import/{upload.pk}/?{query}").content.decode()
    values = form_values(page, "import-map-form")
    assert "header" not in values
    assert values["c5"] == ["description"]
    assert values["c1"] == [""]
    assert values["g"] == [str(klienci.id)]


def test_a_mapping_without_the_phone_is_shown_again_with_an_error(client, alice):
    upload = _upload(client)
    response = client.get(_preview_url(upload, c3=""))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the column that holds the phone numbers." in page
    values = form_values(page, "import-map-form")
    assert values["c1"] == ["first_name"]
    assert values["c3"] == [""]


def test_a_field_chosen_for_two_columns_is_an_error(client, alice):
    upload = _upload(client)
    page = client.get(_preview_url(upload, c2="first_name")).content.decode()
    assert "First name is chosen for column 1 already." in page


def test_the_mapping_page_says_when_the_groups_cannot_be_loaded(client, alice, faults):
    upload = _upload(client)
    faults("http500")
    response = client.get(f"/import/{upload.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert form_values(page, "import-map-form")["c3"] == ["phone"]


def test_previewing_posts_the_mapping_and_goes_on_to_the_preview_of_it(client, alice, klienci):
    upload = _upload(client)
    page = client.get(f"/import/{upload.pk}/").content.decode()
    assert f'<form method="post" action="/import/{upload.pk}/preview/" id="import-map-form"' in page
    values = {**form_values(page, "import-map-form"), "g": [str(klienci.id)]}
    response = client.post(f"/import/{upload.pk}/preview/", values)
    # To the preview, as an address that can be reloaded: the mapping in its query string.
    assert response.status_code == 302
    assert response.url == _preview_url(upload, g=klienci.id)
    page = client.get(response.url).content.decode()
    assert "2 rows will be imported." in page
