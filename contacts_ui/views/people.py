"""People: a superuser invites someone by e-mail in a role; the invited person sets their own
password from the link, once, and is taken to enter their API credentials, unless a superuser
has entered them for the person (write-only: checked with SerwerSMS, never shown again)."""

import functools
import logging
import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import invitations, roles
from ..forms import InvitationForm
from ..models import ApiCredentials, Invitation
from .credentials import credentials_form, save_checked_credentials
from .login import sign_in_choices
from .shared import safe_next

logger = logging.getLogger(__name__)
PENDING_SHOWN = 50
# The address an invitation's link is moved to, its token kept in the session meanwhile.
SET_PASSWORD = "set-password"
TOKEN_SESSION_KEY = "_invitation_token"


def superuser_required(view):
    """Managing people is a superuser's (contacts_ui.roles); anyone else gets the 403 page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied("only a superuser manages people")
        return view(request, *args, **kwargs)

    wrapper.required_permission = roles.MANAGE_PEOPLE
    return wrapper


@login_required
@superuser_required
@require_http_methods(["GET", "POST"])
def invite_person(request: HttpRequest) -> HttpResponse:
    """GET: the form, and the invitations not yet taken up. POST: invite, by e-mail."""
    form = InvitationForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        try:
            invitations.invite(request, email, role)
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning("The invitation to %s could not be sent: %s", email, exc)
            error = _(
                "The invitation could not be sent (the mail server said: %(reason)s), so "
                "nobody was invited. Check EMAIL_URL, or try again later."
            ) % {"reason": str(exc) or exc.__class__.__name__}
        else:
            messages.success(
                request,
                _(
                    "%(email)s was invited as %(role)s; the link may be used once, for "
                    "%(days)s days."
                )
                % {
                    "email": email,
                    "role": roles.ROLE_LABELS[role],
                    "days": settings.INVITATION_DAYS,
                },
            )
            return redirect("contacts_ui:people_invite")
    pending = Invitation.objects.filter(accepted_at=None).select_related(
        "invited_by", "user__api_credentials"
    )
    context = {
        "title": _("Invite a person"),
        "form": form,
        "error": error,
        "pending": pending[:PENDING_SHOWN],
        "now": timezone.now(),
        "role_labels": roles.ROLE_LABELS,
    }
    return render(request, "contacts_ui/people_invite.html", context)


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The invitation's link: set a password (once), be signed in, and go on to enter the
    API credentials. A link used already, expired or mistyped says so, and nothing else."""
    if token != SET_PASSWORD:
        # As Django's password reset does: the token moves into the session and out of the
        # address, so that the page's address (history, a Referer) no longer carries it.
        request.session[TOKEN_SESSION_KEY] = token
        return redirect("contacts_ui:invitation_accept", uidb64, SET_PASSWORD)
    token = request.session.get(TOKEN_SESSION_KEY, "")
    invitation = invitations.open_invitation(uidb64, token)
    if invitation is None:
        context = {"title": _("This invitation link cannot be used"), "invalid": True}
        return render(request, "contacts_ui/invitation_accept.html", context, status=404)
    role = roles.ROLE_LABELS.get(invitation.role, invitation.role)
    if not settings.PASSWORD_SIGN_IN:
        # No password to set: the company's sign-in, as this e-mail, takes the invitation up.
        context = {
            "title": _("Sign in to accept the invitation"),
            "invitation": invitation,
            "role": role,
            **sign_in_choices(request, reverse("contacts_ui:credentials")),
        }
        return render(request, "contacts_ui/invitation_accept.html", context)
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        del request.session[TOKEN_SESSION_KEY]
        invitations.take_up(user)
        login(request, user, backend="contacts_ui.auth.UserWithSettingsBackend")  # new session
        messages.success(
            request,
            _(
                "Welcome, %(username)s. Every action here runs under your own SerwerSMS API "
                "access: enter your API credentials to begin."
            )
            % {"username": user.get_username()},
        )
        return redirect("contacts_ui:credentials")
    context = {
        "title": _("Set your password"),
        "form": form,
        "invitation": invitation,
        "role": role,
    }
    return render(request, "contacts_ui/invitation_accept.html", context)


@sensitive_post_parameters("secret")
@login_required
@superuser_required
@require_http_methods(["GET", "POST"])
def person_credentials(request: HttpRequest, user_id: int) -> HttpResponse:
    """A superuser enters a person's API credentials for them: checked with SerwerSMS as the
    person's own page checks them, saved encrypted, and never shown again, to either of them."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    stored = ApiCredentials.objects.filter(user=person).first()
    form = credentials_form(request, stored)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_checked_credentials(request, form, person, stored)
    ):
        messages.success(
            request,
            _(
                "The API credentials of %(person)s were checked with SerwerSMS and saved. "
                "The secret is never shown again, to you or to them."
            )
            % {"person": person.get_username()},
        )
        return redirect(safe_next(request) or "contacts_ui:people_invite")
    context = {
        "title": _("API credentials of %(person)s") % {"person": person.get_username()},
        "form": form,
        "stored": stored,
        "person": person,
        "next": safe_next(request) or "",
    }
    return render(request, "contacts_ui/credentials_form.html", context)
