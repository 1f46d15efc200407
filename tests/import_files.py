"""The CSV file the import modules (test_import_*.py) upload, and the steps of an import:
upload, map the columns, preview (a dry run), start the job, download the failed rows; end to
end against the sandbox over real HTTP.

The fixture here is shared by assignment in each module (`klienci = import_files.klienci`):
other modules have fixtures of the same name that hold other things.
"""

import csv
import io
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts_ui.models import ImportUpload, Job
from contacts_ui.sandbox.models import Group
from tests.helpers import make_contact, sandbox_fails_after
from tests.jobs import run_worker

HEADER = ["Imię", "Nazwisko", "Telefon", "E-mail", "Miasto"]
LONG = "N" * 256
ROWS = [
    ["Anna", "Kowalska", "500 600 700", "anna@example.pl", "Łódź"],  # in Klienci already
    ["Jan", "Nowak", "501-600-700", "jan@example.pl", "Kraków"],
    ["Ewa", "Zła", "12", "", "Gdańsk"],
    ["Jan", "Nowak bis", "+48501600700", "", "Kraków"],
    ["Ola", LONG, "502600700", "", ""],
    ["Piotr", "Wiśniewski", "503600700", "", "Poznań"],
]
MAPPING = {"header": "1", "c1": "first_name", "c2": "last_name", "c3": "phone"}
MAPPING |= {"c4": "email", "c5": "city"}


def _csv(rows, delimiter=";") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _post_file(client, content: bytes, name="kontakty.csv"):
    return client.post("/import/", {"file": SimpleUploadedFile(name, content)})


def _upload(client, rows=ROWS, encoding="cp1250") -> ImportUpload:
    response = _post_file(client, _csv([HEADER, *rows]).encode(encoding))
    upload = ImportUpload.objects.latest("created_at")
    assert response.status_code == 302
    assert response.url == f"/import/{upload.pk}/"
    return upload


def _preview_url(upload, **extra) -> str:
    return f"/import/{upload.pk}/preview/?{urlencode({**MAPPING, **extra}, doseq=True)}"


def _previewed(client, upload, **extra) -> str:
    """The mapping form posted, as "Preview the import" posts it: the rows are checked and
    what was worked out kept. The preview it goes on to, as a page."""
    response = client.post(f"/import/{upload.pk}/preview/", {**MAPPING, **extra})
    assert response.status_code == 302
    assert response.url == _preview_url(upload, **extra)
    return client.get(response.url).content.decode()


def failed_import(client, monkeypatch, settings) -> Job:
    """An import of five rows (Osoba 0 to Osoba 4, 500600700 to 500600704) whose last three
    fail at the API."""
    rows = [["Osoba", str(n), f"50060070{n}", "", "Łódź"] for n in range(5)]
    upload = _upload(client, rows)
    client.post(f"/import/{upload.pk}/start/", MAPPING)
    settings.BULK_CONCURRENCY = 1
    sandbox_fails_after(monkeypatch, answered=2, mode="api_error")
    run_worker()
    return Job.objects.get()


def membership_reads(wire) -> list[dict]:
    """The calls (recorded by the `wire` fixture) that read a group's members: contacts/index
    with a group_id."""
    return [
        call
        for call in wire
        if call["url"].endswith("/contacts/index.json") and "group_id" in call["json"]
    ]


def _csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture
def klienci(alice_account):
    """Alice's group "Klienci", which holds Anna (+48500600700) already."""
    group = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, "+48500600700", groups=[group], first_name="Anna")
    Group.objects.create(account=alice_account, name="Dostawcy")
    return group
