"""The bulk action "add to a group": the group picker, and contacts already in the group."""

import pytest

from contacts_ui.models import HistoryEntry, Job, JobItem
from tests import bulk_actions
from tests.bulk_actions import A, C, D, E, choose, confirm, groups_of
from tests.helpers import table_rows
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the bulk action modules (tests/bulk_actions.py).
groups = bulk_actions.groups
people = bulk_actions.people


def test_the_group_picker_offers_every_group_and_chooses_none_for_adding(
    client, alice, people, groups
):
    response = choose(client, "add_to_group", [people["Adam"]])

    page = response.content.decode()
    for group in groups.values():
        assert f'<option value="{group.id}">{group.name} (' in page
    assert " selected>" not in page[page.index('id="id_group_id"') :]


def test_adding_a_contact_already_in_the_group_skips_it_with_a_note(
    client, alice, alice_account, people, groups
):
    confirmation = choose(client, "add_to_group", [people[A], people[E], people[C], people[D]])
    confirm(client, confirmation, group=groups["VIP"])

    run_worker()

    job = Job.objects.get()
    edward = job.items.get(label="Edward Test (+48500600705)")
    assert (edward.status, edward.message) == (JobItem.Status.SKIPPED, "Already in “VIP”.")
    assert job.items.filter(status=JobItem.Status.DONE).count() == 3
    assert groups_of(alice_account)[E] == ["Klienci", "VIP"]
    # Nothing was written for it, so nothing is in the history.
    assert HistoryEntry.objects.filter(batch=job.batch).count() == 3
    assert not HistoryEntry.objects.filter(target_id=people[E].id).exists()
    page = client.get(f"/jobs/{job.pk}/?items=all").content.decode()
    assert "Done: 4 (of which 1 needed nothing)" in page
    assert ["Edward Test (+48500600705)", "nothing to do", "Already in “VIP”."] in table_rows(
        page, "job-items"
    )
