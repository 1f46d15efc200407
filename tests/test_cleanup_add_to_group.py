"""Adding the contacts a scan found in no group to a group (cleanup/no-group/add/), confirmed
first."""

import pytest

from contacts_ui.models import Job
from contacts_ui.sandbox.models import Contact, Group, Membership
from tests import cleanup_findings
from tests.cleanup_findings import _id
from tests.helpers import form_values
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the cleanup modules (tests/cleanup_findings.py).
account = cleanup_findings.account
scanned = cleanup_findings.scanned


def test_adding_contacts_to_a_group_asks_first(client, alice, account, scanned):
    jan = Contact.objects.get(first_name="Jan")
    response = client.post("/cleanup/no-group/add/", {"id": [jan.id], "group_id": _id("VIP")})
    page = response.content.decode()
    assert "This adds 1 contact to the group “VIP”:" in page
    assert "<li>Jan (+48700800900)</li>" in page
    assert not Membership.objects.filter(contact=jan).exists()


def test_confirming_adds_them_to_the_group(client, alice, account, scanned):
    jan = Contact.objects.get(first_name="Jan")
    response = client.post(
        "/cleanup/no-group/add/", {"id": [jan.id], "group_id": _id("VIP"), "post": "yes"}
    )
    job = Job.objects.get(kind=Job.Kind.CONTACT_ADD_TO_GROUP)
    assert response.url == f"/jobs/{job.pk}/"
    assert job.params == {"group_id": _id("VIP"), "group_name": "VIP"}
    run_worker()
    assert list(Membership.objects.filter(contact=jan).values_list("group__name", flat=True)) == [
        "VIP"
    ]
    jan.refresh_from_db()
    assert jan.email == "jan@example.pl"


def test_choosing_no_group_is_refused_keeping_the_ticks(client, alice, account, scanned):
    jan = Contact.objects.get(first_name="Jan")
    page = client.post("/cleanup/no-group/add/", {"id": [jan.id]}).content.decode()
    assert "Choose the group to add them to." in page
    assert form_values(page, "ungrouped-form")["id"] == [str(jan.id)]


def test_a_group_deleted_since_the_scan_is_refused(client, alice, account, scanned):
    jan = Contact.objects.get(first_name="Jan")
    vip = _id("VIP")
    Group.objects.filter(id=vip).delete()
    page = client.post("/cleanup/no-group/add/", {"id": [jan.id], "group_id": vip}).content.decode()
    assert "That group no longer exists; choose another." in page
