"""A bulk action on every contact a search finds (select_across), over every page of it."""

import pytest

from contacts_ui.models import Job, JobItem
from contacts_ui.sandbox.models import Contact
from tests import bulk_actions
from tests.bulk_actions import choose, confirm
from tests.helpers import form_values, make_contact
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the bulk action modules (tests/bulk_actions.py).
groups = bulk_actions.groups


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of three, so that a few contacts make several pages of the API's index."""
    monkeypatch.setattr("contacts_ui.views.bulk.PAGE_LIMIT", 3)
    monkeypatch.setattr("contacts_ui.jobs.kinds.PAGE_LIMIT", 3)


@pytest.mark.parametrize("matching", [2, 3, 6, 7])
def test_select_across_counts_every_contact_the_search_finds_over_every_page(
    client, alice, alice_account, small_pages, matching
):
    for n in range(matching):
        make_contact(alice_account, f"+4850070{n:04d}", first_name=f"Jan{n}", last_name="Nowak")
    for n in range(4):
        make_contact(alice_account, f"+4850080{n:04d}", first_name=f"Ewa{n}", last_name="Lis")

    response = choose(client, "delete", list_url="/contacts/?q=Nowak", across=True)

    page = response.content.decode()
    assert f"{matching} contacts will be deleted at SerwerSMS." in page
    assert f"The {matching} contacts concerned" in page
    assert "Every contact the search finds when the work starts is included" in page
    assert form_values(page, "action-confirm")["select_across"] == ["1"]


def test_select_across_with_a_search_and_a_filter_changes_exactly_what_it_finds(
    client, alice, alice_account, small_pages, groups
):
    klienci, vip = groups["Klienci"], groups["VIP"]
    for n in range(7):
        make_contact(alice_account, f"+4850070{n:04d}", groups=[klienci], last_name="Nowak")
    make_contact(alice_account, "+48500800001", groups=[klienci], last_name="Lis")
    make_contact(alice_account, "+48500800002", last_name="Nowak")

    confirmation = choose(
        client, "add_to_group", list_url=f"/contacts/?q=Nowak&g={klienci.id}", across=True
    )
    assert "7 contacts will be added to the group chosen below" in confirmation.content.decode()
    confirm(client, confirmation, group=vip)
    run_worker()

    job = Job.objects.get()
    assert job.state == Job.State.DONE
    assert job.items.filter(status=JobItem.Status.DONE).count() == 7
    in_vip = Contact.objects.filter(groups=vip)
    assert sorted(in_vip.values_list("phone", flat=True)) == [f"+4850070{n:04d}" for n in range(7)]
