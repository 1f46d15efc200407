"""The scan (cleanup/scan/): a job that reads the whole account and finds what to tidy."""

import re

import pytest

from contacts_ui.cleanup import detectors
from contacts_ui.models import Job
from contacts_ui.sandbox.models import Group
from tests import cleanup_findings
from tests.cleanup_findings import _page, _scan
from tests.helpers import table_rows
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the cleanup modules (tests/cleanup_findings.py).
account = cleanup_findings.account


def test_looking_starts_a_scan_in_the_background(client, alice):
    response = client.post("/cleanup/scan/")
    job = Job.objects.get()
    assert job.kind == Job.Kind.ACCOUNT_SCAN
    assert job.user == alice
    assert job.back_url == "/cleanup/"
    assert response.url == f"/jobs/{job.pk}/"


def test_a_scan_under_way_is_not_started_twice(client, alice):
    first = client.post("/cleanup/scan/").url
    assert client.post("/cleanup/scan/").url == first
    assert Job.objects.count() == 1
    assert "A scan is under way." in _page(client)


def test_the_scan_finds_each_kind_of_untidiness(client, alice, account):
    job = _scan(client)
    assert job.state == Job.State.DONE
    page = _page(client)
    assert [row[-1] for row in table_rows(page, "empty-groups")] == ["“klienci ”", "“Pusta”"]
    assert [row[-2:] for row in table_rows(page, "ungrouped")] == [["Jan", "+48700800900"]]
    [phone_row] = table_rows(page, "phone-duplicates")
    assert phone_row[:3] == ["+48500100200", "“Klienci”", "Anna; Kowalska"]
    [person_row] = table_rows(page, "person-duplicates")
    assert person_row[:2] == [
        "e-mail",
        "+48600700800 (Jan@Example.pl): “VIP” Jan (+48700800900, jan@example.pl): in no group",
    ]
    [similar_row] = table_rows(page, "similar-groups")
    assert similar_row[0] == "“Klienci” (2 contacts), “klienci ” (0 contacts)"


def test_a_scan_that_failed_says_why(client, alice, account, faults):
    client.post("/cleanup/scan/")
    faults("api_error")
    run_worker()
    assert Job.objects.get().state == Job.State.STOPPED
    page = _page(client)
    assert "The last scan stopped:" in page
    assert "Look for what needs tidying" in page


def test_a_scan_reads_every_page(client, alice, account, monkeypatch, wire):
    monkeypatch.setattr(detectors, "PAGE_LIMIT", 1)
    _scan(client)
    pages = [
        (re.sub(r".*/api/", "", call["url"]), call["json"].get("group_id"), call["json"]["page"])
        for call in wire
        if call["url"].endswith("index.json")
    ]
    klienci = Group.objects.get(name="Klienci").id
    assert ("contacts/index.json", klienci, 2) in pages
    assert ("groups/index.json", None, 4) in pages
    found = Job.objects.get().result
    assert found["counts"] == {"groups": 4, "contacts": 4}
