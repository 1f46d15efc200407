"""Merging similar groups (cleanup/groups/merge/): the one to keep, the one to merge into it,
then a job that moves everyone and deletes the emptied group."""

import pytest

from contacts_ui.models import Job
from contacts_ui.sandbox.models import Group
from tests import cleanup_findings
from tests.cleanup_findings import _id, _page
from tests.helpers import form_values
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the cleanup modules (tests/cleanup_findings.py).
account = cleanup_findings.account


def _groups_url(*ids, **extra) -> str:
    query = "&".join(f"id={i}" for i in ids)
    return f"/cleanup/groups/merge/?{query}" + "".join(f"&{k}={v}" for k, v in extra.items())


def test_group_review_suggests_keeping_the_fuller_group(client, alice, account):
    page = _page(client, _groups_url(_id("klienci "), _id("Klienci")))
    assert form_values(page, "keep-form")["keep"] == [str(_id("Klienci"))]


def test_the_confirmation_says_how_many_contacts_move_and_what_is_deleted(client, alice, account):
    page = _page(client, _groups_url(_id("Klienci"), _id("klienci "), keep=_id("klienci ")))
    assert (
        "This moves the 2 contacts of “Klienci” into “klienci ”, then deletes the group "
        "“Klienci”, emptied."
    ) in page
    assert not Job.objects.exists()


def test_merging_groups_moves_everyone_then_deletes_the_emptied_group(client, alice, account):
    klienci, lower = _id("Klienci"), _id("klienci ")
    values = form_values(_page(client, _groups_url(klienci, lower, keep=lower)), "merge-form")
    response = client.post("/cleanup/groups/merge/", values)
    job = Job.objects.get(kind=Job.Kind.GROUP_MERGE)
    assert response.url == f"/jobs/{job.pk}/"
    assert job.params == {
        "source_id": klienci,
        "source_name": "Klienci",
        "target_id": lower,
        "target_name": "klienci ",
    }
    run_worker()
    assert not Group.objects.filter(id=klienci).exists()
    assert Group.objects.get(id=lower).contacts.count() == 2


def test_with_three_groups_the_one_to_merge_must_be_chosen(client, alice, account):
    third = Group.objects.create(account=account, name="KLIĘNCI").id
    ids = (_id("Klienci"), _id("klienci "), third)
    page = _page(client, _groups_url(*ids, keep=third))
    assert "Choose the group to merge into the one kept." in page
    page = _page(client, _groups_url(*ids, keep=third, merge=third))
    assert "Choose a group other than the one kept." in page
    page = _page(client, _groups_url(*ids, keep=third, merge=_id("Klienci")))
    assert "This moves the 2 contacts of “Klienci” into “KLIĘNCI”" in page


def test_when_a_group_cannot_be_read_it_says_so(client, alice, account, faults):
    faults("api_error")
    response = client.get(_groups_url(_id("Klienci"), _id("klienci ")), follow=True)
    assert response.status_code == 200
    assert "Wystąpił błąd wewnętrzny" in response.content.decode()
