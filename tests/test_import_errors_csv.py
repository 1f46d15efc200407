"""The rows with errors, downloaded as CSV (import/<id>/errors.csv)."""

from urllib.parse import urlencode

import pytest

from tests import import_files
from tests.import_files import HEADER, MAPPING, ROWS, _csv_rows, _upload

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the import modules (tests/import_files.py).
klienci = import_files.klienci


def test_the_rows_with_errors_download_as_csv_with_an_error_column(client, alice, klienci):
    upload = _upload(client)
    response = client.get(
        f"/import/{upload.pk}/errors.csv?{urlencode({**MAPPING, 'g': klienci.id})}"
    )
    assert response["Content-Disposition"] == 'attachment; filename="kontakty-errors.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert _csv_rows(response) == [
        [*HEADER, "Error"],
        [*ROWS[0], "Already in the target group “Klienci”."],
        [*ROWS[2], "Phone: Enter a phone number, such as 500 600 700 or +48 500 600 700."],
        [*ROWS[3], "The same phone number as line 3."],
        [*ROWS[4], "Last name: Ensure this value has at most 255 characters (it has 256)."],
    ]
