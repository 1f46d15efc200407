"""The contacts list's bulk actions (contacts/action/): the action bar on the list, the
confirmation page, what is refused, and after confirming the job that changes exactly the
ticked contacts (and no others: not those gone meanwhile, not another account's)."""

import re

import pytest

from contacts_ui.models import Job, JobItem
from contacts_ui.sandbox.models import Contact, Group
from tests import bulk_actions
from tests.bulk_actions import (
    ACTION_URL,
    A,
    B,
    C,
    D,
    E,
    G,
    choose,
    confirm,
    groups_of,
)
from tests.helpers import form_values, make_contact, make_user
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Fixtures shared by the bulk action modules (tests/bulk_actions.py).
groups = bulk_actions.groups
people = bulk_actions.people


def listed(confirmation) -> list[str]:
    """The contacts the confirmation page lists, as text."""
    page = confirmation.content.decode()
    start = page.index('<ul id="action-contacts">')
    items = re.findall(r"<li>(.*?)</li>", page[start : page.index("</ul>", start)], re.S)
    return [" ".join(item.split()) for item in items]


def messages_on(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# --- The list: a checkbox per row and the action bar ------------------------------------


def test_the_list_shows_a_checkbox_per_row_and_the_action_bar(client, alice, people):
    page = client.get("/contacts/").content.decode()

    for contact in people.values():
        assert f'name="_selected_action" value="{contact.id}"' in page
    assert page.count('name="_selected_action"') == len(people)
    assert '<form method="post" id="changelist-form" action="/contacts/action/">' in page
    for value in ("delete", "add_to_group", "remove_from_group", "move_to_group"):
        assert f'<option value="{value}">' in page
    assert 'name="select_across" value="1" id="select-across"' in page


def test_the_list_form_carries_the_search_and_filter_to_the_action(client, alice, people, groups):
    page = client.get(f"/contacts/?q=Test&g={groups['Klienci'].id}").content.decode()

    values = form_values(page, "changelist-form")

    assert values["_changelist_filters"] == [f"q=Test&g={groups['Klienci'].id}"]


# --- The confirmation page ----------------------------------------------------------------


@pytest.mark.parametrize(
    "action, says, asks_for_group",
    [
        (
            "delete",
            "2 contacts will be deleted at SerwerSMS. Each is kept in the history and the "
            "trash, and the whole action can be undone from there.",
            False,
        ),
        (
            "add_to_group",
            "2 contacts will be added to the group chosen below; their other groups stay as they "
            "are.",
            True,
        ),
        (
            "remove_from_group",
            "2 contacts will be taken out of the group chosen below; the contacts themselves "
            "and their other groups stay.",
            True,
        ),
        (
            "move_to_group",
            "2 contacts will be taken out of every group they are in and put in the group "
            "chosen below.",
            True,
        ),
    ],
)
def test_the_confirmation_lists_the_ticked_contacts_and_says_what_will_happen(
    client, alice, alice_account, people, action, says, asks_for_group
):
    before = groups_of(alice_account)

    response = choose(client, action, [people["Adam"], people["Cezary"]])

    assert response.status_code == 200
    page = response.content.decode()
    assert says in page
    assert listed(response) == ["Adam Test (+48500600701)", "Cezary Test (+48500600703)"]
    assert ('<select name="group_id" id="id_group_id" required>' in page) == asks_for_group
    values = form_values(page, "action-confirm")
    assert values["_selected_action"] == [str(people["Adam"].id), str(people["Cezary"].id)]
    assert values["post"] == ["yes"]
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()


# --- Nothing chosen, no group, a bad group -------------------------------------------------


def test_no_ticked_contact_says_so_and_changes_nothing(client, alice, alice_account, people):
    before = groups_of(alice_account)

    response = choose(client, "delete", [])

    assert response.status_code == 302 and response.url == "/contacts/"
    page = client.get(response.url)
    assert "Items must be selected in order to perform actions on them." in messages_on(page)
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()


def test_no_action_chosen_says_so_and_changes_nothing(client, alice, alice_account, people):
    before = groups_of(alice_account)

    response = choose(client, "", [people["Adam"]], list_url="/contacts/?q=Adam")

    assert response.status_code == 302 and response.url == "/contacts/?q=Adam"
    assert "Choose an action." in messages_on(client.get(response.url))
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()


@pytest.mark.parametrize("action", ["add_to_group", "remove_from_group", "move_to_group"])
def test_confirming_a_group_action_without_a_group_asks_for_it_and_keeps_the_choice(
    client, alice, alice_account, people, action
):
    before = groups_of(alice_account)
    ticked = [people["Adam"], people["Beata"]]
    confirmation = choose(client, action, ticked)

    response = confirm(client, confirmation)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<ul class="errorlist"' in page and "Choose the group." in page
    values = form_values(page, "action-confirm")
    assert values["_selected_action"] == [str(contact.id) for contact in ticked]
    assert values["action"] == [action]
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()


@pytest.mark.parametrize("bad", ["999999", "abc", "-1", "1e3", "bobs"])
def test_a_bad_group_id_is_an_error_on_the_page_not_a_500(
    client, alice, alice_account, people, bob_account, bad
):
    if bad == "bobs":  # a real group, of someone else's account
        bad = str(Group.objects.create(account=bob_account, name="Bob's").id)
    before = groups_of(alice_account)
    confirmation = choose(client, "add_to_group", [people["Adam"]])
    values = form_values(confirmation.content.decode(), "action-confirm")
    values["group_id"] = [bad]

    response = client.post(ACTION_URL, values)

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()


# --- After confirming: the job, and exactly the change asked for ------------------------------


@pytest.mark.parametrize(
    "action, ticked, shown, group, changed",
    [
        ("delete", [A, B, C, D], "", None, {A: None, B: None, C: None, D: None}),
        (
            "add_to_group",
            [A, B, C, D],
            "",
            "VIP",
            {
                A: ["Klienci", "VIP"],
                B: ["Dostawcy", "Klienci", "VIP"],
                C: ["Dostawcy", "VIP"],
                D: ["VIP"],
            },
        ),
        (
            "remove_from_group",
            [A, B, E, G],
            "Klienci",
            "Klienci",
            {A: [], B: ["Dostawcy"], E: ["VIP"], G: []},
        ),
        (
            # From the group shown: the contacts' other groups stay.
            "move_to_group",
            [A, B, E, G],
            "Klienci",
            "Dostawcy",
            {A: ["Dostawcy"], B: ["Dostawcy"], E: ["Dostawcy", "VIP"], G: ["Dostawcy"]},
        ),
        (
            # With no group shown: out of every group, into the chosen one.
            "move_to_group",
            [A, B, C, E],
            "",
            "VIP",
            {A: ["VIP"], B: ["VIP"], C: ["VIP"], E: ["VIP"]},
        ),
    ],
)
def test_a_confirmed_action_runs_as_a_job_and_changes_exactly_the_ticked_contacts(
    client, alice, alice_account, people, groups, action, ticked, shown, group, changed
):
    before = groups_of(alice_account)
    list_url = f"/contacts/?g={groups[shown].id}" if shown else "/contacts/"
    confirmation = choose(client, action, [people[name] for name in ticked], list_url=list_url)
    # Removing from the group shown needs no choice: the page has chosen it.
    chosen = groups[group] if group and action != "remove_from_group" else None

    response = confirm(client, confirmation, group=chosen)

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.state == Job.State.QUEUED  # four items: the worker's
    assert groups_of(alice_account) == before
    run_worker()
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    expected = {name: names for name, names in before.items() if changed.get(name, 0) is not None}
    expected.update({name: names for name, names in changed.items() if names is not None})
    assert groups_of(alice_account) == expected
    assert job.back_url == list_url
    assert list(job.items.values_list("status", flat=True)) == [JobItem.Status.DONE] * 4


def test_three_contacts_or_fewer_are_done_within_the_request(
    client, alice, alice_account, people, groups
):
    confirmation = choose(client, "add_to_group", [people[A], people[C], people[D]])

    response = confirm(client, confirmation, group=groups["VIP"])

    job = Job.objects.get()
    assert job.state == Job.State.DONE  # no worker ran
    assert groups_of(alice_account)[A] == ["Klienci", "VIP"]
    assert groups_of(alice_account)[D] == ["VIP"]
    page = client.get(response.url).content.decode()
    assert "Finished" in page and "Done: 3" in page and "Left: 0" in page


def test_four_contacts_wait_for_the_worker(client, alice, alice_account, people, groups):
    before = groups_of(alice_account)
    confirmation = choose(client, "add_to_group", [people[A], people[B], people[C], people[D]])

    response = confirm(client, confirmation, group=groups["VIP"])

    assert Job.objects.get().state == Job.State.QUEUED
    assert groups_of(alice_account) == before
    assert "Waiting to start" in client.get(response.url).content.decode()


# --- Contacts gone since the list was shown ----------------------------------------------------


def test_contacts_deleted_since_the_list_was_shown_are_left_out_of_the_confirmation(
    client, alice, alice_account, people
):
    page = client.get("/contacts/").content.decode()
    values = form_values(page, "changelist-form") | {
        "action": ["delete"],
        "_selected_action": [str(people[name].id) for name in (A, B, C)],
    }
    Contact.objects.filter(id=people[B].id).delete()  # elsewhere, meanwhile

    response = client.post(ACTION_URL, values)

    assert "2 contacts will be deleted" in response.content.decode()
    assert listed(response) == ["Adam Test (+48500600701)", "Cezary Test (+48500600703)"]


def test_contacts_deleted_before_confirming_are_left_out_of_the_job(
    client, alice, alice_account, people
):
    confirmation = choose(client, "delete", [people[name] for name in (A, B, C, D, E)])
    Contact.objects.filter(id__in=[people[B].id, people[D].id]).delete()

    confirm(client, confirmation)

    job = Job.objects.get()
    assert list(job.items.values_list("label", flat=True)) == [
        "Adam Test (+48500600701)",
        "Cezary Test (+48500600703)",
        "Edward Test (+48500600705)",
    ]
    assert job.state == Job.State.DONE
    assert sorted(groups_of(alice_account)) == ["Franek", "Gosia"]


def test_contacts_deleted_before_the_worker_runs_are_skipped(client, alice, alice_account, people):
    confirmation = choose(client, "delete", [people[name] for name in (A, B, C, D)])
    confirm(client, confirmation)
    Contact.objects.filter(id=people[C].id).delete()

    run_worker()

    job = Job.objects.get()
    assert job.state == Job.State.DONE
    cezary = job.items.get(label="Cezary Test (+48500600703)")
    assert (cezary.status, cezary.message) == (JobItem.Status.SKIPPED, "It was no longer there.")
    assert sorted(groups_of(alice_account)) == ["Edward", "Franek", "Gosia"]


def test_when_every_ticked_contact_is_gone_nothing_starts(client, alice, alice_account, people):
    confirmation = choose(client, "delete", [people[A], people[B]])
    Contact.objects.filter(id__in=[people[A].id, people[B].id]).delete()

    response = confirm(client, confirmation)

    assert response.status_code == 200
    assert (
        "None of the selected contacts exists any more; nothing was changed."
        in response.content.decode()
    )
    assert not Job.objects.exists()


def test_a_ticked_id_of_another_accounts_contact_is_left_out(
    client, alice, alice_account, people, bob_account
):
    bobs = make_contact(bob_account, "+48600700800", first_name="Bobs")
    page = client.get("/contacts/").content.decode()
    values = form_values(page, "changelist-form") | {
        "action": ["delete"],
        "_selected_action": [str(people[A].id), str(bobs.id)],
    }

    confirmation = client.post(ACTION_URL, values)
    confirm(client, confirmation)

    assert listed(confirmation) == ["Adam Test (+48500600701)"]
    assert Contact.objects.filter(id=bobs.id).exists()
    assert A not in groups_of(alice_account)


# --- Failures, and who may act ---------------------------------------------------------------


@pytest.mark.parametrize("confirmed", [False, True])
def test_the_api_failing_is_said_on_the_page_not_a_500(
    client, alice, alice_account, people, groups, faults, confirmed
):
    confirmation = choose(client, "add_to_group", [people[A], people[B]])
    before = groups_of(alice_account)
    values = form_values(confirmation.content.decode(), "action-confirm")
    values["group_id"] = [str(groups["VIP"].id)]
    if not confirmed:
        del values["post"]
    faults("api_error")

    response = client.post(ACTION_URL, values)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="errornote" role="alert">The SerwerSMS API refused the request:' in page
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()


def test_the_action_needs_post(client, alice, alice_account, people):
    before = groups_of(alice_account)

    response = client.get(
        ACTION_URL, {"action": "delete", "_selected_action": people[A].id, "post": "yes"}
    )

    assert response.status_code == 405
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()


def test_a_user_without_credentials_is_sent_to_enter_them(client, db, people):
    client.force_login(make_user("charlie"))

    response = client.post(
        ACTION_URL, {"action": "delete", "_selected_action": people[A].id, "post": "yes"}
    )

    assert response.status_code == 302
    assert response.url.startswith("/settings/credentials/")
    assert not Job.objects.exists()


def test_a_few_ticked_contacts_gone_from_the_page_shown_are_read_one_by_one(
    client, alice, people, groups, wire
):
    # Ticked on the list filtered by Dostawcy, then posted as if the list showed VIP.
    ticked = [people[B], people[C]]
    page = client.get(f"/contacts/?g={groups['VIP'].id}").content.decode()
    values = {**form_values(page, "changelist-form"), "action": ["add_to_group"]}
    values["_selected_action"] = [str(contact.id) for contact in ticked]
    wire.clear()
    confirmation = client.post(ACTION_URL, values)
    assert confirmation.status_code == 200
    assert [call["url"].rsplit("/", 2)[-2:] for call in wire].count(["contacts", "view.json"]) == 2


def test_many_ticked_contacts_gone_from_the_page_shown_are_not_read_one_by_one(
    client, alice, alice_account, people, groups, wire
):
    others = [
        make_contact(alice_account, f"+4851000000{n}", first_name=f"Inny{n}") for n in range(6)
    ]
    page = client.get(f"/contacts/?g={groups['VIP'].id}").content.decode()
    values = {**form_values(page, "changelist-form"), "action": ["delete"]}
    values["_selected_action"] = [str(contact.id) for contact in others]
    wire.clear()
    response = client.post(ACTION_URL, values, follow=True)
    page = response.content.decode()
    assert "Many of the ticked contacts are no longer on the page shown" in page
    assert len(wire) <= 4  # the page as shown, the group list, the list shown again
    assert not Job.objects.exists()
