"""Uploading a CSV file to import (import/): kept parsed, or refused with a message."""

import pytest

from contacts_ui.models import ImportUpload
from tests.import_files import HEADER, ROWS, _csv, _post_file, _upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_upload_page_shows_a_file_field(client, alice):
    page = client.get("/import/").content.decode()
    assert "<title>Import contacts | SerwerSMS Contacts</title>" in page
    assert 'enctype="multipart/form-data"' in page
    assert '<input type="file" name="file"' in page


def test_an_upload_is_kept_parsed_for_its_owner(client, alice):
    upload = _upload(client)
    assert upload.user == alice
    assert upload.filename == "kontakty.csv"
    assert upload.encoding == "cp1250"
    assert upload.delimiter == ";"
    assert upload.records[:2] == [[1, HEADER], [2, ROWS[0]]]
    assert upload.width == len(HEADER)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\r\n\r\n", "The file is empty."),
        ("Imię;Nazwisko;Telefon\r\n".encode(), "The file holds only a row of column names"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "This file is not text"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50, "This is an Excel workbook"),
        (b'Telefon\n500600700\n"501600700\n502600700\n', "A quotation mark on line 3"),
    ],
    ids=["no bytes", "blank lines", "only a header", "an image", "a workbook", "open quote"],
)
def test_a_bad_upload_gets_a_message_and_is_not_kept(client, alice, content, message):
    response = _post_file(client, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ImportUpload.objects.count() == 0


def test_an_upload_without_a_file_is_refused(client, alice):
    response = client.post("/import/", {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_a_20_mb_upload_is_refused_with_a_message(client, alice):
    response = _post_file(client, b"Telefon\n" + b"500600700\n" * (2 * 1024 * 1024))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file is 20.0\xa0MB; an import takes files of up to 10.0\xa0MB." in page
    assert ImportUpload.objects.count() == 0


def test_more_rows_than_allowed_are_refused(client, alice, settings):
    settings.IMPORT_MAX_ROWS = 5
    response = _post_file(client, _csv([HEADER, *ROWS]).encode())
    assert "The file has more than 5 rows; one import takes up to 5." in response.content.decode()
