"""The history when a write fails: exactly one entry, failed or of unknown outcome, with the
error and the record as it was before; and nothing at all when nothing was sent.

The reads a write needs answer, and the write fails (tests.helpers.writes_fail): http500,
timeout, malformed and disconnect leave the outcome unknown (the request went out); api_error and
a connection that cannot be made are failures. Besides the view's own reads, the recorder reads
the record before a write: a contact deletion reads contacts/view and groups/check, a group
deletion groups/view, contacts/index of its members and groups/check for each member.
"""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import READ_ACTIONS, SerwerSMSClient
from tests.helpers import closed_port_url, sandbox_fails_after, writes_fail
from tests.test_history_recording import (
    HTMX,
    TYPED,
    TYPED_AS_SENT,
    contact_form,
    contact_in_sandbox,
    expected,
    group_deletion_before,
    group_in_sandbox,
    make_world,
    members_sorted,
    recorded,
    summary,
)

pytestmark = pytest.mark.django_db(transaction=True)

REASONS = {
    "http500": "The SerwerSMS API answered with an error (HTTP 500).",
    "api_error": (
        "The SerwerSMS API refused the request: "
        "Wystąpił błąd wewnętrzny. Spróbuj ponownie później. (code 9999)."
    ),
    "timeout": "The SerwerSMS API did not answer in time.",
    "malformed": "The SerwerSMS API gave an answer that could not be read.",
    "disconnect": "The connection to the SerwerSMS API broke before it answered.",
    "refused": "Could not connect to the SerwerSMS API. Nothing was changed; try again.",
}
OUTCOMES = {
    "http500": "unknown",
    "timeout": "unknown",
    "malformed": "unknown",
    "disconnect": "unknown",
    "api_error": "failed",
    "refused": "failed",
}


@pytest.fixture(autouse=True)
def _fast_timeouts(settings, request):
    # For the timeout fault: the sandbox sleeps longer than the app waits, and the app gives
    # up soon. Other modes keep the usual wait, so that a loaded machine answering a big write
    # late is not taken for a time-out.
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("mode") == "timeout":
        settings.SANDBOX_TIMEOUT_SECONDS = 1.0
        settings.SERWERSMS_READ_TIMEOUT = 0.3


@pytest.fixture
def world(alice_account):
    return make_world(alice_account)


@pytest.fixture
def break_writes(monkeypatch):
    """The reads answer, the write fails in this mode."""

    def set_mode(mode: str) -> None:
        writes_fail(monkeypatch, mode)

    return set_mode


# --- Each write path, ready to post: what it sends and what its entry must say ---------------


def contact_add(client, world):
    chosen = sorted([world.klienci.id, world.dostawcy.id])
    return SimpleNamespace(
        url="/contacts/add/",
        data=contact_form(client, "/contacts/add/") | TYPED | {"group_id": chosen},
        headers={},
        action="contact_add",
        # The id is known only from the answer that did not come.
        target_id=None,
        target_name="Celina Zając",
        phone="+48700800900",
        before=None,
        after={
            "id": None,
            **TYPED_AS_SENT,
            "group_ids": chosen,
            "group_names": {
                str(world.klienci.id): "Klienci VIP",
                str(world.dostawcy.id): "Dostawcy",
            },
        },
    )


def contact_change(client, world):
    before = contact_in_sandbox(world.anna.id)
    return SimpleNamespace(
        url=f"/contacts/{world.anna.id}/change/",
        data=contact_form(client, f"/contacts/{world.anna.id}/change/")
        | {"city": ["Kraków"], "group_id": [str(world.partnerzy.id)]},
        headers={},
        action="contact_edit",
        target_id=world.anna.id,
        target_name="Anna Kowalska",
        phone="+48500600700",
        before=before,
        after={
            **before,
            "city": "Kraków",
            "group_ids": [world.partnerzy.id],
            "group_names": {str(world.partnerzy.id): "Partnerzy"},
        },
    )


def contact_delete(client, world, url="/contacts/{id}/delete/", headers=None):
    return SimpleNamespace(
        url=url.format(id=world.anna.id),
        data={},
        headers=headers or {},
        action="contact_delete",
        target_id=world.anna.id,
        target_name="Anna Kowalska",
        phone="+48500600700",
        before=contact_in_sandbox(world.anna.id),
        after=None,
    )


def contact_delete_row(client, world):
    return contact_delete(client, world, "/contacts/{id}/delete/row/", HTMX)


def group_add(client, world):
    return SimpleNamespace(
        url="/groups/add/",
        data={"name": "Nowa grupa"},
        headers={},
        action="group_add",
        target_id=None,
        target_name="Nowa grupa",
        phone="",
        before=None,
        after={"id": None, "name": "Nowa grupa"},
    )


def group_change(client, world):
    before = group_in_sandbox(world.klienci.id)
    return SimpleNamespace(
        url=f"/groups/{world.klienci.id}/change/",
        data={"name": "Stali klienci"},
        headers={},
        action="group_edit",
        target_id=world.klienci.id,
        target_name="Stali klienci",
        phone="",
        before=before,
        after={**before, "name": "Stali klienci"},
    )


def group_delete(client, world, delete_contacts=False):
    return SimpleNamespace(
        url=f"/groups/{world.klienci.id}/delete/",
        data={"delete_contacts": "on"} if delete_contacts else {},
        headers={},
        action="group_delete",
        target_id=world.klienci.id,
        target_name="Klienci VIP",
        phone="",
        before=group_deletion_before(world.klienci.id, delete_contacts),
        after=None,
    )


def group_delete_with_contacts(client, world):
    return group_delete(client, world, delete_contacts=True)


WRITE_PATHS = [
    contact_add,
    contact_change,
    contact_delete,
    contact_delete_row,
    group_add,
    group_change,
    group_delete,
    group_delete_with_contacts,
]


@pytest.mark.parametrize("mode", list(OUTCOMES))
@pytest.mark.parametrize("write_path", WRITE_PATHS, ids=lambda path: path.__name__)
def test_a_failed_write_is_recorded_once_with_its_outcome_and_the_record_before(
    client, alice, world, break_writes, write_path, mode
):
    write = write_path(client, world)
    break_writes(mode)

    response, entry = recorded(lambda: client.post(write.url, write.data, headers=write.headers))

    assert response.status_code == 200
    assert summary(entry) == expected(
        alice,
        write.action,
        write.target_id,
        write.target_name,
        phone=write.phone,
        outcome=OUTCOMES[mode],
        error=REASONS[mode],
    )
    assert members_sorted(entry.before) == write.before
    assert entry.after == write.after


@pytest.mark.parametrize("write_path", WRITE_PATHS, ids=lambda path: path.__name__)
def test_the_same_write_working_is_recorded_as_done_with_the_same_records(
    client, alice, world, write_path
):
    """The same entry, done, for the same write that works: the failure changes only the outcome."""
    write = write_path(client, world)

    response, entry = recorded(lambda: client.post(write.url, write.data, headers=write.headers))

    assert response.status_code in (200, 302)
    made_id = write.target_id
    if made_id is None:  # an add: the id the sandbox gave the new record
        made_id = (Contact if write.action == "contact_add" else Group).objects.latest("id").id
    assert summary(entry) == expected(
        alice, write.action, made_id, write.target_name, phone=write.phone
    )
    assert members_sorted(entry.before) == write.before
    if write.after is not None:
        assert entry.after == {**write.after, "id": made_id}


@pytest.mark.parametrize(
    "url, data",
    [
        ("/groups/add/", {"name": "Nowa grupa"}),
        # Its groups cannot be listed, but none was chosen: the contact is sent.
        ("/contacts/add/", {"phone": "700800900", "first_name": "Celina"}),
    ],
)
def test_a_write_to_an_api_that_cannot_be_reached_is_recorded_as_failed(
    client, alice, settings, url, data
):
    settings.SERWERSMS_API_URL = closed_port_url()

    response, entry = recorded(lambda: client.post(url, data))

    assert response.status_code == 200
    assert (entry.outcome, entry.error) == ("failed", REASONS["refused"])
    assert entry.target_id is None
    assert entry.before is None


def test_a_write_whose_outcome_is_unknown_but_was_made_is_still_recorded_once(
    client, alice, alice_account, break_writes
):
    break_writes("disconnect")

    response, entry = recorded(lambda: client.post("/groups/add/", {"name": "Nowa grupa"}))

    # The sandbox made the group and the answer was lost: one entry, unknown, no id.
    assert response.status_code == 200
    assert Group.objects.filter(account=alice_account, name="Nowa grupa").exists()
    assert (entry.outcome, entry.target_id) == ("unknown", None)


# --- Nothing sent, nothing recorded ---------------------------------------------------------


@pytest.fixture
def sent(monkeypatch):
    """The action of each request the app sends, answered or not."""
    actions = []
    send = SerwerSMSClient._send

    def noting_send(self, resource, action, url, body, headers):
        actions.append(action)
        return send(self, resource, action, url, body, headers)

    monkeypatch.setattr(SerwerSMSClient, "_send", noting_send)
    return actions


INVALID_FORMS = [
    ("/contacts/add/", {"phone": "700800900", "tax_id": "5260250275"}),
    ("/contacts/add/", {"phone": ""}),
    ("/contacts/{anna}/change/", {"phone": "500600700", "tax_id": "5260250275"}),
    ("/groups/add/", {"name": ""}),
    ("/groups/add/", {"name": "x" * 101}),
    ("/groups/{klienci}/change/", {"name": "   "}),
    ("/settings/credentials/", {"auth_style": "password", "username": "", "secret": "x"}),
    ("/settings/credentials/", {"auth_style": "token", "secret": "two words"}),
]


@pytest.mark.parametrize("url, data", INVALID_FORMS)
def test_an_invalid_form_records_nothing(client, alice, world, sent, url, data):
    response = client.post(url.format(anna=world.anna.id, klienci=world.klienci.id), data)

    assert response.status_code == 200
    assert not HistoryEntry.objects.exists()
    assert set(sent) <= READ_ACTIONS


UNREADABLE = [
    # (the URL, what is posted (or the write path whose form it is), htmx,
    #  how many calls answer before every one fails)
    ("/contacts/add/", contact_add, False, 0),  # groups/index, with groups chosen
    ("/contacts/{anna}/change/", contact_change, False, 0),  # contacts/view
    ("/contacts/{anna}/change/", contact_change, False, 1),  # groups/check
    ("/contacts/{anna}/change/", contact_change, False, 2),  # groups/index
    ("/contacts/{anna}/delete/", {}, False, 0),  # contacts/view
    ("/contacts/{anna}/delete/", {}, False, 1),  # groups/check, for the record before
    ("/contacts/{anna}/delete/row/", {}, True, 0),  # contacts/view, for the record before
    ("/contacts/{anna}/delete/row/", {}, True, 1),  # groups/check, for the record before
    ("/groups/{klienci}/change/", {"name": "Stali klienci"}, False, 0),  # groups/view
    ("/groups/{klienci}/delete/", {"delete_contacts": "on"}, False, 0),  # groups/view
    ("/groups/{klienci}/delete/", {"delete_contacts": "on"}, False, 1),  # contacts/index
    ("/groups/{klienci}/delete/", {"delete_contacts": "on"}, False, 2),  # a member's check
    ("/groups/{klienci}/delete/", {}, False, 3),  # the other member's groups/check
]


@pytest.mark.parametrize("mode", ["http500", "disconnect"])
@pytest.mark.parametrize(
    "url, data, htmx, answered",
    UNREADABLE,
    ids=[f"{url}-{answered}-answered" for url, _, _, answered in UNREADABLE],
)
def test_a_write_refused_because_the_record_could_not_be_read_records_nothing(
    client, alice, world, monkeypatch, sent, url, data, htmx, answered, mode
):
    if callable(data):
        data = data(client, world).data  # the form as filled in, before the API broke
    url = url.format(anna=world.anna.id, klienci=world.klienci.id)
    cache.clear()  # the group list, cached when the form was shown, is read again
    sent.clear()
    sandbox_fails_after(monkeypatch, answered=answered, mode=mode)

    response = client.post(url, data, headers=HTMX if htmx else {})

    assert response.status_code in (200, 302)
    assert not HistoryEntry.objects.exists()
    # Reads were tried, and nothing else.
    assert sent
    assert set(sent) <= READ_ACTIONS
    assert Contact.objects.filter(id=world.anna.id).exists()
    assert Group.objects.get(id=world.klienci.id).name == "Klienci VIP"
