"""What the variant is, found once: the first time a write shows what the configured API
does where its documents leave it open (a group kept after a change, a refusal of a
contact in no group), the application says so, keeps it for that API's address, and from
then on refuses the same action before anything is sent, in a sentence. The diagnostics
page says what it learned."""

import dataclasses
import re

import pytest
from django.core.management import CommandError

from contacts_ui.models import Job, JobItem, LearnedBehaviour
from contacts_ui.provider import (
    ADD_REQUIRES_GROUP,
    EDIT_ADDS_GROUPS,
    EDIT_REFUSES_NO_GROUPS,
    INDEX_REQUIRES_GROUP,
)
from tests import bulk_actions
from tests.bulk_actions import groups_of
from tests.helpers import form_values
from tests.jobs import run_worker
from tests.test_no_silent_success import _bulk, _change, said

pytestmark = pytest.mark.django_db(transaction=True)

groups = bulk_actions.groups
people = bulk_actions.people


def writes(wire, since: int = 0) -> list[str]:
    """The writes sent to the API (from the `since`-th call on), as "resource/action"."""
    actions = [re.search(r"/api/(\w+/\w+)\.json$", sent["url"]).group(1) for sent in wire[since:]]
    return [a for a in actions if a.split("/")[1] in ("add", "edit", "delete")]


def learned() -> list[str]:
    return list(LearnedBehaviour.objects.values_list("name", flat=True))


def test_once_the_api_kept_a_group_taking_a_contact_out_of_one_is_refused_before_sending(
    client, alice, alice_account, people, groups, settings, wire
):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    dostawcy = str(groups["Dostawcy"].id)
    vip = str(groups["VIP"].id)

    status, page = _change(client, people["Beata"], group_id=[dostawcy])
    assert status == 200
    assert "is still in “Klienci”" in " ".join(said(page))
    assert learned() == [EDIT_ADDS_GROUPS]

    seen = len(wire)
    status, page = _change(client, people["Edward"], group_id=[vip], city="Gdańsk")
    assert status == 200
    assert "does not take a contact out of a group" in " ".join(said(page))
    assert "Nothing was sent" in " ".join(said(page))
    assert writes(wire, seen) == []
    assert 'value="Gdańsk"' in page  # what was typed is kept
    assert groups_of(alice_account)["Edward"] == ["Klienci", "VIP"]


def test_a_change_that_takes_no_contact_out_of_a_group_still_goes_through(
    client, alice, alice_account, people, groups, settings
):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    _change(client, people["Beata"], group_id=[str(groups["Dostawcy"].id)])
    assert learned() == [EDIT_ADDS_GROUPS]

    status, _page = _change(
        client, people["Adam"], group_id=[str(groups["Klienci"].id), str(groups["VIP"].id)]
    )
    assert status == 302
    assert groups_of(alice_account)["Adam"] == ["Klienci", "VIP"]


def test_once_the_api_refused_a_contact_in_no_group_emptying_ones_groups_is_refused_before_sending(
    client, alice, alice_account, people, groups, settings, wire
):
    settings.SANDBOX_PROVIDER = ["edit-refuses-no-groups"]

    status, page = _change(client, people["Adam"], group_id=[])
    assert status == 200
    assert "SerwerSMS refused to leave “Adam Test” in no group" in " ".join(said(page))
    assert learned() == [EDIT_REFUSES_NO_GROUPS]

    seen = len(wire)
    status, page = _change(client, people["Cezary"], group_id=[])
    assert "does not leave a contact in no group" in " ".join(said(page))
    assert writes(wire, seen) == []
    assert groups_of(alice_account)["Cezary"] == ["Dostawcy"]


def test_once_the_api_refused_a_new_contact_in_no_group_adding_one_is_refused_before_sending(
    client, alice, alice_account, people, groups, settings, wire
):
    settings.SANDBOX_PROVIDER = ["add-requires-group"]
    new = {"phone": "+48500600790", "first_name": "Nowy"}

    page = client.post("/contacts/add/", new).content.decode()
    assert "SerwerSMS refused to add “Nowy” in no group" in " ".join(said(page))
    assert learned() == [ADD_REQUIRES_GROUP]

    seen = len(wire)
    page = client.post("/contacts/add/", {**new, "first_name": "Druga"}).content.decode()
    assert "adds a contact only into a group" in " ".join(said(page))
    assert writes(wire, seen) == []
    assert 'value="Druga"' in page

    response = client.post("/contacts/add/", {**new, "group_id": [groups["VIP"].id]})
    assert response.status_code == 302
    assert groups_of(alice_account)["Nowy"] == ["VIP"]


def test_a_bulk_removal_learns_from_its_first_item_and_sends_nothing_for_the_rest(
    client, alice, alice_account, people, groups, settings, wire
):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    settings.BULK_CONCURRENCY = 1
    klienci = groups["Klienci"]
    chosen = [people["Adam"], people["Beata"], people["Edward"], people["Gosia"]]

    outcome = _bulk(client, "remove_from_group", chosen, f"/contacts/?g={klienci.id}", klienci, {})

    assert not outcome.done
    job = Job.objects.latest("created_at")
    messages = list(job.items.order_by("position").values_list("message", flat=True))
    assert "is still in “Klienci”" in messages[0]
    assert all("Nothing was sent" in message for message in messages[1:])
    assert not job.items.filter(status=JobItem.Status.DONE).exists()
    assert writes(wire).count("contacts/edit") == 1
    assert learned() == [EDIT_ADDS_GROUPS]


def test_what_is_learned_holds_for_that_api_address_alone(
    client, alice, alice_account, people, groups, settings, wire
):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    LearnedBehaviour.objects.create(
        api_url="https://api2.serwersms.pl/", name=EDIT_ADDS_GROUPS, evidence="elsewhere"
    )
    status, page = _change(client, people["Beata"], group_id=[str(groups["Dostawcy"].id)])
    assert "is still in “Klienci”" in " ".join(said(page))  # tried here, and found out
    assert writes(wire).count("contacts/edit") == 1


def test_the_diagnostics_page_says_what_was_learned_and_when(
    client, alice, alice_account, people, groups, settings
):
    page = client.get("/settings/diagnostics/").content.decode()
    assert "Learned from this API" in page
    assert "Nothing so far" in page

    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    _change(client, people["Beata"], group_id=[str(groups["Dostawcy"].id)])

    page = client.get("/settings/diagnostics/").content.decode()
    assert "Changing a contact only adds groups" in page
    assert "is still in “Klienci”" in page
    assert "Nothing so far" not in page


def test_a_job_keeps_what_its_item_threads_learned(
    client, alice, alice_account, people, groups, settings
):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    klienci, vip = groups["Klienci"], groups["VIP"]
    chosen = [people["Adam"], people["Beata"]]
    _bulk(client, "move_to_group", chosen, f"/contacts/?g={klienci.id}", vip, {})
    run_worker()
    assert learned() == [EDIT_ADDS_GROUPS]


def test_an_api_that_lists_contacts_only_by_group_is_said_so_and_learned(
    client, alice, alice_account, people, groups, settings
):
    settings.SANDBOX_PROVIDER = ["index-requires-group"]
    sentence = "This SerwerSMS API lists contacts only group by group"

    page = client.get("/contacts/").content.decode()
    assert sentence in page
    assert f'<a href="?g={groups["Klienci"].id}">Klienci (4)</a>' in page
    assert learned() == [INDEX_REQUIRES_GROUP]

    page = client.get("/contacts/", {"q": "Test"}).content.decode()
    assert sentence in page

    page = client.get("/contacts/", {"g": groups["Klienci"].id}).content.decode()
    assert sentence not in page
    assert "Beata" in page


def test_the_diagnostics_learn_that_the_api_lists_contacts_only_by_group(
    client, alice, alice_account, settings
):
    settings.SANDBOX_PROVIDER = ["index-requires-group"]
    page = client.get("/settings/diagnostics/").content.decode()
    assert "lists contacts only group by group" in page
    assert learned() == [INDEX_REQUIRES_GROUP]


def test_a_saved_contract_check_teaches_what_to_refuse_before_any_write_finds_out(
    client, alice, alice_account, people, groups, settings, monkeypatch, api_url, wire
):
    from django.core.management import call_command

    monkeypatch.setenv("SERWERSMS_CONTRACT_URL", api_url)
    monkeypatch.setenv("SERWERSMS_CONTRACT_TOKEN", "alice-token")
    settings.SANDBOX_PROVIDER = ["edit-adds-groups", "add-requires-group"]
    with pytest.raises(CommandError):  # incompatible answers: exit status 1
        call_command("contract_check", save=True)
    assert sorted(learned()) == [ADD_REQUIRES_GROUP, EDIT_ADDS_GROUPS]

    seen = len(wire)
    status, page = _change(client, people["Beata"], group_id=[str(groups["Dostawcy"].id)])
    assert "does not take a contact out of a group" in " ".join(said(page))
    assert writes(wire, seen) == []
    assert (
        "The contract check: adds to them" in client.get("/settings/diagnostics/").content.decode()
    )


@pytest.mark.parametrize("action", ["remove_from_group", "move_to_group"])
def test_once_learned_a_bulk_action_taking_contacts_out_of_a_group_is_refused_at_its_confirmation(
    client, alice, alice_account, people, groups, settings, wire, action
):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    _change(client, people["Beata"], group_id=[str(groups["Dostawcy"].id)])
    klienci, vip = groups["Klienci"], groups["VIP"]
    before = groups_of(alice_account)
    seen = len(wire)

    outcome = _bulk(client, action, [people["Adam"]], f"/contacts/?g={klienci.id}", vip, {})

    assert not outcome.done
    assert "does not take a contact out of a group" in " ".join(outcome.sentences)
    assert not Job.objects.exists()
    assert writes(wire, seen) == []
    assert groups_of(alice_account) == before


def _merge_vip_into_klienci(client, groups):
    klienci, vip = groups["Klienci"].id, groups["VIP"].id
    page = client.get(f"/cleanup/groups/merge/?id={klienci}&id={vip}&keep={klienci}")
    client.post("/cleanup/groups/merge/", form_values(page.content.decode(), "merge-form"))
    run_worker()
    return Job.objects.get(kind=Job.Kind.GROUP_MERGE)


def test_once_learned_merging_groups_puts_members_in_the_kept_one_and_deletes_the_other(
    client, alice, alice_account, people, groups, settings
):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    _change(client, people["Beata"], group_id=[str(groups["Dostawcy"].id)])
    assert learned() == [EDIT_ADDS_GROUPS]

    job = _merge_vip_into_klienci(client, groups)

    assert job.state == Job.State.DONE
    assert job.result["note"] == "“VIP” was deleted."
    assert groups_of(alice_account)["Edward"] == ["Klienci"]


def test_a_merge_leaves_the_group_when_someone_was_put_in_it_meanwhile(
    client, alice, alice_account, people, groups, settings, monkeypatch
):
    from contacts_ui.jobs import kinds
    from contacts_ui.sandbox.models import Membership

    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    _change(client, people["Beata"], group_id=[str(groups["Dostawcy"].id)])
    merge_item = kinds.merge_into_target

    def and_someone_joins(recorder, payload, params):
        Membership.objects.get_or_create(contact=people["Franek"], group=groups["VIP"])
        return merge_item(recorder, payload, params)

    kind = kinds.KINDS[Job.Kind.GROUP_MERGE]
    monkeypatch.setitem(
        kinds.KINDS, Job.Kind.GROUP_MERGE, dataclasses.replace(kind, run_item=and_someone_joins)
    )

    job = _merge_vip_into_klienci(client, groups)

    assert "was not deleted: 1 contact was added to it meanwhile" in job.result["note"]
    assert groups_of(alice_account)["Franek"] == ["Dostawcy", "VIP"]
