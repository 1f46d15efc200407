"""Deleting a group: a confirmation on GET; on POST the group goes, its contacts only if asked."""

import pytest

from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import make_contact, make_user, sandbox_fails_after

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group(alice_account):
    group = Group.objects.create(account=alice_account, name="Klienci VIP")
    for n in range(3):
        make_contact(alice_account, f"+4850060070{n}", groups=[group])
    return group


@pytest.fixture
def elsewhere(alice_account):
    """A contact in no group, which no deletion of a group may touch."""
    return make_contact(alice_account, "+48600700800")


def test_it_requires_login(client, db):
    response = client.get("/groups/1/delete/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/groups/1/delete/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.post("/groups/1/delete/")
    assert response.url == "/settings/credentials/?next=%2Fgroups%2F1%2Fdelete%2F"


def test_it_asks_first_naming_the_group_and_its_count(client, alice, group):
    page = client.get(f"/groups/{group.id}/delete/").content.decode()
    assert "Are you sure you want to delete the group “Klienci VIP”? It holds 3 contacts." in page
    assert Group.objects.filter(id=group.id).exists()


def test_deleting_the_contacts_too_is_offered_unticked(client, alice, group):
    page = client.get(f"/groups/{group.id}/delete/").content.decode()
    assert (
        '<input type="checkbox" name="delete_contacts" id="id_delete_contacts" value="on">' in page
    )
    assert "Also delete its 3 contacts</label>" in page


def test_an_empty_group_offers_no_contacts_to_delete(client, alice, alice_account):
    empty = Group.objects.create(account=alice_account, name="Pusta")
    page = client.get(f"/groups/{empty.id}/delete/").content.decode()
    assert "It holds 0 contacts." in page
    assert "delete_contacts" not in page


def test_it_deletes_the_group_and_keeps_its_contacts(client, alice, alice_account, group):
    response = client.post(f"/groups/{group.id}/delete/")
    assert response.status_code == 302
    assert response.url == "/groups/"
    assert not Group.objects.filter(id=group.id).exists()
    assert Contact.objects.filter(account=alice_account).count() == 3


def test_it_says_the_contacts_were_kept(client, alice, group):
    response = client.post(f"/groups/{group.id}/delete/", follow=True)
    assert (
        '<li class="success">The group “Klienci VIP” was deleted; its 3 contacts were kept.</li>'
        in response.content.decode()
    )


def test_it_deletes_the_contacts_when_asked(client, alice, alice_account, group, elsewhere):
    response = client.post(f"/groups/{group.id}/delete/", {"delete_contacts": "on"}, follow=True)
    assert (
        '<li class="success">The group “Klienci VIP” and its 3 contacts were deleted.</li>'
        in response.content.decode()
    )
    assert not Group.objects.filter(id=group.id).exists()
    assert list(Contact.objects.filter(account=alice_account)) == [elsewhere]


def test_it_returns_to_the_list_as_it_was_left(client, alice, group):
    page = client.get(f"/groups/{group.id}/delete/?_changelist_filters=q%3DKl").content.decode()
    assert '<input type="hidden" name="_changelist_filters" value="q=Kl">' in page
    response = client.post(f"/groups/{group.id}/delete/", {"_changelist_filters": "q=Kl&o=-name"})
    assert response.url == "/groups/?q=Kl&o=-name"


def test_an_unknown_group_sends_back_to_the_list_with_a_message(client, alice):
    response = client.post("/groups/999999/delete/", follow=True)
    assert response.redirect_chain == [("/groups/", 302)]
    assert (
        '<li class="error">That group does not exist (it may have been deleted).</li>'
        in response.content.decode()
    )


def test_a_failure_to_read_the_group_is_a_message_on_the_list(client, alice, group, faults):
    faults("http500")
    response = client.get(f"/groups/{group.id}/delete/")
    assert response.status_code == 302
    assert response.url == "/groups/"


def test_a_failure_to_delete_keeps_the_page_with_the_error(client, alice, group, monkeypatch):
    sandbox_fails_after(monkeypatch, answered=1, mode="api_error")  # groups/view, then delete
    response = client.post(f"/groups/{group.id}/delete/", {"delete_contacts": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="errornote" role="alert">' in page
    assert "Wystąpił błąd wewnętrzny" in page
    assert Group.objects.filter(id=group.id).exists()
    assert Contact.objects.count() == 3


def test_get_changes_nothing(client, alice, group):
    client.get(f"/groups/{group.id}/delete/?delete_contacts=on")
    assert Group.objects.filter(id=group.id).exists()
    assert Contact.objects.count() == 3
