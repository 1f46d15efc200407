"""Inviting a person: a superuser names an e-mail address and a role; the person's login is
made at once (the address as its username, no password) and an e-mail carries a link to set
one. The link is Django's password-reset token under a salt of its own: it holds the login's
password hash, so it stops working the moment a password is set (used once), and it is taken
only until the invitation's `expires_at`."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from . import roles
from .models import Invitation


class _InvitationTokens(PasswordResetTokenGenerator):
    key_salt = "contacts_ui.invitations"


tokens = _InvitationTokens()


def link(request, invitation: Invitation) -> str:
    """The invitation's link, absolute, as the e-mail gives it."""
    uid = urlsafe_base64_encode(force_bytes(invitation.user.pk))
    path = reverse("contacts_ui:invitation_accept", args=[uid, tokens.make_token(invitation.user)])
    return request.build_absolute_uri(path)


def invite(request, email: str, role: str) -> Invitation:
    """Make the person's login in the role, and e-mail them the link; nothing is kept if the
    e-mail cannot be sent (the SMTP server's error is raised)."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=email, email=email)
        user.groups.add(roles.role_group(role))
        invitation = Invitation.objects.create(
            user=user,
            email=email,
            role=role,
            invited_by=request.user,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        )
        send(request, invitation)
    return invitation


def send(request, invitation: Invitation) -> None:
    context = {
        "link": link(request, invitation),
        "role": roles.ROLE_LABELS.get(invitation.role, invitation.role),
        "invited_by": request.user.get_full_name() or request.user.get_username(),
        "expires_at": invitation.expires_at,
        "username": invitation.user.get_username(),
        "email": invitation.email,
        # Without passwords, the link leads to the company's sign-in, which takes the
        # invitation up when the person signs in with this e-mail (contacts_ui.company_sign_in).
        "provider": None if settings.PASSWORD_SIGN_IN else settings.OIDC_PROVIDER_NAME,
    }
    subject = render_to_string("contacts_ui/email/invitation_subject.txt", context).strip()
    body = render_to_string("contacts_ui/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def take_up(user) -> None:
    """The person's invitation, if one is waiting, is taken up (their password set, or their
    first sign-in with the company's identity provider)."""
    Invitation.objects.filter(user=user, accepted_at=None).update(accepted_at=timezone.now())


def open_invitation(uidb64: str, token: str) -> Invitation | None:
    """The invitation the link is for, if the link may still be used: the token matches the
    login as it is now (no password set since) and the invitation has not expired."""
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None
    invitation = (
        Invitation.objects.select_related("user")
        .filter(user_id=user_id, accepted_at=None, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None or not tokens.check_token(invitation.user, token):
        return None
    return invitation
