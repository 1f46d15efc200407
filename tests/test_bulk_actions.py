"""Bulk actions on the contacts list: tick rows (or every contact a search finds), choose an
action, confirm on a page that says what will change, and the work runs as a job.

Each action is checked in the sandbox's own store: every contact's groups after the job, the
chosen ones changed exactly, the others untouched.
"""

import re

import pytest

from contacts_ui.models import HistoryEntry, Job, JobItem
from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import form_values, make_contact, make_user, table_rows
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

ACTION_URL = "/contacts/action/"


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def groups(alice_account) -> dict[str, Group]:
    return {
        name: Group.objects.create(account=alice_account, name=name)
        for name in ("Klienci", "Dostawcy", "VIP")
    }


@pytest.fixture
def people(alice_account, groups) -> dict[str, Contact]:
    """Seven contacts in overlapping groups; Klienci holds four of them."""
    klienci, dostawcy, vip = groups["Klienci"], groups["Dostawcy"], groups["VIP"]
    memberships = {
        "Adam": [klienci],
        "Beata": [klienci, dostawcy],
        "Cezary": [dostawcy],
        "Dorota": [],
        "Edward": [klienci, vip],
        "Franek": [dostawcy],
        "Gosia": [klienci],
    }
    return {
        name: make_contact(
            alice_account, f"+4850060070{n}", groups=in_groups, first_name=name, last_name="Test"
        )
        for n, (name, in_groups) in enumerate(memberships.items(), start=1)
    }


def groups_of(account) -> dict[str, list[str]]:
    """Every contact of the account, by first name, with the names of its groups."""
    return {
        contact.first_name: sorted(contact.groups.values_list("name", flat=True))
        for contact in Contact.objects.filter(account=account)
    }


def choose(client, action: str, contacts=(), list_url: str = "/contacts/", across=False):
    """Tick these rows on the list as shown at list_url, choose the action and press Go
    (or "Apply to every contact this search finds")."""
    page = client.get(list_url).content.decode()
    values = form_values(page, "changelist-form")
    values["action"] = [action]
    values["_selected_action"] = [str(contact.id) for contact in contacts]
    if across:
        values["select_across"] = ["1"]
    return client.post(ACTION_URL, values)


def confirm(client, confirmation, group: Group | None = None):
    """Press "Yes, I'm sure" on the confirmation page, with this group chosen in its picker."""
    values = form_values(confirmation.content.decode(), "action-confirm")
    if group is not None:
        values["group_id"] = [str(group.id)]
    return client.post(ACTION_URL, values)


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


def test_the_group_picker_offers_every_group_and_chooses_none_for_adding(
    client, alice, people, groups
):
    response = choose(client, "add_to_group", [people["Adam"]])

    page = response.content.decode()
    for group in groups.values():
        assert f'<option value="{group.id}">{group.name} (' in page
    assert " selected>" not in page[page.index('id="id_group_id"') :]


def test_removing_from_a_filtered_list_chooses_the_group_shown(client, alice, people, groups):
    klienci = groups["Klienci"]

    response = choose(
        client, "remove_from_group", [people["Adam"]], list_url=f"/contacts/?g={klienci.id}"
    )

    assert form_values(response.content.decode(), "action-confirm")["group_id"] == [str(klienci.id)]


def test_moving_from_a_filtered_list_says_the_other_groups_stay(client, alice, people, groups):
    response = choose(
        client,
        "move_to_group",
        [people["Adam"], people["Beata"]],
        list_url=f"/contacts/?g={groups['Klienci'].id}",
    )

    assert (
        "2 contacts will be moved from “Klienci” to the group chosen below; their other "
        "groups stay as they are." in response.content.decode()
    )


def test_moving_to_the_group_shown_is_refused_on_the_page(
    client, alice, alice_account, people, groups
):
    klienci = groups["Klienci"]
    before = groups_of(alice_account)
    confirmation = choose(
        client, "move_to_group", [people["Adam"]], list_url=f"/contacts/?g={klienci.id}"
    )

    response = confirm(client, confirmation, group=klienci)

    assert response.status_code == 200
    assert "Choose a group other than the one shown." in response.content.decode()
    assert groups_of(alice_account) == before
    assert not Job.objects.exists()


# --- Every contact a search finds -----------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of three, so that a few contacts make several pages of the API's index."""
    monkeypatch.setattr("contacts_ui.views.bulk.PAGE_LIMIT", 3)
    monkeypatch.setattr("contacts_ui.jobs.runner.PAGE_LIMIT", 3)


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

A, B, C, D, E, G = "Adam", "Beata", "Cezary", "Dorota", "Edward", "Gosia"


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


def test_a_removal_from_the_group_shown_is_titled_with_the_group(client, alice, people, groups):
    klienci = groups["Klienci"]
    confirmation = choose(
        client, "remove_from_group", [people["Adam"]], list_url=f"/contacts/?g={klienci.id}"
    )

    confirm(client, confirmation)

    job = Job.objects.get()
    assert job.kind == Job.Kind.CONTACT_REMOVE_FROM_GROUP
    assert job.title == "Remove selected contacts from a group: Klienci"
    assert job.params == {"group_id": klienci.id, "group_name": "Klienci"}


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


def test_every_row_ticked_offers_the_number_the_search_finds(
    client, alice, alice_account, monkeypatch
):
    monkeypatch.setattr("contacts_ui.views.bulk.PAGE_LIMIT", 3)
    for n in range(7):
        make_contact(alice_account, f"+4850080{n:04d}", last_name="Nowak")
    make_contact(alice_account, "+48500809999", last_name="Kowalski")

    page = client.get("/contacts/count/?q=Nowak", headers={"HX-Request": "true"}).content.decode()

    assert "Apply to all 7 contacts this search finds" in page
    assert 'name="select_across"' in page and "hx-get" not in page
