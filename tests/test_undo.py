"""Undo: each kind of change made through the app is put back exactly, or refused cleanly."""

import uuid

import pytest

from contacts_ui import roles
from contacts_ui.history.recorder import WriteRecorder
from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import Credentials, SerwerSMSClient
from tests.helpers import (
    ANNA,
    address_book,
    form_values,
    make_contact,
    make_user,
    post_twice_at_once,
    table_rows,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def klienci(alice_account):
    return Group.objects.create(account=alice_account, name="Klienci")


@pytest.fixture
def dostawcy(alice_account):
    return Group.objects.create(account=alice_account, name="Dostawcy")


@pytest.fixture
def anna(alice_account, klienci, dostawcy):
    return make_contact(alice_account, groups=[klienci, dostawcy], **ANNA)


state = address_book


def last_entry() -> HistoryEntry:
    return HistoryEntry.objects.filter(undo_of=None).latest("id")


def trash(client, query: str = "") -> str:
    """The trash's rows, as text."""
    page = client.get(f"/trash/{query}").content.decode()
    return "\n".join(" | ".join(row) for row in table_rows(page))


def undo(client, entry: HistoryEntry, **data):
    return client.post(f"/history/{entry.id}/undo/", data)


def change_form(client, contact_id) -> dict:
    page = client.get(f"/contacts/{contact_id}/change/").content.decode()
    values = form_values(page, "contact-form")
    values.pop("csrfmiddlewaretoken")
    return values


# --- Each kind, put back exactly ----------------------------------------------------


def test_undoing_a_contact_deletion_creates_it_again_with_its_fields_and_groups(
    client, alice, alice_account, anna
):
    before = state(alice_account)
    client.post(f"/contacts/{anna.id}/delete/")
    assert state(alice_account) != before

    response = undo(client, last_entry())

    assert response.status_code == 302
    assert state(alice_account) == before
    assert not Contact.objects.filter(id=anna.id).exists()  # a new id, as the page says


def test_undoing_a_contact_edit_puts_back_every_field_and_group(
    client, alice, alice_account, anna, klienci
):
    before = state(alice_account)
    values = change_form(client, anna.id) | {
        "first_name": ["Anita"],
        "city": ["Kraków"],
        "description": [""],
        "group_id": [str(klienci.id)],
    }
    client.post(f"/contacts/{anna.id}/change/", values)
    assert state(alice_account) != before

    undo(client, last_entry())

    assert state(alice_account) == before


def test_undoing_a_contact_addition_deletes_it(client, alice, alice_account, klienci):
    before = state(alice_account)
    client.post(
        "/contacts/add/", {"phone": "500 600 701", "first_name": "Nowy", "group_id": [klienci.id]}
    )
    assert state(alice_account) != before

    undo(client, last_entry())

    assert state(alice_account) == before


def test_undoing_a_group_rename_renames_it_back(client, alice, alice_account, klienci, anna):
    before = state(alice_account)
    client.post(f"/groups/{klienci.id}/change/", {"name": "Klienci VIP"})

    undo(client, last_entry())

    assert state(alice_account) == before


def test_undoing_a_group_addition_deletes_it(client, alice, alice_account, anna):
    before = state(alice_account)
    client.post("/groups/add/", {"name": "Nowa grupa"})

    undo(client, last_entry())

    assert state(alice_account) == before


def test_undoing_a_group_deletion_creates_it_again_and_puts_its_contacts_back(
    client, alice, alice_account, klienci, anna
):
    make_contact(alice_account, "+48500600702", groups=[klienci], first_name="Bartek")
    before = state(alice_account)
    client.post(f"/groups/{klienci.id}/delete/")
    assert state(alice_account) != before

    undo(client, last_entry())

    assert state(alice_account) == before


def test_undoing_a_group_deletion_with_its_contacts_creates_them_all_again(
    client, alice, alice_account, klienci, anna
):
    make_contact(alice_account, "+48500600702", groups=[klienci], first_name="Bartek")
    before = state(alice_account)
    client.post(f"/groups/{klienci.id}/delete/", {"delete_contacts": "on"})
    assert len(state(alice_account)["contacts"]) == 0

    undo(client, last_entry())

    assert state(alice_account) == before


# --- Recorded, and only once --------------------------------------------------------


def test_an_undo_is_recorded_as_the_write_it_makes(client, alice, anna):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()

    undo(client, deletion)

    (redo,) = deletion.undos.all()
    assert redo.action == HistoryEntry.Action.CONTACT_ADD
    assert redo.outcome == HistoryEntry.Outcome.DONE
    assert redo.after["phone"] == ANNA["phone"]


def test_a_change_is_undone_only_once(client, alice, alice_account, anna):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    undo(client, deletion)
    after_first = state(alice_account)

    response = undo(client, deletion)

    assert response.status_code == 200
    assert "cannot be undone (or has been undone already)" in response.content.decode()
    assert state(alice_account) == after_first


# --- Conflicts refuse, showing the difference ------------------------------------------


def test_undoing_an_edit_refuses_when_the_contact_changed_since(client, alice, alice_account, anna):
    values = change_form(client, anna.id) | {"city": ["Kraków"]}
    client.post(f"/contacts/{anna.id}/change/", values)
    edit = last_entry()
    Contact.objects.filter(id=anna.id).update(city="Gdańsk")  # someone else, elsewhere
    before = state(alice_account)

    page = undo(client, edit).content.decode()

    assert "has changed since, so undoing would overwrite that change" in page
    assert '<table id="undo-differences">' in page
    assert "<td>Kraków</td><td>Gdańsk</td>" in page
    assert state(alice_account) == before


def test_undoing_a_deletion_refuses_when_the_contact_exists_again(
    client, alice, alice_account, anna
):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    make_contact(alice_account, ANNA["phone"], first_name="Anna", last_name="Nowak")
    before = state(alice_account)

    page = undo(client, deletion).content.decode()

    assert "A contact with the phone +48500600700 exists again." in page
    assert "<td>Kowalska</td><td>Nowak</td>" in page
    assert state(alice_account) == before


def test_undoing_a_group_deletion_refuses_when_a_group_of_that_name_exists_again(
    client, alice, alice_account, klienci
):
    client.post(f"/groups/{klienci.id}/delete/")
    deletion = last_entry()
    Group.objects.create(account=alice_account, name="Klienci")
    before = state(alice_account)

    page = undo(client, deletion).content.decode()

    assert "A group named “Klienci” exists again." in page
    assert state(alice_account) == before


def test_the_confirmation_says_what_undo_will_do_and_checks_first(
    client, alice, alice_account, anna
):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    before = state(alice_account)

    page = client.get(f"/history/{deletion.id}/undo/").content.decode()

    assert "will be created again with the same fields, in the groups" in page
    assert "SerwerSMS gives it a new id." in page
    assert 'id="undo-form"' in page
    assert state(alice_account) == before  # GET changes nothing


def test_the_confirmation_shows_a_conflict_before_anything_is_tried(
    client, alice, alice_account, anna
):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    make_contact(alice_account, ANNA["phone"], first_name="Anna")

    page = client.get(f"/history/{deletion.id}/undo/").content.decode()

    assert "exists again" in page
    assert 'id="undo-form"' not in page


def test_an_editor_does_not_undo_another_users_change(
    client, alice, alice_account, anna, bob_account
):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    client.force_login(make_user("bob", token="bob-token", role=roles.EDITOR))
    before = state(alice_account)

    assert client.get(f"/history/{deletion.id}/undo/").status_code == 404
    assert undo(client, deletion).status_code == 404
    assert state(alice_account) == before


def test_a_manager_with_other_credentials_does_not_undo_another_users_change(
    client, alice, alice_account, anna, bob_account
):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    client.force_login(make_user("bob", token="bob-token", role=roles.MANAGER))
    before, bobs = state(alice_account), state(bob_account)

    page = client.get(f"/history/{deletion.id}/undo/").content.decode()
    response = undo(client, deletion)

    assert "alice made this change with other API credentials than yours" in page
    assert 'id="undo-form"' not in page
    assert "alice made this change with other API credentials" in response.content.decode()
    assert state(alice_account) == before
    assert state(bob_account) == bobs


def test_an_api_failure_during_undo_is_said_plainly(client, alice, anna, faults):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    faults("api_error")

    response = undo(client, deletion)

    assert response.status_code == 200
    assert '<p class="errornote" role="alert">' in response.content.decode()


# --- The trash --------------------------------------------------------------------------


def test_the_trash_lists_own_deletions_not_yet_undone(client, alice, alice_account, anna, klienci):
    client.post(f"/contacts/{anna.id}/delete/")
    client.post(f"/groups/{klienci.id}/delete/")
    rows = trash(client)
    assert "Anna Kowalska" in rows and "Klienci" in rows

    undo(client, HistoryEntry.objects.get(action="contact_delete"))
    rows = trash(client)
    assert "Anna Kowalska" not in rows and "Klienci" in rows


def test_the_trash_is_searchable_by_name_or_phone(client, alice, alice_account, anna):
    make_contact(alice_account, "+48500600799", first_name="Zenon")
    for contact in Contact.objects.filter(account=alice_account):
        client.post(f"/contacts/{contact.id}/delete/")
    assert "Zenon" not in trash(client, "?q=0700")
    assert "Anna Kowalska" in trash(client, "?q=0700")
    assert "Anna Kowalska" not in trash(client, "?q=zenon")
    assert "Zenon" in trash(client, "?q=zenon")


def test_the_trash_shows_nobody_elses_deletions(client, alice, anna, bob_account):
    client.post(f"/contacts/{anna.id}/delete/")
    assert "Anna Kowalska" in trash(client)
    client.force_login(make_user("bob", token="bob-token"))
    assert "Anna Kowalska" not in trash(client)


def test_restoring_several_without_javascript_restores_them_all(client, alice, alice_account, anna):
    make_contact(alice_account, "+48500600702", first_name="Bartek")
    before = state(alice_account)
    for contact in Contact.objects.filter(account=alice_account):
        client.post(f"/contacts/{contact.id}/delete/")
    ids = HistoryEntry.objects.filter(action="contact_delete").values_list("id", flat=True)

    response = client.post("/trash/restore/", {"entry": list(ids)})

    assert response.status_code == 302 and response.url == "/trash/"
    assert state(alice_account) == before


def test_restoring_several_with_htmx_goes_one_by_one_showing_progress(
    client, alice, alice_account, anna
):
    make_contact(alice_account, "+48500600702", first_name="Bartek")
    before = state(alice_account)
    for contact in Contact.objects.filter(account=alice_account):
        client.post(f"/contacts/{contact.id}/delete/")
    ids = [str(i) for i in HistoryEntry.objects.values_list("id", flat=True)]

    first = client.post("/trash/restore/", {"entry": ids}, headers={"HX-Request": "true"})
    page = first.content.decode()
    assert page.lstrip().startswith('<div id="undo-progress"')
    assert "1 of 2 done." in page
    assert 'hx-trigger="load"' in page  # it asks for the next one itself
    following = form_values(page.replace("<form hx-post", '<form id="next" hx-post'), "next")

    second = client.post("/trash/restore/", following, headers={"HX-Request": "true"})
    page = second.content.decode()
    assert "2 of 2 done." in page
    assert 'hx-trigger="load"' not in page
    assert state(alice_account) == before


def test_a_bulk_restore_ignores_entries_that_are_not_the_users_own_deletions(
    client, alice, alice_account, anna, bob_account
):
    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    client.force_login(make_user("bob", token="bob-token"))

    client.post("/trash/restore/", {"entry": [deletion.id]})

    assert not Contact.objects.filter(account=alice_account).exists()
    assert not deletion.undos.exists()


# --- A bulk action, undone item by item ----------------------------------------------------


@pytest.fixture
def bulk(alice, api_url, alice_account, anna, klienci):
    """A bulk action of alice's, as the cleanup's bulk actions make one: one recorder with a
    batch, each item recorded under it. Here: two contacts deleted, one group renamed."""
    bartek = make_contact(alice_account, "+48500600702", groups=[klienci], first_name="Bartek")
    before = state(alice_account)
    batch = uuid.uuid4()
    credentials = Credentials("token", "", "alice-token")
    recorder = WriteRecorder(SerwerSMSClient(credentials, api_url), alice, batch=batch)
    recorder.contacts_delete(anna.id)
    recorder.contacts_delete(bartek.id)
    recorder.groups_edit(klienci.id, "Byli klienci")
    assert state(alice_account) != before
    return batch, before


def test_a_bulk_actions_items_are_listed_with_what_undo_will_do(client, bulk):
    batch, _ = bulk
    page = client.get(f"/history/batch/{batch}/undo/").content.decode()
    assert "undoes its 3 changes, the latest first" in page
    assert "The group will be renamed back from “Byli klienci” to “Klienci”." in page
    assert page.count("will be created again with the same fields") == 2
    listed = client.get(f"/history/?batch={batch}").content.decode()
    assert len(table_rows(listed)) == 3
    assert f'href="/history/batch/{batch}/undo/"' in listed


def test_undoing_a_bulk_action_without_javascript_undoes_every_item(client, alice_account, bulk):
    batch, before = bulk
    response = client.post(
        f"/history/batch/{batch}/undo/",
        {"entry": [e.id for e in HistoryEntry.objects.filter(batch=batch)]},
    )
    assert response.status_code == 302 and response.url == f"/history/?batch={batch}"
    assert state(alice_account) == before
    assert HistoryEntry.objects.filter(undo_of__batch=batch, outcome="done").count() == 3


def test_undoing_a_bulk_action_with_htmx_goes_one_by_one(client, alice_account, bulk):
    batch, before = bulk
    url = f"/history/batch/{batch}/undo/"
    page = client.get(url).content.decode()
    data = form_values(page, "batch-undo-form")
    for step in (1, 2, 3):
        page = client.post(url, data, headers={"HX-Request": "true"}).content.decode()
        assert f"{step} of 3 done." in page
        data = form_values(page.replace("<form hx-post", '<form id="next" hx-post'), "next")
    assert 'hx-trigger="load"' not in page
    assert state(alice_account) == before


def test_a_bulk_action_is_nobody_elses_to_undo(client, alice_account, bulk, bob_account):
    batch, _ = bulk
    client.force_login(make_user("bob", token="bob-token"))
    assert client.get(f"/history/batch/{batch}/undo/").status_code == 404
    entries = [e.id for e in HistoryEntry.objects.filter(batch=batch)]
    assert client.post(f"/history/batch/{batch}/undo/", {"entry": entries}).status_code == 404
    assert not HistoryEntry.objects.filter(undo_of__batch=batch).exists()


def test_two_undos_posted_at_once_undo_once(client, alice, alice_account, anna, monkeypatch):
    """Both requests pass undo's checks before either writes (a barrier holds them after
    the checks); only one may then write, so the deleted contact comes back once."""
    import threading

    from contacts_ui.history import undo as undo_module

    client.post(f"/contacts/{anna.id}/delete/")
    deletion = last_entry()
    both_checked = threading.Barrier(2, timeout=10)
    check = undo_module.check

    def then_wait(entry, recorder):
        check(entry, recorder)
        both_checked.wait()

    monkeypatch.setattr(undo_module, "check", then_wait)
    answers = post_twice_at_once(alice, f"/history/{deletion.id}/undo/")

    assert Contact.objects.filter(account=alice_account, phone=anna.phone).count() == 1
    assert deletion.undos.filter(outcome=HistoryEntry.Outcome.DONE).count() == 1
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 302]
    refused = next(answer for answer in answers if answer.status_code == 200)
    # Refused while the other is at it ("is being undone already"), or after ("has been").
    assert "undone already" in refused.content.decode()
