"""A superuser enters a person's API credentials for them (contacts_ui.views.people): checked
with SerwerSMS as the person's own page checks them, saved encrypted for that person alone,
and never shown again, to either of them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from contacts_ui.models import ApiCredentials, HistoryEntry
from contacts_ui.sandbox.models import Group
from tests.helpers import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ewa(db):
    """Ewa, an Editor invited a moment ago, with no API credentials yet."""
    from contacts_ui import roles

    return make_user("ewa", role=roles.EDITOR)


def test_a_superuser_enters_a_persons_token_and_the_person_works_with_it(
    client, root, ewa, alice_account, api_url
):
    Group.objects.create(account=alice_account, name="Klienci")

    answer = client.post(
        f"/people/{ewa.pk}/credentials/?next=/people/invite/",
        {"auth_style": "token", "secret": "alice-token"},
        follow=True,
    )

    assert answer.redirect_chain[-1][0] == "/people/invite/"
    assert "The API credentials of ewa were checked with SerwerSMS and saved" in (
        answer.content.decode()
    )
    stored = ApiCredentials.objects.get(user=ewa)
    assert (stored.auth_style, stored.get_secret()) == ("token", "alice-token")
    assert not ApiCredentials.objects.filter(user=root).exists()
    entry = HistoryEntry.objects.get(action="credentials_change")
    assert entry.user == ewa and entry.after == {"auth_style": "token", "username": ""}
    # Ewa signs in and works at once.
    ewas = Client()
    ewas.force_login(ewa)
    assert "Klienci" in ewas.get("/groups/").content.decode()
    # The page shows what is saved, never the secret, to the superuser or to her.
    for who in (client, ewas):
        page = who.get(
            f"/people/{ewa.pk}/credentials/" if who is client else "/settings/credentials/"
        )
        assert "alice-token" not in page.content.decode()
        assert "Saved credentials: API token" in page.content.decode()


def test_credentials_serwersms_refuses_are_not_saved_and_the_form_keeps_the_rest(
    client, root, ewa, alice_account, api_url
):
    answer = client.post(
        f"/people/{ewa.pk}/credentials/",
        {"auth_style": "password", "username": "alice", "secret": "wrong-password"},
    )

    assert answer.status_code == 200
    page = answer.content.decode()
    assert "SerwerSMS rejected these credentials" in page
    assert 'value="alice"' in page and "wrong-password" not in page
    assert not ApiCredentials.objects.filter(user=ewa).exists()
    assert not HistoryEntry.objects.exists()


def test_saved_credentials_are_replaced_and_the_old_secret_kept_when_left_empty(
    client, root, alice_account, api_url
):
    ewa = make_user("ewa", token="old-token")

    client.post(f"/people/{ewa.pk}/credentials/", {"auth_style": "token", "secret": "alice-token"})
    assert ApiCredentials.objects.get(user=ewa).get_secret() == "alice-token"

    # Left empty, the saved secret stays and is checked again.
    answer = client.post(f"/people/{ewa.pk}/credentials/", {"auth_style": "token", "secret": ""})
    assert answer.status_code == 302
    assert ApiCredentials.objects.get(user=ewa).get_secret() == "alice-token"


def test_only_a_superuser_may_and_an_unknown_person_is_not_found(client, root, ewa):
    assert client.get("/people/999999/credentials/").status_code == 404
    manager = Client()
    manager.force_login(make_user("marek"))
    answer = manager.post(
        f"/people/{ewa.pk}/credentials/", {"auth_style": "token", "secret": "alice-token"}
    )
    assert answer.status_code == 403
    assert not ApiCredentials.objects.filter(user=ewa).exists()


def test_the_admin_and_the_invitations_lead_to_it_showing_no_secret(
    client, root, alice_account, api_url
):
    client.post("/people/invite/", {"email": "ewa@example.com", "role": "Editor"})
    ewa = User.objects.get(email="ewa@example.com")
    invitations = client.get("/people/invite/").content.decode()
    assert f'href="/people/{ewa.pk}/credentials/?next=/people/invite/"' in invitations
    assert "Enter them for this person" in invitations

    admin_page = client.get(f"/admin/auth/user/{ewa.pk}/change/").content.decode()
    assert "None saved." in admin_page
    assert f"/people/{ewa.pk}/credentials/?next=%2Fadmin%2Fauth%2Fuser%2F{ewa.pk}" in admin_page

    client.post(f"/people/{ewa.pk}/credentials/", {"auth_style": "token", "secret": "alice-token"})
    admin_page = client.get(f"/admin/auth/user/{ewa.pk}/change/").content.decode()
    assert "API token, saved" in admin_page and "alice-token" not in admin_page
    assert "Saved; enter new ones" in client.get("/people/invite/").content.decode()
