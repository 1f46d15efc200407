"""The heavy work of an import is done once, not at every step: the file is parsed when it
is uploaded; each row's own checks are made when the mapping is posted, and the target
groups' members read then, and both kept with the upload for the steps after (until the
person asks for a fresh check of the groups: test_import_recheck.py)."""

from datetime import datetime
from urllib.parse import urlencode

import pytest
from django.utils.formats import date_format
from django.utils.timezone import localtime

from contacts_ui.forms import ContactForm
from contacts_ui.imports import csv_rows
from contacts_ui.models import Job
from tests import import_files
from tests.db_snapshot import every_row
from tests.helpers import form_values
from tests.import_files import (
    MAPPING,
    ROWS,
    _preview_url,
    _previewed,
    _upload,
    membership_reads,
)

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the import modules (tests/import_files.py).
klienci = import_files.klienci

# More valid rows than a job runs within the request (jobs.runner.INLINE_ITEMS): the start
# only stores the job, so that the calls counted are the start's own.
MORE_ROWS = [*ROWS, *([f"Osoba{n}", "Nowa", f"50460070{n}", "", ""] for n in range(4))]


def _errors_csv_url(upload, **extra) -> str:
    return f"/import/{upload.pk}/errors.csv?{urlencode({**MAPPING, **extra})}"


def test_the_file_is_parsed_once_when_it_is_uploaded_and_not_at_each_step(
    client, alice, klienci, monkeypatch
):
    parsed = []
    read_table = csv_rows.read_table

    def counted(*args, **kwargs):
        parsed.append(args)
        return read_table(*args, **kwargs)

    monkeypatch.setattr(csv_rows, "read_table", counted)
    upload = _upload(client, MORE_ROWS)
    assert len(parsed) == 1

    assert "11 rows, read as" in client.get(f"/import/{upload.pk}/").content.decode()
    page = _previewed(client, upload, g=klienci.id)
    assert "6 rows will be imported." in page
    assert client.get(_preview_url(upload, g=klienci.id, errors=1)).status_code == 200
    assert client.get(_errors_csv_url(upload, g=klienci.id)).status_code == 200
    # Opened by its address, with a mapping that was never posted.
    assert client.get(_preview_url(upload, c5="description")).status_code == 200
    response = client.post(f"/import/{upload.pk}/start/", form_values(page, "import-start-form"))
    assert response.status_code == 302
    assert Job.objects.get().items.count() == 6

    assert len(parsed) == 1


def test_each_rows_own_checks_are_made_once_for_a_mapping_and_again_for_another(
    client, alice, klienci, monkeypatch
):
    checked = []
    clean_contact_fields = ContactForm.clean_contact_fields

    def counted(values):
        checked.append(values["phone"])
        return clean_contact_fields(values)

    monkeypatch.setattr(ContactForm, "clean_contact_fields", staticmethod(counted))
    upload = _upload(client, MORE_ROWS)
    page = _previewed(client, upload, g=klienci.id)
    assert len(checked) == len(MORE_ROWS)
    client.get(_preview_url(upload, g=klienci.id, errors=1))
    client.get(_errors_csv_url(upload, g=klienci.id))
    client.post(f"/import/{upload.pk}/start/", form_values(page, "import-start-form"))
    assert Job.objects.get().items.count() == 6
    assert len(checked) == len(MORE_ROWS)

    # Another mapping: the city column as the description.
    page = _previewed(client, upload, c5="description")
    assert len(checked) == 2 * len(MORE_ROWS)
    assert "<td>Łódź</td>" in page


def test_the_groups_members_are_read_at_the_first_check_and_not_again_at_later_steps(
    client, alice, klienci, wire
):
    upload = _upload(client, MORE_ROWS)
    page = _previewed(client, upload, g=klienci.id)
    assert len(membership_reads(wire)) == 1
    assert "Already in the target group “Klienci”." in page

    wire.clear()
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    # The phones read at the first check still mark the row that is in the group already.
    assert "Already in the target group “Klienci”." in page
    client.get(_preview_url(upload, g=klienci.id, errors=1, p=1))
    client.get(_errors_csv_url(upload, g=klienci.id))
    response = client.post(f"/import/{upload.pk}/start/", form_values(page, "import-start-form"))

    assert response.status_code == 302
    assert membership_reads(wire) == []
    # What was checked is what was started: Anna, in Klienci already, is left out.
    job = Job.objects.get()
    assert job.items.count() == 6
    assert "+48500600700" not in [item.payload["data"]["phone"] for item in job.items.all()]


def test_the_preview_says_when_the_groups_were_checked(client, alice, klienci):
    upload = _upload(client)
    page = _previewed(client, upload, g=klienci.id)
    upload.refresh_from_db()
    read_at = datetime.fromisoformat(upload.group_phones[str(klienci.id)]["read_at"])
    when = date_format(localtime(read_at), "DATETIME_FORMAT")
    assert f"Checked against the members of the groups on {when}." in page
    # With no group chosen there is nothing to check against, and nothing said of it.
    page = _previewed(client, upload)
    assert "Checked against the members of the groups" not in page


def test_a_group_added_to_the_choice_is_read_and_the_others_are_not_read_again(
    client, alice, klienci, wire
):
    dostawcy = klienci.account.groups.get(name="Dostawcy")
    upload = _upload(client)
    _previewed(client, upload, g=klienci.id)
    wire.clear()
    _previewed(client, upload, g=[klienci.id, dostawcy.id])
    assert [call["json"]["group_id"] for call in membership_reads(wire)] == [dostawcy.id]


def test_a_preview_opened_by_its_address_works_out_what_was_not_kept_and_keeps_nothing(
    client, alice, klienci, wire
):
    # A GET changes nothing: what no posted check kept, it works out for itself each time.
    upload = _upload(client)
    before = every_row()
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    assert "Already in the target group “Klienci”." in page
    assert "import-start-form" in page
    assert every_row() == before
    client.get(_preview_url(upload, g=klienci.id))
    assert len(membership_reads(wire)) == 2


def test_after_an_import_starts_its_groups_are_read_again_at_the_next_check(
    client, alice, klienci, wire
):
    # The import adds its rows to the groups: a check kept from before it would not know them.
    upload = _upload(client, MORE_ROWS)
    page = _previewed(client, upload, g=klienci.id)
    client.post(f"/import/{upload.pk}/start/", form_values(page, "import-start-form"))
    wire.clear()
    _previewed(client, upload, g=klienci.id)
    assert len(membership_reads(wire)) == 1
