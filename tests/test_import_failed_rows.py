"""The rows of an import that failed (jobs/<id>/failed.csv), downloaded as they were with the
error, and retried without those that may have been added."""

import pytest

from contacts_ui.models import Job, JobItem
from tests.helpers import make_user
from tests.import_files import HEADER, _csv_rows, failed_import

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_failed_rows_download_as_they_were_with_the_error(client, alice, monkeypatch, settings):
    job = failed_import(client, monkeypatch, settings)
    assert job.items.filter(status=JobItem.Status.FAILED).count() == 3
    response = client.get(f"/jobs/{job.pk}/failed.csv")
    assert response["Content-Disposition"] == 'attachment; filename="kontakty-failed.csv"'
    refused = (
        "The SerwerSMS API refused the request: Wystąpił błąd wewnętrzny. "
        "Spróbuj ponownie później. (code 9999)."
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
    job = failed_import(client, monkeypatch, settings)
    job.items.filter(position=0).update(status=JobItem.Status.UNKNOWN, message="")
    rows = _csv_rows(client.get(f"/jobs/{job.pk}/failed.csv"))
    assert rows[1][:3] == ["Osoba", "0", "500600700"]
    assert rows[1][-1].startswith("No answer came: the contact may or may not have been added.")
    assert len(rows) == 5


def test_the_failed_rows_of_another_users_job_are_404(
    client, alice, bob_account, monkeypatch, settings
):
    job = failed_import(client, monkeypatch, settings)
    client.force_login(make_user("bob", token="bob-token"))
    assert client.get(f"/jobs/{job.pk}/failed.csv").status_code == 404


def test_the_failed_rows_are_only_for_imports(client, alice):
    job = Job.objects.create(user=alice, kind=Job.Kind.CONTACT_DELETE, title="x", api_url="x")
    assert client.get(f"/jobs/{job.pk}/failed.csv").status_code == 404


def test_a_retry_leaves_out_rows_that_may_have_been_added(client, alice, monkeypatch, settings):
    # A row with no answer may have been added; importing it again would make a second contact.
    job = failed_import(client, monkeypatch, settings)
    job.items.filter(position=2).update(status=JobItem.Status.UNKNOWN)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Retry the 2 items that failed" in page
    assert "Retry leaves them out" in page

    response = client.post(f"/jobs/{job.pk}/retry/")

    retry = Job.objects.get(retry_of=job)
    assert response.url == f"/jobs/{retry.pk}/"
    assert sorted(item.payload["row"] for item in retry.items.all()) == [5, 6]
