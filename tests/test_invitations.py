"""Invitations: a superuser invites a person by e-mail in a role; the e-mail leaves through a
real SMTP server; its link sets a password once, before it expires, signs the person in and
takes them to their API credentials."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from contacts_ui import roles
from contacts_ui.models import Invitation
from tests.helpers import form_values, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zielona-łąka-2026"
ADDRESS = "ewa.nowak@example.com"


@pytest.fixture
def invite(client, root):
    """Invite someone from the form, as the superuser root; the answer."""

    def send(email: str = ADDRESS, role: str = roles.EDITOR):
        return client.post("/people/invite/", {"email": email, "role": role})

    return send


def _link(inbox) -> str:
    return re.search(r"http://testserver(/invitation/[^\s]+/)", inbox.body()).group(1)


def _open(person: Client, link: str):
    """Open the e-mail's link, as a browser does: the page it ends on (the token moved out of
    the address, into the session)."""
    response = person.get(link, follow=True)
    assert response.redirect_chain == [(re.sub(r"/[^/]+/$", "/set-password/", link), 302)]
    return response


def _set_password(link: str, password: str = NEW_PASSWORD, person: Client | None = None):
    """Open the link and set this password on the page it ends on: the answer, followed."""
    person = person or Client()
    url = _open(person, link).redirect_chain[-1][0]
    return person.post(url, {"new_password1": password, "new_password2": password}, follow=True)


def test_an_invitation_is_sent_by_smtp_with_a_link_and_the_role(invite, smtp_inbox):
    response = invite()

    assert response.status_code == 302
    [message] = smtp_inbox.messages
    assert message["To"] == ADDRESS and message["X-Envelope-To"] == ADDRESS
    assert message["Subject"] == "You are invited to SerwerSMS Contacts"
    body = smtp_inbox.body()
    assert "Your role there: Editor." in body
    assert f"sign in with this username: {ADDRESS}" in body
    user = User.objects.get(username=ADDRESS)
    assert not user.has_usable_password()
    assert roles.role_of(user) == roles.EDITOR
    assert Invitation.objects.get().invited_by.username == "root"


def test_the_link_sets_the_password_signs_in_and_leads_to_the_credentials(invite, smtp_inbox):
    invite(role=roles.VIEWER)
    person = Client()
    link = _link(smtp_inbox)
    page = _open(person, link).content.decode()
    assert "You were invited as Viewer" in page
    assert link.split("/")[-2] not in page  # the token

    response = _set_password(link, person=person)

    assert response.redirect_chain[-1][0] == "/settings/credentials/"
    assert "enter your API credentials to begin" in response.content.decode()
    user = User.objects.get(username=ADDRESS)
    assert user.check_password(NEW_PASSWORD)
    assert Invitation.objects.get().accepted_at is not None
    signed_in = Client().post("/accounts/login/", {"username": ADDRESS, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_the_link_works_once(invite, smtp_inbox):
    invite()
    link = _link(smtp_inbox)
    _set_password(link)

    again = _set_password(link, "Inne-hasło-99")

    assert again.status_code == 404
    assert "The link has been used already, has expired" in again.content.decode()
    assert User.objects.get(username=ADDRESS).check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused(invite, smtp_inbox):
    invite()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = _set_password(_link(smtp_inbox))

    assert response.status_code == 404
    assert not User.objects.get(username=ADDRESS).has_usable_password()


@pytest.mark.parametrize("mangle", [lambda link: link[:-3] + "xx/", lambda link: link + "x/"])
def test_a_mistyped_link_is_refused(invite, smtp_inbox, mangle):
    invite()
    response = Client().get(mangle(_link(smtp_inbox)), follow=True)
    assert response.status_code == 404


def test_a_weak_password_is_refused_with_the_reason_and_the_link_still_works(invite, smtp_inbox):
    invite()
    link = _link(smtp_inbox)
    page = _set_password(link, "1234").content.decode()
    assert "This password is too short." in page
    assert _open(Client(), link).status_code == 200


def test_an_address_with_a_login_already_is_refused_and_nothing_is_sent(invite, smtp_inbox):
    User.objects.filter(pk=make_user("ola").pk).update(email=ADDRESS.upper())
    page = invite().content.decode()
    assert "Someone with this address has a login already." in page
    assert smtp_inbox.messages == []
    assert not Invitation.objects.exists()


def test_a_mail_server_refusing_it_is_said_and_nobody_is_invited(client, invite, smtp_inbox):
    smtp_inbox.refuse_with = "554 Transaction failed: no relaying"
    response = invite()
    page = response.content.decode()
    assert response.status_code == 200
    assert "The invitation could not be sent" in page and "nobody was invited" in page
    assert ADDRESS in form_values(page, "invite-form")["email"]
    assert not User.objects.filter(username=ADDRESS).exists()


def test_pending_invitations_are_listed_until_taken_up(client, invite, smtp_inbox):
    invite()
    page = client.get("/people/invite/").content.decode()
    assert f'<th scope="row">{ADDRESS}</th>' in page
    _set_password(_link(smtp_inbox))
    assert ADDRESS not in client.get("/people/invite/").content.decode()


def test_only_a_superuser_invites(client, smtp_inbox):
    client.force_login(make_user("mira", role=roles.MANAGER))
    assert client.get("/people/invite/").status_code == 403
    response = client.post("/people/invite/", {"email": ADDRESS, "role": roles.MANAGER})
    assert response.status_code == 403
    assert smtp_inbox.messages == []
    assert not User.objects.filter(username=ADDRESS).exists()


def test_the_invitation_and_its_page_are_in_polish(client, invite, smtp_inbox):
    client.cookies.load({"django_language": "pl"})
    invite()
    assert smtp_inbox.messages[0]["Subject"] == "Zaproszenie do Kontaktów SerwerSMS"
    person = Client()
    person.cookies.load({"django_language": "pl"})
    assert "Ustaw swoje hasło" in _open(person, _link(smtp_inbox)).content.decode()


def test_withdrawing_a_pending_invitation_in_the_admin_deletes_its_login(
    client, invite, smtp_inbox
):
    invite()
    invite(email="jan@example.com")
    taken_up = Invitation.objects.get(email="jan@example.com")
    _set_password(_link(smtp_inbox))
    pending = Invitation.objects.get(email=ADDRESS)
    assert Invitation.objects.get(pk=taken_up.pk).accepted_at is not None

    client.post(
        "/admin/contacts_ui/invitation/",
        {
            "action": "delete_selected",
            "_selected_action": [pending.pk, taken_up.pk],
            "post": "yes",
        },
    )

    assert not Invitation.objects.exists()
    assert not User.objects.filter(username=ADDRESS).exists()
    assert User.objects.filter(username="jan@example.com").exists()
