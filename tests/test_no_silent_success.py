"""No silent success, under the sandbox's own behaviour and under every provider variant.

Each write path of the application (a contact's change, adding a contact, each bulk action,
deleting a group, undo) is taken as a person takes it, under each variant the sandbox can
play (SANDBOX_PROVIDER). Whatever the application then says, it must be true:
- what it reports done (a change saved, a job's item done) has its effect in the address
  book, exactly;
- what it does not do, it says, in a sentence on the page or the item;
- every history entry recorded as done holds, as "after", the groups the contact is in.
"""

import re

import pytest

from contacts_ui.models import HistoryEntry, Job, JobItem
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.sandbox.variants import VARIANTS
from tests import bulk_actions
from tests.bulk_actions import ACTION_URL, groups_of
from tests.helpers import form_values
from tests.import_files import MAPPING, _upload
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

groups = bulk_actions.groups
people = bulk_actions.people

PROVIDERS = ["", *sorted(VARIANTS)]
ERROR = re.compile(r'class="(errornote|errorlist|error)[^"]*"[^>]*>(.*?)</', re.S)


def said(page: str) -> list[str]:
    """The error sentences a page shows."""
    return [" ".join(m.group(2).split()) for m in ERROR.finditer(page) if m.group(2).strip()]


class Outcome:
    """What the application told the person, and what it claims to have changed."""

    def __init__(self, done: bool, sentences=(), expected=None):
        self.done = done
        self.sentences = list(sentences)
        # Contact first name -> its groups, for what was reported done.
        self.expected = expected or {}


def _change(client, contact, **values) -> tuple[int, str]:
    page = client.get(f"/contacts/{contact.id}/change/").content.decode()
    form = form_values(page, "contact-form")
    if not form:
        return 200, page
    response = client.post(f"/contacts/{contact.id}/change/", {**form, **values})
    return response.status_code, response.content.decode()


def _single(client, contact, group_names, expected_groups) -> Outcome:
    ids = [str(Group.objects.get(name=name).id) for name in group_names]
    status, page = _change(client, contact, group_id=ids)
    if status == 302:
        return Outcome(True, expected={contact.first_name: sorted(expected_groups)})
    return Outcome(False, said(page))


def take_out_of_a_group(client, people, groups):
    return _single(client, people["Beata"], ["Dostawcy"], ["Dostawcy"])


def put_in_a_group(client, people, groups):
    return _single(client, people["Adam"], ["Klienci", "VIP"], ["Klienci", "VIP"])


def change_a_contact_in_no_group(client, people, groups):
    status, page = _change(client, people["Dorota"], city="Gdańsk")
    if status == 302:
        return Outcome(True, expected={"Dorota": []})
    return Outcome(False, said(page))


def add_a_contact_in_no_group(client, people, groups):
    page = client.get("/contacts/add/").content.decode()
    form = {**form_values(page, "contact-form"), "phone": "+48500600799", "first_name": "Nowy"}
    response = client.post("/contacts/add/", form)
    if response.status_code == 302:
        return Outcome(True, expected={"Nowy": []})
    return Outcome(False, said(response.content.decode()))


def _bulk(client, action, chosen, list_url, group, expected) -> Outcome:
    page = client.get(list_url).content.decode()
    values = form_values(page, "changelist-form")
    if not values:
        return Outcome(False, said(page))
    values |= {"action": [action], "_selected_action": [str(c.id) for c in chosen]}
    confirmation = client.post(ACTION_URL, values, follow=True).content.decode()
    form = form_values(confirmation, "action-confirm")
    if not form:
        return Outcome(False, said(confirmation))
    response = client.post(ACTION_URL, {**form, "group_id": [str(group.id)]})
    if response.status_code != 302:
        return Outcome(False, said(response.content.decode()))
    run_worker()
    job = Job.objects.latest("created_at")
    done = {
        item.label.split()[0]
        for item in job.items.filter(status__in=[JobItem.Status.DONE, JobItem.Status.SKIPPED])
    }
    failed = job.items.exclude(status__in=[JobItem.Status.DONE, JobItem.Status.SKIPPED])
    sentences = [item.message for item in failed]
    assert all(sentences), "an item not done says why"
    return Outcome(
        not failed.exists(),
        sentences or ([job.error] if job.error else []),
        {name: groups_ for name, groups_ in expected.items() if name in done},
    )


def remove_from_a_group(client, people, groups):
    klienci = groups["Klienci"]
    chosen = [people["Adam"], people["Beata"], people["Edward"]]
    expected = {"Adam": [], "Beata": ["Dostawcy"], "Edward": ["VIP"]}
    return _bulk(
        client, "remove_from_group", chosen, f"/contacts/?g={klienci.id}", klienci, expected
    )


def move_to_a_group(client, people, groups):
    klienci, vip = groups["Klienci"], groups["VIP"]
    chosen = [people["Adam"], people["Beata"]]
    expected = {"Adam": ["VIP"], "Beata": ["Dostawcy", "VIP"]}
    return _bulk(client, "move_to_group", chosen, f"/contacts/?g={klienci.id}", vip, expected)


def add_to_a_group(client, people, groups):
    vip = groups["VIP"]
    chosen = [people["Cezary"], people["Dorota"]]
    expected = {"Cezary": ["Dostawcy", "VIP"], "Dorota": ["VIP"]}
    return _bulk(client, "add_to_group", chosen, "/contacts/", vip, expected)


def delete_a_group(client, people, groups):
    response = client.post(f"/groups/{groups['Dostawcy'].id}/delete/")
    if response.status_code != 302:
        return Outcome(False, said(response.content.decode()))
    run_worker()
    job = Job.objects.filter(kind=Job.Kind.GROUP_DELETE).first()
    if job is not None and job.state != Job.State.DONE:
        return Outcome(False, [job.error or job.items.first().message])
    return Outcome(True, expected={"Beata": ["Klienci"], "Cezary": [], "Franek": []})


def undo_taking_out_of_a_group(client, people, groups):
    first = take_out_of_a_group(client, people, groups)
    if not first.done:
        return first
    entry = HistoryEntry.objects.get(action=HistoryEntry.Action.CONTACT_EDIT)
    response = client.post(f"/history/{entry.id}/undo/")
    if response.status_code != 302:
        return Outcome(False, said(response.content.decode()))
    return Outcome(True, expected={"Beata": ["Dostawcy", "Klienci"]})


def import_into_a_group(client, people, groups):
    upload = _upload(client)
    query = {**MAPPING, "g": groups["Klienci"].id}
    page = client.get(f"/import/{upload.pk}/preview/", query).content.decode()
    form = form_values(page, "import-start-form")
    if not form:
        return Outcome(False, said(page))
    response = client.post(f"/import/{upload.pk}/start/", form)
    if response.status_code != 302:
        return Outcome(False, said(response.content.decode()))
    run_worker()
    job = Job.objects.get(kind=Job.Kind.CONTACT_IMPORT)
    done = {item.label.split()[0] for item in job.items.filter(status=JobItem.Status.DONE)}
    failed = job.items.exclude(status=JobItem.Status.DONE)
    assert all(item.message for item in failed), "an item not done says why"
    return Outcome(
        not failed.exists(),
        [item.message for item in failed],
        {name: ["Klienci"] for name in done},
    )


def merge_two_contacts(client, people, groups):
    adam, cezary = people["Adam"], people["Cezary"]
    url = f"/cleanup/contacts/merge/?id={adam.id}&id={cezary.id}&keep={adam.id}"
    page = client.get(url).content.decode()
    form = form_values(page, "merge-form")
    if not form:
        return Outcome(False, said(page))
    response = client.post("/cleanup/contacts/merge/", form, follow=True)
    page = response.content.decode()
    if f"Kept “{adam.first_name}" not in page:
        return Outcome(False, said(page))
    return Outcome(True, expected={"Adam": ["Dostawcy", "Klienci"], "Cezary": None})


def merge_two_groups(client, people, groups):
    klienci, vip = groups["Klienci"].id, groups["VIP"].id
    url = f"/cleanup/groups/merge/?id={klienci}&id={vip}&keep={klienci}"
    page = client.get(url).content.decode()
    form = form_values(page, "merge-form")
    if not form:
        return Outcome(False, said(page))
    response = client.post("/cleanup/groups/merge/", form)
    if response.status_code != 302:
        return Outcome(False, said(response.content.decode()))
    run_worker()
    job = Job.objects.get(kind=Job.Kind.GROUP_MERGE)
    failed = job.items.exclude(status__in=[JobItem.Status.DONE, JobItem.Status.SKIPPED])
    assert all(item.message for item in failed), "an item not done says why"
    if failed.exists() or job.state != Job.State.DONE:
        return Outcome(False, [item.message for item in failed] or [job.error])
    if Group.objects.filter(id=vip).exists():
        return Outcome(False, [job.result["note"]])
    return Outcome(True, expected={"Edward": ["Klienci"]})


ACTIONS = [
    take_out_of_a_group,
    put_in_a_group,
    change_a_contact_in_no_group,
    add_a_contact_in_no_group,
    remove_from_a_group,
    move_to_a_group,
    add_to_a_group,
    delete_a_group,
    undo_taking_out_of_a_group,
    import_into_a_group,
    merge_two_contacts,
    merge_two_groups,
]


def _history_tells_the_truth(account) -> None:
    for entry in HistoryEntry.objects.filter(
        action=HistoryEntry.Action.CONTACT_EDIT, outcome=HistoryEntry.Outcome.DONE
    ):
        contact = Contact.objects.filter(account=account, id=entry.target_id).first()
        if contact is not None and entry == HistoryEntry.objects.filter(
            target_id=entry.target_id, action=HistoryEntry.Action.CONTACT_EDIT
        ).latest("id"):
            held = sorted(contact.groups.values_list("id", flat=True))
            assert sorted(entry.after["group_ids"]) == held, entry.target_name


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.__name__)
@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda name: name or "default")
def test_what_the_application_says_is_true(
    client, alice, alice_account, people, groups, settings, provider, action
):
    settings.SANDBOX_PROVIDER = [provider] if provider else []
    before = groups_of(alice_account)

    outcome = action(client, people, groups)

    now = groups_of(alice_account)
    for name, expected in outcome.expected.items():
        assert now.get(name) == expected, f"{name} was reported done"
    if outcome.done:
        assert not outcome.sentences
    else:
        assert outcome.sentences, "a change not made is said"
    untouched = set(before) - set(outcome.expected) - {"Beata", "Cezary", "Franek", "Adam"}
    for name in untouched:
        assert now[name] == before[name], f"{name} was changed though not chosen"
    _history_tells_the_truth(alice_account)
    if not provider:
        assert outcome.done, "under the sandbox's own behaviour every action works"
