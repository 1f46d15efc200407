"""Renaming a group: the form is filled from groups/view and saved with groups/edit."""

import pytest

from contacts_ui.sandbox.models import Group
from tests.conftest import make_sandbox_account
from tests.helpers import form_values, make_contact, make_user, sandbox_fails_after

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group(alice_account):
    group = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, "+48500600701", groups=[group])
    make_contact(alice_account, "+48500600702", groups=[group])
    return group


def _name(group):
    group.refresh_from_db()
    return group.name


def test_it_requires_login(client, db):
    response = client.get("/groups/1/change/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/groups/1/change/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get("/groups/1/change/")
    assert response.url == "/settings/credentials/?next=%2Fgroups%2F1%2Fchange%2F"


def test_it_fills_in_the_name_and_shows_the_count(client, alice, group):
    page = client.get(f"/groups/{group.id}/change/").content.decode()
    assert "<title>Change group | SerwerSMS Contacts</title>" in page
    assert form_values(page, "group-form")["name"] == ["Klienci"]
    assert '<label>Contacts:</label><div class="readonly">2</div>' in page
    assert f'<a href="/groups/{group.id}/delete/" class="deletelink">Delete</a>' in page


def test_it_saves_the_new_name(client, alice, group):
    response = client.post(f"/groups/{group.id}/change/", {"name": "  Klienci VIP "})
    assert response.status_code == 302
    assert response.url == "/groups/"
    assert _name(group) == "Klienci VIP"


def test_it_says_the_group_was_saved(client, alice, group):
    response = client.post(f"/groups/{group.id}/change/", {"name": "Stali klienci"}, follow=True)
    assert '<li class="success">The group “Stali klienci” was saved.</li>' in (
        response.content.decode()
    )


def test_save_and_continue_editing_stays_on_the_form(client, alice, group):
    response = client.post(
        f"/groups/{group.id}/change/", {"name": "Hurt", "_continue": "Save and continue editing"}
    )
    assert response.status_code == 302
    assert response.url == f"/groups/{group.id}/change/"
    assert _name(group) == "Hurt"


def test_it_returns_to_the_list_as_it_was_left(client, alice, group):
    url = f"/groups/{group.id}/change/?_changelist_filters=q%3DKl%26o%3D-name"
    page = client.get(url).content.decode()
    assert '<input type="hidden" name="_changelist_filters" value="q=Kl&amp;o=-name">' in page
    assert (
        f'<a href="/groups/{group.id}/delete/?_changelist_filters=q%3DKl%26o%3D-name"'
        ' class="deletelink">' in page
    )
    response = client.post(url, {"name": "Klienci", "_changelist_filters": "q=Kl&o=-name"})
    assert response.url == "/groups/?q=Kl&o=-name"


def test_a_name_of_101_characters_is_refused(client, alice, group):
    response = client.post(f"/groups/{group.id}/change/", {"name": "z" * 101})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value has at most 100 characters (it has 101)." in page
    assert form_values(page, "group-form")["name"] == ["z" * 101]
    assert _name(group) == "Klienci"


def test_an_htmx_save_answers_with_a_client_redirect(client, alice, group):
    response = client.post(
        f"/groups/{group.id}/change/", {"name": "Nowi"}, headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == "/groups/"
    assert _name(group) == "Nowi"


def test_an_invalid_htmx_save_gets_the_form_back_alone(client, alice, group):
    response = client.post(
        f"/groups/{group.id}/change/", {"name": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<form method="post" id="group-form"')
    assert "<html" not in body
    assert "This field is required." in body


def test_an_unknown_group_sends_back_to_the_list_with_a_message(client, alice, group):
    response = client.get("/groups/999999/change/?_changelist_filters=q%3DKl", follow=True)
    assert response.redirect_chain == [("/groups/?q=Kl", 302)]
    assert (
        '<li class="error">That group does not exist (it may have been deleted).</li>'
        in response.content.decode()
    )


def test_another_accounts_group_is_unknown(client, alice, group):
    bobs = Group.objects.create(account=make_sandbox_account("bob"), name="Grupa Boba")
    response = client.post(f"/groups/{bobs.id}/change/", {"name": "Przejęta"})
    assert response.status_code == 302
    assert response.url == "/groups/"
    assert _name(bobs) == "Grupa Boba"


def test_an_api_failure_while_saving_keeps_the_input(client, alice, group, monkeypatch):
    sandbox_fails_after(monkeypatch, answered=1, mode="http500")  # groups/view, then groups/edit
    response = client.post(f"/groups/{group.id}/change/", {"name": "Nie zapisana"})
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "The SerwerSMS API answered with an error (HTTP 500). The change may or may not have "
        "been made. Before you try again, "
        '<a href="/groups/?q=Nie+zapisana" target="_blank" rel="noopener">'
        "search the groups for “Nie zapisana”</a> (opens in a new tab) to see whether it was. "
        "Your input is kept" in page
    )
    assert form_values(page, "group-form")["name"] == ["Nie zapisana"]
    assert _name(group) == "Klienci"


def test_an_api_failure_reading_the_group_keeps_the_typed_name(client, alice, group, faults):
    faults("http500")
    response = client.post(f"/groups/{group.id}/change/", {"name": "Nowa nazwa"})
    page = response.content.decode()
    assert "Your input is kept; try again." in page
    assert form_values(page, "group-form")["name"] == ["Nowa nazwa"]


def test_an_htmx_save_of_a_group_deleted_meanwhile_leaves_for_the_list(client, alice, group):
    group_id = group.id
    group.delete()
    response = client.post(
        f"/groups/{group_id}/change/", {"name": "Nowi"}, headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == "/groups/"
