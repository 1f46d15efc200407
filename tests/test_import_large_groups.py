"""An import into a group too large to read within a request: the preview says so and
reads none of its members; the import reads them before it adds anything, and leaves out
the rows whose phone is in the group already, as the preview leaves out those it checks."""

import pytest

from contacts_ui.imports import views as import_views
from contacts_ui.models import Job, JobItem
from contacts_ui.sandbox.models import Contact
from tests import import_files
from tests.helpers import form_values, make_contact
from tests.import_files import _preview_url, _upload
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

klienci = import_files.klienci


@pytest.fixture
def large(monkeypatch, alice_account, klienci):
    """Klienci (Anna, +48500600700, and two more) counts as too large to check here."""
    make_contact(alice_account, "+48600000001", groups=[klienci])
    make_contact(alice_account, "+48600000002", groups=[klienci])
    monkeypatch.setattr(import_views, "CHECKED_HERE_UP_TO", 2)
    return klienci


def member_reads(wire) -> int:
    return sum(1 for call in wire if call["url"].endswith("contacts/index.json"))


def test_the_preview_reads_no_member_of_a_large_group_and_says_why(client, alice, large, wire):
    upload = _upload(client)
    wire.clear()

    page = client.get(_preview_url(upload, g=large.id)).content.decode()

    assert member_reads(wire) == 0
    assert "“Klienci” holds 3 contacts, too many to check here" in page
    # Anna's row is not marked: the import checks it.
    assert "in “Klienci” already" not in page


def test_the_import_leaves_out_the_phones_already_in_it(client, alice, alice_account, large):
    upload = _upload(client)
    page = client.get(_preview_url(upload, g=large.id)).content.decode()

    client.post(f"/import/{upload.pk}/start/", form_values(page, "import-start-form"))
    job = Job.objects.get(kind=Job.Kind.CONTACT_IMPORT)
    assert job.state == Job.State.QUEUED
    run_worker()

    skipped = JobItem.objects.get(job=job, status=JobItem.Status.SKIPPED)
    assert skipped.message == "Left out: the phone is in “Klienci” already."
    assert "Anna" in skipped.label
    assert Contact.objects.filter(account=alice_account, phone="+48500600700").count() == 1
    assert JobItem.objects.filter(job=job, status=JobItem.Status.DONE).count() == 2


def test_a_small_group_is_still_checked_in_the_preview(client, alice, klienci, wire):
    upload = _upload(client)
    wire.clear()

    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()

    assert member_reads(wire) == 1
    assert "too many to check here" not in page
