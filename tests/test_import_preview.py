"""The preview of an import (import/<id>/preview/): a dry run, every row as it will be sent."""

import pytest

from contacts_ui.models import Job
from contacts_ui.sandbox.models import Contact
from tests import import_files
from tests.helpers import table_rows
from tests.import_files import LONG, MAPPING, ROWS, _preview_url, _upload

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the import modules (tests/import_files.py).
klienci = import_files.klienci


def test_the_preview_shows_every_row_as_it_will_be_sent_with_its_errors(client, alice, klienci):
    upload = _upload(client)
    response = client.get(_preview_url(upload, g=klienci.id))
    assert response.status_code == 200
    page = response.content.decode()
    assert table_rows(page) == [
        ["2", "Already in the target group “Klienci”.", *ROWS[0][:2], "+48500600700", *ROWS[0][3:]],
        ["3", "Ready", "Jan", "Nowak", "+48501600700", "jan@example.pl", "Kraków"],
        [
            "4",
            "Phone: Enter a phone number, such as 500 600 700 or +48 500 600 700.",
            "Ewa",
            "Zła",
            "12",
            "",
            "Gdańsk",
        ],
        ["5", "The same phone number as line 3.", "Jan", "Nowak bis", "+48501600700", "", "Kraków"],
        [
            "6",
            "Last name: Ensure this value has at most 255 characters (it has 256).",
            "Ola",
            LONG,
            "+48502600700",
            "",
            "",
        ],
        ["7", "Ready", "Piotr", "Wiśniewski", "+48503600700", "", "Poznań"],
    ]
    assert "2 rows will be imported." in page
    assert "4 rows have errors and will be left out." in page
    assert "The contacts will be added to: “Klienci”" in page
    assert 'value="Import 2 contacts"' in page


def test_the_preview_writes_nothing(client, alice, klienci):
    upload = _upload(client)
    client.get(_preview_url(upload, g=klienci.id))
    assert Contact.objects.count() == 1
    assert Job.objects.count() == 0


def test_the_preview_can_show_only_the_rows_with_errors(client, alice, klienci):
    upload = _upload(client)
    page = client.get(_preview_url(upload, g=klienci.id, errors=1)).content.decode()
    assert [row[0] for row in table_rows(page)] == ["2", "4", "5", "6"]
    assert "Only rows with errors (4)" in page


def test_the_preview_is_paginated(client, alice):
    rows = [["Osoba", str(n), f"5006{n:05d}", "", ""] for n in range(250)]
    upload = _upload(client, rows)
    page = client.get(_preview_url(upload, p=3)).content.decode()
    assert [row[0] for row in table_rows(page)] == [str(n) for n in range(202, 252)]
    assert "Page 3 of 3" in page
    assert "250 rows will be imported." in page


def test_an_htmx_request_gets_the_rows_alone(client, alice):
    upload = _upload(client)
    response = client.get(_preview_url(upload, errors=1), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="import-rows"')
    assert "HX-Request" in response["Vary"]


def test_the_preview_says_when_the_groups_cannot_be_read_and_offers_no_import(
    client, alice, klienci, faults
):
    upload = _upload(client)
    faults("http500")
    response = client.get(_preview_url(upload, g=klienci.id))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert "import-start-form" not in page
    # The mapping is kept in the way back to it.
    assert f"/import/{upload.pk}/?header=1&amp;c1=first_name" in page


def test_a_check_posted_when_the_api_fails_goes_on_to_the_preview_which_says_why(
    client, alice, klienci, faults
):
    upload = _upload(client)
    faults("http500")
    response = client.post(f"/import/{upload.pk}/preview/", {**MAPPING, "g": klienci.id})
    assert response.url == _preview_url(upload, g=klienci.id)
    page = client.get(response.url).content.decode()
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert "import-start-form" not in page
