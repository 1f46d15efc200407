"""Undoing an import: its batch, as a whole, in the background."""

import pytest

from contacts_ui.models import Job
from tests import import_files
from tests.helpers import form_values
from tests.import_files import _preview_url, _upload

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the import modules (tests/import_files.py).
klienci = import_files.klienci


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
