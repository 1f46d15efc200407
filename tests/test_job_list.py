"""The list of jobs (jobs/): the person's own only."""

import pytest

from contacts_ui.models import Job
from contacts_ui.sandbox.models import Group
from tests import job_steps
from tests.helpers import make_contact, table_rows
from tests.job_steps import start

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the job modules (tests/job_steps.py).
people = job_steps.people


def test_the_job_list_shows_the_users_own_jobs_only(
    client, alice, alice_account, people, bob_client, bob_account
):
    bobs = make_contact(bob_account, "+48600700800", first_name="Bobs")
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    start(client, "delete", people[:4])
    start(client, "add_to_group", people[4:], group=klienci)
    bob_client.post(
        "/contacts/action/", {"action": "delete", "post": "yes", "_selected_action": bobs.id}
    )
    assert Job.objects.filter(user__username="bob").count() == 1

    page = client.get("/jobs/").content.decode()

    rows = table_rows(page)
    assert [row[0] for row in rows] == [
        "Add selected contacts to a group: Klienci",
        "Delete selected contacts",
    ]
    assert [row[2:] for row in rows] == [
        ["finished", "1", "0", "0"],
        ["waiting to start", "0", "0", "4"],
    ]
    assert "/jobs/" + str(Job.objects.get(user__username="bob").pk) not in page
