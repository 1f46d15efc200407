"""Importing contacts from a CSV file, end to end against the sandbox over real HTTP:
upload, map the columns, preview (a dry run), start the job, download the failed rows."""

import csv
import io
import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from contacts_ui.models import ImportUpload, Job, JobItem
from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import form_values, make_contact, make_user, sandbox_fails_after, table_rows
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

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


# --- Access --------------------------------------------------------------------------------


def test_it_requires_login(client, db):
    response = client.get("/import/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/import/"


def test_the_mapping_sends_a_user_without_credentials_to_enter_them(client, alice):
    upload = _upload(client)
    client.force_login(make_user("charlie"))
    response = client.get(f"/import/{upload.pk}/")
    assert response.url.startswith("/settings/credentials/?next=")


def test_other_users_get_404_for_every_step(client, alice, bob_account):
    upload = _upload(client)
    client.force_login(make_user("bob", token="bob-token"))
    assert client.get(f"/import/{upload.pk}/").status_code == 404
    assert client.get(_preview_url(upload)).status_code == 404
    assert client.get(f"/import/{upload.pk}/errors.csv?{urlencode(MAPPING)}").status_code == 404
    assert client.post(f"/import/{upload.pk}/start/", MAPPING).status_code == 404
    assert Job.objects.count() == 0


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(client, alice):
    upload = _upload(client)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    content = _csv([HEADER, *ROWS]).encode()
    response = browser.post("/import/", {"file": SimpleUploadedFile("k.csv", content)})
    assert response.status_code == 403
    assert browser.post(f"/import/{upload.pk}/start/", MAPPING).status_code == 403
    assert ImportUpload.objects.count() == 1
    assert Job.objects.count() == 0


def test_start_takes_only_a_post(client, alice):
    upload = _upload(client)
    assert client.get(f"/import/{upload.pk}/start/?{urlencode(MAPPING)}").status_code == 405


# --- Upload ----------------------------------------------------------------------------------


def test_the_upload_page_shows_a_file_field(client, alice):
    page = client.get("/import/").content.decode()
    assert "<title>Import contacts | SerwerSMS Contacts</title>" in page
    assert 'enctype="multipart/form-data"' in page
    assert '<input type="file" name="file"' in page


def test_an_upload_is_kept_decoded_for_its_owner(client, alice):
    upload = _upload(client)
    assert upload.user == alice
    assert upload.filename == "kontakty.csv"
    assert upload.encoding == "cp1250"
    assert upload.delimiter == ";"
    assert upload.text.startswith("Imię;Nazwisko;Telefon;E-mail;Miasto\r\n")


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


# --- Mapping ----------------------------------------------------------------------------------


def test_the_mapping_is_guessed_from_the_header_and_the_groups_are_offered(client, alice, klienci):
    upload = _upload(client)
    page = client.get(f"/import/{upload.pk}/").content.decode()
    assert "“kontakty.csv”: 7 rows, read as Windows-1250 text separated by semicolons." in page
    assert form_values(page, "import-map-form") == {
        "header": ["1"],
        "c1": ["first_name"],
        "c2": ["last_name"],
        "c3": ["phone"],
        "c4": ["email"],
        "c5": ["city"],
        "g": [],
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


# --- Preview ----------------------------------------------------------------------------------


def test_the_preview_shows_every_row_as_it_will_be_sent_with_its_errors(client, alice, klienci):
    upload = _upload(client)
    response = client.get(_preview_url(upload, g=klienci.id))
    assert response.status_code == 200
    page = response.content.decode()
    assert table_rows(page) == [
        ["2", "Already in the target group “Klienci”.", *ROWS[0][:2], "+48500600700", *ROWS[0][3:]],
        ["3", "Ready", "Jan", "Nowak", "+48501600700", "jan@example.pl", "Kraków"],
        ["4", "“12” is not a valid phone number.", "Ewa", "Zła", "12", "", "Gdańsk"],
        ["5", "The same phone number as line 3.", "Jan", "Nowak bis", "+48501600700", "", "Kraków"],
        [
            "6",
            "Last name is longer than 255 characters (256).",
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
        [*ROWS[2], "“12” is not a valid phone number."],
        [*ROWS[3], "The same phone number as line 3."],
        [*ROWS[4], "Last name is longer than 255 characters (256)."],
    ]


# --- Import ---------------------------------------------------------------------------------


def test_import_starts_a_job_whose_items_are_the_valid_rows(client, alice, klienci):
    upload = _upload(client)
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    response = client.post(f"/import/{upload.pk}/start/", form_values(page, "import-start-form"))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == f"/jobs/{job.pk}/"
    assert job.user == alice
    assert job.kind == Job.Kind.CONTACT_IMPORT
    assert job.title == "Import of kontakty.csv"
    assert job.params == {"header": HEADER, "upload_id": upload.pk}
    assert job.back_url == "/contacts/"
    empty = dict.fromkeys(["company", "tax_id", "address", "description"], "")
    assert [(item.label, item.payload) for item in job.items.order_by("position")] == [
        (
            "Jan Nowak (+48501600700)",
            {
                "row": 3,
                "data": {
                    "phone": "+48501600700",
                    "email": "jan@example.pl",
                    "first_name": "Jan",
                    "last_name": "Nowak",
                    "city": "Kraków",
                    **empty,
                },
                "group_ids": [klienci.id],
                "source": ROWS[1],
            },
        ),
        (
            "Piotr Wiśniewski (+48503600700)",
            {
                "row": 7,
                "data": {
                    "phone": "+48503600700",
                    "email": "",
                    "first_name": "Piotr",
                    "last_name": "Wiśniewski",
                    "city": "Poznań",
                    **empty,
                },
                "group_ids": [klienci.id],
                "source": ROWS[5],
            },
        ),
    ]
    # The job's page shows its progress.
    assert client.get(response.url).status_code == 200
    run_worker()
    # A job this small may have run within the request; either way both are in Klienci now.
    in_klienci = Contact.objects.filter(membership__group=klienci).order_by("phone")
    assert [c.phone for c in in_klienci] == ["+48500600700", "+48501600700", "+48503600700"]


def test_starting_when_the_api_fails_goes_back_to_the_preview_with_the_reason(
    client, alice, klienci, faults
):
    upload = _upload(client)
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    faults("http500")
    response = client.post(
        f"/import/{upload.pk}/start/", form_values(page, "import-start-form"), follow=True
    )
    assert response.redirect_chain[0][0] == _preview_url(upload, g=klienci.id)
    assert "The SerwerSMS API answered with an error (HTTP 500)." in response.content.decode()
    assert Job.objects.count() == 0


def test_starting_with_no_valid_row_says_so(client, alice):
    upload = _upload(client, [ROWS[2]])
    response = client.post(f"/import/{upload.pk}/start/", MAPPING, follow=True)
    assert "No row can be imported: every row has an error." in response.content.decode()
    assert Job.objects.count() == 0


def test_starting_with_a_bad_mapping_shows_the_mapping_again(client, alice):
    upload = _upload(client)
    response = client.post(f"/import/{upload.pk}/start/", {**MAPPING, "c3": ""})
    assert response.status_code == 200
    assert "Choose the column that holds the phone numbers." in response.content.decode()
    assert Job.objects.count() == 0


# --- The rows that failed ----------------------------------------------------------------------


def _failed_job(client, monkeypatch, settings) -> Job:
    """An import of five rows whose last three fail at the API."""
    rows = [["Osoba", str(n), f"50060070{n}", "", "Łódź"] for n in range(5)]
    upload = _upload(client, rows)
    client.post(f"/import/{upload.pk}/start/", MAPPING)
    settings.BULK_CONCURRENCY = 1
    sandbox_fails_after(monkeypatch, answered=2, mode="api_error")
    run_worker()
    return Job.objects.get()


def test_the_failed_rows_download_as_they_were_with_the_error(client, alice, monkeypatch, settings):
    job = _failed_job(client, monkeypatch, settings)
    assert job.items.filter(status=JobItem.Status.FAILED).count() == 3
    response = client.get(f"/jobs/{job.pk}/failed.csv")
    assert response["Content-Disposition"] == 'attachment; filename="kontakty-failed.csv"'
    refused = (
        "The SerwerSMS API refused the request: Wystąpił błąd wewnętrzny. "
        "Spróbuj ponownie później. (code 3000)."
    )
    assert _csv_rows(response) == [
        [*HEADER, "Error"],
        ["Osoba", "2", "500600702", "", "Łódź", refused],
        ["Osoba", "3", "500600703", "", "Łódź", refused],
        ["Osoba", "4", "500600704", "", "Łódź", refused],
    ]


def test_a_row_whose_outcome_is_unknown_is_among_the_failed_rows(
    client, alice, monkeypatch, settings
):
    job = _failed_job(client, monkeypatch, settings)
    job.items.filter(position=0).update(status=JobItem.Status.UNKNOWN, message="")
    rows = _csv_rows(client.get(f"/jobs/{job.pk}/failed.csv"))
    assert rows[1][:3] == ["Osoba", "0", "500600700"]
    assert rows[1][-1].startswith("No answer came: the contact may or may not have been added.")
    assert len(rows) == 5


def test_the_failed_rows_of_another_users_job_are_404(
    client, alice, bob_account, monkeypatch, settings
):
    job = _failed_job(client, monkeypatch, settings)
    client.force_login(make_user("bob", token="bob-token"))
    assert client.get(f"/jobs/{job.pk}/failed.csv").status_code == 404


def test_the_failed_rows_are_only_for_imports(client, alice):
    job = Job.objects.create(user=alice, kind=Job.Kind.CONTACT_DELETE, title="x", api_url="x")
    assert client.get(f"/jobs/{job.pk}/failed.csv").status_code == 404


def test_ten_thousand_rows_upload_preview_and_start(client, alice, klienci):
    lines = ["Imię;Nazwisko;Telefon;Miasto"]
    lines += [f"Osoba {n};Nazwisko {n};+48 5{n:08d};Łódź" for n in range(10_000)]
    _post_file(client, "\r\n".join(lines).encode("cp1250"), "duzy.csv")
    upload = ImportUpload.objects.get()
    mapping = form_values(client.get(f"/import/{upload.pk}/").content.decode(), "import-map-form")
    mapping["g"] = [str(klienci.id)]
    page = client.get(f"/import/{upload.pk}/preview/?{urlencode(mapping, doseq=True)}")
    page = page.content.decode()
    assert "10000 rows will be imported." in page
    assert "Page 1 of 100" in page
    client.post(f"/import/{upload.pk}/start/", form_values(page, "import-start-form"))
    assert Job.objects.get().items.count() == 10_000


def test_an_import_is_undone_as_a_whole_in_the_background(client, alice, alice_account, klienci):
    from contacts_ui.models import HistoryEntry
    from contacts_ui.sandbox.models import Contact
    from tests.jobs import run_worker

    rows = [[f"Imię{n}", "Testowa", f"5016007{n:02d}", "", "Łódź"] for n in range(25)]
    upload = _upload(client, rows=rows)
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    client.post(f"/import/{upload.pk}/start/", form_values(page, "import-start-form"))
    run_worker()
    job = Job.objects.get()
    before = set(Contact.objects.filter(account=alice_account).exclude(last_name="Testowa"))
    assert Contact.objects.filter(account=alice_account, last_name="Testowa").count() == 25
    assert HistoryEntry.objects.filter(batch=job.batch, action="contact_add").count() == 25
    assert (
        f'href="/history/batch/{job.batch}/undo/"'
        in client.get(f"/jobs/{job.pk}/").content.decode()
    )

    confirm = client.get(f"/history/batch/{job.batch}/undo/").content.decode()
    assert "undoes its 25 changes" in confirm and "in the background" in confirm
    response = client.post(f"/history/batch/{job.batch}/undo/")
    undo_job = Job.objects.get(kind=Job.Kind.HISTORY_UNDO)
    assert response.url == f"/jobs/{undo_job.pk}/"
    run_worker()

    undo_job.refresh_from_db()
    assert undo_job.state == Job.State.DONE
    assert set(Contact.objects.filter(account=alice_account)) == before
    assert HistoryEntry.objects.filter(undo_of__batch=job.batch, outcome="done").count() == 25


def test_a_retry_leaves_out_rows_that_may_have_been_added(client, alice, monkeypatch, settings):
    # A row with no answer may have been added; importing it again would make a second contact.
    job = _failed_job(client, monkeypatch, settings)
    job.items.filter(position=2).update(status=JobItem.Status.UNKNOWN)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Retry the 2 items that failed" in page
    assert "Retry leaves them out" in page

    response = client.post(f"/jobs/{job.pk}/retry/")

    retry = Job.objects.get(retry_of=job)
    assert response.url == f"/jobs/{retry.pk}/"
    assert sorted(item.payload["row"] for item in retry.items.all()) == [5, 6]
