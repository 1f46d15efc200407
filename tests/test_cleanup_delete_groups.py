"""Deleting the empty groups a scan found (cleanup/empty-groups/delete/), confirmed first."""

import pytest

from contacts_ui.models import Job
from contacts_ui.sandbox.models import Group
from tests import cleanup_findings
from tests.cleanup_findings import _id, _page
from tests.helpers import form_values, make_contact
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the cleanup modules (tests/cleanup_findings.py).
account = cleanup_findings.account
scanned = cleanup_findings.scanned


def test_empty_groups_are_ticked_for_deletion_at_first(client, alice, scanned):
    values = form_values(_page(client), "empty-groups-form")
    assert sorted(values["id"]) == sorted([str(_id("Pusta")), str(_id("klienci "))])


def test_deleting_empty_groups_asks_first_naming_them(client, alice, scanned):
    response = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")]})
    page = response.content.decode()
    assert "This deletes 1 empty group at SerwerSMS:" in page
    assert "<li>“Pusta”</li>" in page
    assert form_values(page, "confirm-form")["post"] == ["yes"]
    assert Group.objects.filter(name="Pusta").exists()
    assert not Job.objects.exclude(kind=Job.Kind.ACCOUNT_SCAN).exists()


def test_confirming_deletes_the_groups_in_a_job(client, alice, scanned):
    response = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")], "post": "yes"})
    job = Job.objects.get(kind=Job.Kind.GROUP_DELETE)
    assert response.url == f"/jobs/{job.pk}/"
    run_worker()
    assert not Group.objects.filter(name="Pusta").exists()
    assert Group.objects.filter(name="Klienci").exists()


def test_a_group_that_filled_up_since_the_scan_is_left_out(client, alice, account, scanned):
    make_contact(account, "+48500999888", groups=[Group.objects.get(name="Pusta")])
    page = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")]}).content.decode()
    assert "Left out, because they hold contacts now:" in page
    assert "Nothing is left to delete." in page
    client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")], "post": "yes"})
    assert not Job.objects.exclude(kind=Job.Kind.ACCOUNT_SCAN).exists()


def test_ticking_no_group_is_said_on_the_page(client, alice, scanned):
    response = client.post("/cleanup/empty-groups/delete/", {})
    assert response.status_code == 200
    assert "Tick the groups to delete." in response.content.decode()


def test_a_group_the_scan_did_not_find_empty_cannot_be_ticked(client, alice, scanned):
    response = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Klienci")]})
    assert "Select a valid choice." in response.content.decode()
    assert not Job.objects.exclude(kind=Job.Kind.ACCOUNT_SCAN).exists()


def test_when_the_groups_cannot_be_read_the_ticks_are_kept(client, alice, scanned, faults):
    faults("http500")
    response = client.post("/cleanup/empty-groups/delete/", {"id": [_id("Pusta")]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert "Your choices are kept; try again." in page
    assert form_values(page, "empty-groups-form")["id"] == [str(_id("Pusta"))]


def test_with_no_scan_a_fix_asks_for_one_first(client, alice, account):
    response = client.post("/cleanup/empty-groups/delete/", {"id": ["1"]}, follow=True)
    assert "Look for what needs tidying first." in response.content.decode()
