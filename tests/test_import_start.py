"""Starting an import (import/<id>/start/): a job whose items are the valid rows."""

from urllib.parse import urlencode

import pytest

from contacts_ui.models import ImportUpload, Job
from contacts_ui.sandbox.models import Contact
from tests import import_files
from tests.helpers import form_values, post_twice_at_once
from tests.import_files import HEADER, MAPPING, ROWS, _post_file, _preview_url, _upload
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the import modules (tests/import_files.py).
klienci = import_files.klienci


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
    # A group the rows were not checked against yet: the start reads its members.
    upload = _upload(client)
    page = client.get(_preview_url(upload)).content.decode()
    form = {**form_values(page, "import-start-form"), "g": [str(klienci.id)]}
    faults("http500")
    response = client.post(f"/import/{upload.pk}/start/", form, follow=True)
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


def test_the_start_form_posted_twice_starts_one_import(client, alice, klienci):
    upload = _upload(client)
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    form = form_values(page, "import-start-form")

    first = client.post(f"/import/{upload.pk}/start/", form)
    second = client.post(f"/import/{upload.pk}/start/", form, follow=True)

    job = Job.objects.get()
    assert first.url == f"/jobs/{job.pk}/"
    assert second.redirect_chain[0][0] == f"/jobs/{job.pk}/"
    assert "This import was started already." in second.content.decode()


def test_two_starts_posted_at_once_start_one_import(client, alice, klienci, monkeypatch):
    """Both requests pass the "started already?" check before either makes its job (a
    barrier holds them there); the form's one-time key lets only one job be made."""
    import threading

    from contacts_ui.jobs import runner

    upload = _upload(client)
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    form = form_values(page, "import-start-form")
    both_checked = threading.Barrier(2, timeout=10)
    start = runner.start

    def after_both_checked(*args, **kwargs):
        both_checked.wait()
        return start(*args, **kwargs)

    monkeypatch.setattr(runner, "start", after_both_checked)
    answers = post_twice_at_once(alice, f"/import/{upload.pk}/start/", form)

    job = Job.objects.get()
    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer.url for answer in answers} == {f"/jobs/{job.pk}/"}
