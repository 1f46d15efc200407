"""An import into a new group: by SerwerSMS's own bulk import (contacts/import) when the
file maps only the fields it takes, in batches, the group then read back so that the
history has every contact made and the rows it refused fail as rows; else row by row into
a group made first. Under each way the provider might answer (SANDBOX_PROVIDER), end to
end against the sandbox over real HTTP."""

import pytest

from contacts_ui.models import HistoryEntry, Job, JobItem, LearnedBehaviour
from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.sandbox import variants
from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import form_values, sandbox_fails_on
from tests.import_files import _csv, _post_file
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["Imię", "Nazwisko", "Telefon", "E-mail", "Firma"]
ROWS = [
    ["Anna", "Kowalska", "500 600 701", "anna@example.pl", "Sklep"],
    ["Jan", "Nowak", "500 600 702", "", ""],
    ["Ewa", "Lis", "500 600 703", "", "Hurt"],
    ["Ola", "Mak", "500 600 704", "", ""],
    ["Piotr", "Wiśniewski", "500 600 705", "", ""],
    ["Iga", "Sowa", "500 600 706", "", ""],
    ["Adam", "Kot", "500 600 707", "", ""],
]
MAPPING = {"header": "1", "c1": "first_name", "c2": "last_name", "c3": "phone"}
MAPPING |= {"c4": "email", "c5": "company", "new_group": "Targi 2026"}
# The number SerwerSMS will not take, in the tests of rows it refuses.
REFUSED = "+48500600704"


@pytest.fixture
def upload_id(client, alice):
    response = _post_file(client, _csv([HEADER, *ROWS]).encode("utf-8"))
    return int(response.url.strip("/").split("/")[-1])


@pytest.fixture
def import_calls(monkeypatch):
    """How many rows each contacts/import call brought, in order (refused ones too)."""
    calls = []
    call = sandbox_api.call

    def counted(authorization, resource, action, params):
        if (resource, action) == ("contacts", "import"):
            calls.append(len(params.get("contact") or []))
        return call(authorization, resource, action, params)

    monkeypatch.setattr(sandbox_api, "call", counted)
    return calls


@pytest.fixture
def one_number_refused(monkeypatch):
    """The sandbox refuses one row's number, as the API may refuse a number the application
    takes."""
    taken = sandbox_api.import_row_fields

    def refusing(row):
        fields = taken(row)
        return None if fields and fields["phone"] == REFUSED else fields

    monkeypatch.setattr(sandbox_api, "import_row_fields", refusing)


def _preview(client, upload_id, mapping=MAPPING):
    return client.post(f"/import/{upload_id}/preview/", mapping, follow=True).content.decode()


def _import(client, upload_id, mapping=MAPPING) -> Job:
    start = form_values(_preview(client, upload_id, mapping), "import-start-form")
    client.post(f"/import/{upload_id}/start/", start)
    run_worker()
    return Job.objects.get()


def _statuses(job: Job) -> dict[str, str]:
    return {item.payload["data"]["phone"]: item.status for item in job.items.all()}


# --- The preview ---------------------------------------------------------------------


def test_the_preview_says_the_rows_go_with_the_bulk_import_in_batches(client, upload_id, settings):
    settings.IMPORT_BATCH_SIZE = 3
    page = _preview(client, upload_id)
    assert "a new group, “Targi 2026”, made by the import" in page
    assert "SerwerSMS’s own bulk import: 3 calls of up to 3 rows" in page
    assert not Group.objects.exists()  # a dry run


def test_the_preview_is_in_polish(client, upload_id, settings):
    settings.IMPORT_BATCH_SIZE = 3
    client.post("/i18n/setlang/", {"language": "pl", "next": "/"})
    page = _preview(client, upload_id)
    assert "Kontakty trafią do nowej grupy „Targi 2026”, utworzonej przez import." in page
    assert "importem zbiorczym: 3 wywołania po najwyżej 3 wierszy" in page


def test_the_preview_says_rows_go_one_by_one_when_a_field_is_beyond_the_bulk_import(
    client, upload_id
):
    page = _preview(client, upload_id, {**MAPPING, "c5": "city"})
    assert "They go one by one" in page


def test_a_name_in_use_is_refused_with_the_mapping_kept(client, upload_id, groups):
    page = _preview(client, upload_id, {**MAPPING, "new_group": "klienci"})
    assert "A group named “klienci” exists already" in page
    assert form_values(page, "import-map-form")["c3"] == ["phone"]


def test_a_new_group_and_existing_groups_together_are_refused(client, upload_id, groups):
    page = _preview(client, upload_id, {**MAPPING, "g": str(groups[0].id)})
    assert "Choose existing groups or a new group, not both." in page


# --- The bulk import -------------------------------------------------------------------


def test_the_rows_go_in_batches_and_the_history_has_every_contact_made(
    client, alice_account, upload_id, import_calls, settings
):
    settings.IMPORT_BATCH_SIZE = 3
    job = _import(client, upload_id)

    assert job.state == Job.State.DONE
    assert import_calls == [3, 3, 1]
    group = Group.objects.get()
    assert group.name == "Targi 2026"
    made = {c.phone: c for c in Contact.objects.filter(membership__group=group)}
    assert len(made) == 7
    assert made["+48500600701"].company == "Sklep"
    assert set(_statuses(job).values()) == {JobItem.Status.DONE}

    entries = HistoryEntry.objects.filter(batch=job.batch)
    group_entry = entries.get(action=HistoryEntry.Action.GROUP_ADD)
    assert (group_entry.outcome, group_entry.target_id) == ("done", group.id)
    added = entries.filter(action=HistoryEntry.Action.CONTACT_ADD)
    assert {(e.phone, e.target_id, e.outcome) for e in added} == {
        (phone, contact.id, "done") for phone, contact in made.items()
    }
    anna = added.get(phone="+48500600701").after
    assert (anna["group_ids"], anna["group_names"]) == ([group.id], {str(group.id): "Targi 2026"})


def test_while_it_sends_the_job_page_says_how_many_rows_went(
    client, upload_id, settings, monkeypatch
):
    settings.IMPORT_BATCH_SIZE = 3
    notes = []
    default = sandbox_api.ACTIONS[("contacts", "import")]

    def noting(account, params):
        notes.append((Job.objects.get().result or {}).get("note"))
        return default(account, params)

    monkeypatch.setitem(sandbox_api.ACTIONS, ("contacts", "import"), noting)
    job = _import(client, upload_id)

    assert notes == [
        None,
        "Sent to SerwerSMS: 3 of 7 rows. Each is checked in the group once all are sent.",
        "Sent to SerwerSMS: 6 of 7 rows. Each is checked in the group once all are sent.",
    ]
    assert job.result is None  # settled: the counts say the rest


def test_a_row_the_api_counts_failed_fails_and_goes_to_the_failed_rows_csv(
    client, upload_id, one_number_refused, settings
):
    settings.IMPORT_BATCH_SIZE = 3
    job = _import(client, upload_id)

    assert job.state == Job.State.DONE
    statuses = _statuses(job)
    assert statuses.pop(REFUSED) == JobItem.Status.FAILED
    assert set(statuses.values()) == {JobItem.Status.DONE}
    entry = HistoryEntry.objects.get(phone=REFUSED)
    assert entry.outcome == "failed"
    assert "did not take this row" in entry.error
    failed_csv = client.get(f"/jobs/{job.pk}/failed.csv").content.decode("utf-8-sig")
    assert "Ola;Mak;500 600 704" in failed_csv
    assert "did not take this row" in failed_csv
    assert "Anna" not in failed_csv


def test_an_api_that_refuses_a_whole_call_for_one_row_gets_it_in_halves(
    client, upload_id, one_number_refused, import_calls, settings
):
    settings.SANDBOX_PROVIDER = ["import-refuses-invalid-rows"]
    settings.IMPORT_BATCH_SIZE = 4
    job = _import(client, upload_id)

    statuses = _statuses(job)
    assert statuses.pop(REFUSED) == JobItem.Status.FAILED
    assert set(statuses.values()) == {JobItem.Status.DONE}
    # 4 refused, then 2 (rows 1-2), 2 refused (3-4), 1, 1 refused alone; then the last 3.
    assert import_calls == [4, 2, 2, 1, 1, 3]
    assert (
        job.items.get(status="failed").message
        == "SerwerSMS did not accept the phone number as valid."
    )
    assert Group.objects.count() == 1
    assert Contact.objects.count() == 6


def test_an_api_that_takes_fewer_rows_a_call_gets_smaller_batches(
    client, upload_id, import_calls, settings, monkeypatch
):
    settings.SANDBOX_PROVIDER = ["import-limit-100"]
    monkeypatch.setattr(variants, "IMPORT_SMALL_MAX", 2)
    settings.IMPORT_BATCH_SIZE = 7
    job = _import(client, upload_id)

    assert set(_statuses(job).values()) == {JobItem.Status.DONE}
    # 7 refused, 4 refused, 2, 2, 3 refused, 2, 1.
    assert import_calls == [7, 4, 2, 2, 3, 2, 1]
    assert Contact.objects.count() == 7
    assert Group.objects.count() == 1


def test_an_api_that_makes_a_group_with_each_call_is_learned_and_said(
    client, alice, upload_id, import_calls, settings
):
    settings.SANDBOX_PROVIDER = ["import-makes-another-group"]
    settings.IMPORT_BATCH_SIZE = 3
    job = _import(client, upload_id)

    assert set(_statuses(job).values()) == {JobItem.Status.DONE}
    # The second call showed it; the rest went one by one into the first group.
    assert import_calls == [3, 3]
    first, second = Group.objects.order_by("id")
    assert (first.name, second.name) == ("Targi 2026", "Targi 2026")
    assert Contact.objects.filter(membership__group=first).count() == 4
    assert Contact.objects.filter(membership__group=second).count() == 3
    assert LearnedBehaviour.objects.filter(name="import-makes-another-group").exists()
    assert "SerwerSMS made another group also named “Targi 2026”" in job.result["note"]
    assert HistoryEntry.objects.filter(action="group_add", outcome="done").count() == 2
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "made another group also named" in page


def test_once_learned_an_import_sends_one_call_and_the_rest_row_by_row(
    client, alice, upload_id, import_calls, settings
):
    settings.SANDBOX_PROVIDER = ["import-makes-another-group"]
    settings.IMPORT_BATCH_SIZE = 3
    LearnedBehaviour.objects.create(
        api_url=settings.SERWERSMS_API_URL, name="import-makes-another-group"
    )
    job = _import(client, upload_id)

    assert import_calls == [3]
    group = Group.objects.get()
    assert Contact.objects.filter(membership__group=group).count() == 7
    assert set(_statuses(job).values()) == {JobItem.Status.DONE}


def test_a_call_whose_answer_is_lost_is_settled_from_the_group(
    client, upload_id, monkeypatch, settings
):
    settings.IMPORT_BATCH_SIZE = 3
    # Each import call is made, and its answer lost.
    sandbox_fails_on(monkeypatch, "timeout", "contacts/import")
    settings.SERWERSMS_READ_TIMEOUT = 2
    job = _import(client, upload_id)

    assert job.state == Job.State.DONE
    assert set(_statuses(job).values()) == {JobItem.Status.DONE}
    group = Group.objects.get()
    assert HistoryEntry.objects.get(action="group_add").target_id == group.id
    assert not HistoryEntry.objects.filter(outcome="unknown").exists()


def test_rows_whose_group_cannot_be_read_back_are_outcome_unknown(
    client, upload_id, monkeypatch, settings
):
    settings.IMPORT_BATCH_SIZE = 3
    sandbox_fails_on(monkeypatch, "http500", "contacts/index")
    job = _import(client, upload_id)

    assert job.state == Job.State.STOPPED
    assert set(_statuses(job).values()) == {JobItem.Status.UNKNOWN}
    assert "the group could not be read back" in job.items.first().message
    rows = HistoryEntry.objects.filter(action="contact_add")
    assert {entry.outcome for entry in rows} == {"unknown"}
    assert all("could not be read back" in entry.error for entry in rows)
    # The group was made, as its call's answer said.
    assert HistoryEntry.objects.get(action="group_add").outcome == "done"
    # Unknown rows may have gone in: a retry leaves them out rather than add them twice.
    assert "/retry/" not in client.get(f"/jobs/{job.pk}/").content.decode()


def test_the_import_stops_when_the_name_was_taken_since_the_preview(
    client, alice_account, upload_id
):
    start = form_values(_preview(client, upload_id), "import-start-form")
    Group.objects.create(account=alice_account, name="Targi 2026")
    client.post(f"/import/{upload_id}/start/", start)
    run_worker()

    job = Job.objects.get()
    assert job.state == Job.State.STOPPED
    assert "A group named “Targi 2026” exists now" in job.error
    assert not Contact.objects.exists()
    assert not HistoryEntry.objects.exists()


def test_a_retry_of_an_import_stopped_by_the_name_checks_it_again(client, alice_account, upload_id):
    start = form_values(_preview(client, upload_id), "import-start-form")
    theirs = Group.objects.create(account=alice_account, name="Targi 2026")
    client.post(f"/import/{upload_id}/start/", start)
    run_worker()
    job = Job.objects.get()
    client.post(f"/jobs/{job.pk}/retry/")
    run_worker()

    retry = Job.objects.get(retry_of=job)
    assert retry.state == Job.State.STOPPED
    assert "A group named “Targi 2026” exists now" in retry.error
    assert not Contact.objects.filter(membership__group=theirs).exists()


def test_a_cancel_between_two_calls_sends_no_more(client, upload_id, import_calls, settings):
    settings.IMPORT_BATCH_SIZE = 3
    default = sandbox_api.ACTIONS[("contacts", "import")]

    def cancelling(account, params):
        Job.objects.update(cancel_requested=True)
        return default(account, params)

    sandbox_api.ACTIONS[("contacts", "import")] = cancelling
    try:
        job = _import(client, upload_id)
    finally:
        sandbox_api.ACTIONS[("contacts", "import")] = default

    assert job.state == Job.State.CANCELLED
    counts = {}
    for status in _statuses(job).values():
        counts[status] = counts.get(status, 0) + 1
    assert counts == {JobItem.Status.DONE: 3, JobItem.Status.CANCELLED: 4}
    assert Contact.objects.count() == 3


def test_the_whole_import_is_undone_as_one_at_a_call_a_contact(
    client, upload_id, settings, monkeypatch
):
    settings.IMPORT_BATCH_SIZE = 3
    job = _import(client, upload_id)
    url = f"/history/batch/{job.batch}/undo/"
    confirmation = client.get(url).content.decode()
    assert "undoes its 8 changes" in confirmation  # the group and its 7 contacts
    calls = []
    call = sandbox_api.call

    def counted(authorization, resource, action, params):
        calls.append(f"{resource}/{action}")
        return call(authorization, resource, action, params)

    monkeypatch.setattr(sandbox_api, "call", counted)
    client.post(url, form_values(confirmation, "batch-undo-form"))
    run_worker()

    assert not Contact.objects.exists()
    assert not Group.objects.exists()
    # The contacts' records read in bulk (the groups, the group's members): no contact is
    # read on its own before its deletion. Then the group, read afresh (empty now), its
    # members recorded (none), and deleted.
    assert calls.count("contacts/delete") == 7
    assert "contacts/view" not in calls and "groups/check" not in calls
    assert calls[:2] == ["groups/index", "contacts/index"]
    assert calls[-3:] == ["groups/view", "contacts/index", "groups/delete"]
    assert len(calls) == 12


# --- Row by row, into a group made first --------------------------------------------


def test_other_fields_go_row_by_row_into_the_group_made_first(
    client, upload_id, import_calls, settings
):
    job = _import(client, upload_id, {**MAPPING, "c5": "city"})

    assert import_calls == []
    group = Group.objects.get()
    assert group.name == "Targi 2026"
    made = Contact.objects.filter(membership__group=group)
    assert made.count() == 7
    assert made.get(phone="+48500600701").city == "Sklep"
    entries = HistoryEntry.objects.filter(batch=job.batch)
    assert entries.filter(action="group_add", target_id=group.id).exists()
    assert entries.filter(action="contact_add", outcome="done").count() == 7


def test_a_retry_of_rows_that_failed_adds_them_to_the_group_made(
    client, upload_id, one_number_refused, settings
):
    settings.IMPORT_BATCH_SIZE = 3
    job = _import(client, upload_id)
    client.post(f"/jobs/{job.pk}/retry/")
    run_worker()

    group = Group.objects.get()
    assert Contact.objects.filter(membership__group=group, phone=REFUSED).exists()
    retry = Job.objects.get(retry_of=job)
    assert set(_statuses(retry).values()) == {JobItem.Status.DONE}
