"""A confirmation page's promise is checked again when it is confirmed: a contact's
deletion refuses, saying what changed, when a colleague changed the contact since the page
was shown; a bulk action on
every contact a search finds, and a group merge, refuse, saying the difference, when they
would now concern another number of contacts than the page said; nothing is started until
the person confirms the page as it is now. (Ticked contacts deleted since are left out of
the job instead: test_contact_action.)"""

import pytest

from contacts_ui.models import HistoryEntry, Job
from contacts_ui.sandbox.models import Contact, Group
from tests import bulk_actions
from tests.bulk_actions import choose, confirm
from tests.helpers import form_values, make_contact

pytestmark = pytest.mark.django_db(transaction=True)

groups = bulk_actions.groups
people = bulk_actions.people


def test_a_bulk_action_across_a_search_refuses_when_the_search_finds_more_since(
    client, alice, alice_account, people, groups
):
    klienci = groups["Klienci"]
    confirmation = choose(
        client, "remove_from_group", list_url=f"/contacts/?g={klienci.id}", across=True
    )
    assert "The 4 contacts concerned" in confirmation.content.decode()
    make_contact(alice_account, "+48500600799", groups=[klienci], first_name="Nowa")

    refused = confirm(client, confirmation, klienci)

    page = refused.content.decode()
    assert (
        "This now concerns 5 contacts, not 4 as the page you confirmed said, so nothing was "
        "started. Check and confirm again."
    ) in page
    assert not Job.objects.exists()

    started = confirm(client, refused, klienci)
    assert started.status_code == 302
    assert str(Job.objects.get().params["query"]["g"]) == str(klienci.id)


def test_a_bulk_action_confirmed_as_it_is_starts(client, alice, people, groups):
    confirmation = choose(client, "delete", [people["Adam"], people["Beata"]])
    assert confirm(client, confirmation).status_code == 302


def _group_merge_confirmation(client, keep: Group, merge: Group) -> dict:
    url = f"/cleanup/groups/merge/?id={keep.id}&id={merge.id}&keep={keep.id}"
    return form_values(client.get(url).content.decode(), "merge-form")


def test_a_group_merge_refuses_when_the_group_to_empty_holds_more_since(
    client, alice, alice_account, people, groups
):
    klienci, vip = groups["Klienci"], groups["VIP"]
    form = _group_merge_confirmation(client, klienci, vip)
    assert form["count"] == ["1"]
    make_contact(alice_account, "+48500600799", groups=[vip], first_name="Nowa")

    response = client.post("/cleanup/groups/merge/", form)

    assert response.status_code == 200
    assert (
        "“VIP” now holds 2 contacts, not 1 as the page you confirmed said, so nothing was "
        "started. Check and confirm again."
    ) in response.content.decode()
    assert not Job.objects.exists()
    again = form_values(response.content.decode(), "merge-form")
    assert again["count"] == ["2"]
    assert client.post("/cleanup/groups/merge/", again).status_code == 302
    assert Job.objects.filter(kind=Job.Kind.GROUP_MERGE).exists()


def _contact_delete_confirmation(client, contact: Contact) -> tuple[str, dict]:
    page = client.get(f"/contacts/{contact.id}/delete/").content.decode()
    return page, form_values(page, "contact-delete-form")


def test_a_contact_deletion_refuses_when_a_colleague_changed_the_contact_since(
    client, alice, people, groups
):
    adam = people["Adam"]
    page, form = _contact_delete_confirmation(client, adam)
    assert "Klienci" in page  # the groups it is in, among what the page shows
    # A colleague changes the e-mail and puts the contact in another group meanwhile.
    adam.email = "adam@firma.pl"
    adam.save()
    adam.groups.add(groups["VIP"])

    refused = client.post(f"/contacts/{adam.id}/delete/", form)

    assert refused.status_code == 200
    shown = refused.content.decode()
    assert (
        "Someone changed this contact since this page was shown, so it was not deleted. "
        "Check what changed and confirm again."
    ) in shown
    assert "adam@firma.pl" in shown  # the difference, field by field
    assert "Klienci, VIP" in shown
    assert Contact.objects.filter(pk=adam.pk).exists()
    assert not HistoryEntry.objects.exists()  # nothing was sent

    # Confirmed again on the page as it is now, it is deleted.
    deleted = client.post(f"/contacts/{adam.id}/delete/", form_values(shown, "contact-delete-form"))
    assert deleted.status_code == 302
    assert not Contact.objects.filter(pk=adam.pk).exists()


def test_a_contact_deletion_confirmed_as_shown_deletes(client, alice, people):
    beata = people["Beata"]
    _page, form = _contact_delete_confirmation(client, beata)
    assert client.post(f"/contacts/{beata.id}/delete/", form).status_code == 302
    assert not Contact.objects.filter(pk=beata.pk).exists()
