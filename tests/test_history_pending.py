"""An app process killed mid-write leaves a true history: the entry is written before the
call as "outcome unknown" and settled after it. Killed while the call is out, the entry
says the outcome is unknown; never missing for a write that went out, never "done" for one
that did not."""

import pytest

from contacts_ui import serwersms
from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import Group
from tests.helpers import ANNA, form_values, make_contact, sandbox_fails_on

pytestmark = pytest.mark.django_db(transaction=True)


class Killed(BaseException):
    """The process ending where it stands: nothing after it runs (not an Exception)."""


@pytest.fixture
def anna(alice_account):
    return make_contact(
        alice_account, groups=[Group.objects.create(account=alice_account, name="K")], **ANNA
    )


def test_a_process_killed_while_the_write_is_out_leaves_an_entry_saying_the_outcome_is_unknown(
    client, alice, anna, monkeypatch
):
    form = form_values(client.get(f"/contacts/{anna.id}/change/").content.decode(), "contact-form")
    seen = {}
    send = serwersms.SerwerSMSClient._send

    def killed_during_the_write(self, resource, action, *args):
        if action == "edit":
            # The call is on its way: what the history holds now is what a kill leaves.
            seen["entries"] = list(HistoryEntry.objects.values_list("action", "outcome"))
            send(self, resource, action, *args)
            raise Killed
        return send(self, resource, action, *args)

    monkeypatch.setattr(serwersms.SerwerSMSClient, "_send", killed_during_the_write)
    with pytest.raises(Killed):
        client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})

    assert seen["entries"] == [("contact_edit", "unknown")]
    entry = HistoryEntry.objects.get()
    assert entry.outcome == HistoryEntry.Outcome.UNKNOWN
    assert entry.after["city"] == "Kraków"


def test_a_write_that_ends_is_settled_in_the_same_entry(client, alice, anna):
    form = form_values(client.get(f"/contacts/{anna.id}/change/").content.decode(), "contact-form")
    client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})
    assert list(HistoryEntry.objects.values_list("action", "outcome")) == [("contact_edit", "done")]


def test_a_write_refused_is_settled_as_failed(client, alice, anna, monkeypatch):
    form = form_values(client.get(f"/contacts/{anna.id}/change/").content.decode(), "contact-form")
    sandbox_fails_on(monkeypatch, "api_error", "contacts/edit")
    client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})
    assert list(HistoryEntry.objects.values_list("outcome", flat=True)) == ["failed"]
