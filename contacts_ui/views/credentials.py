from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from .. import diagnostics, roles
from ..api_access import client_for
from ..crypto import SecretUnreadable
from ..forms import CredentialsForm
from ..history.recorder import record_credentials_change
from ..models import ApiCredentials
from ..serwersms import Credentials, CredentialsRejected, SerwerSMSError
from .shared import api_client_required, safe_next


@sensitive_variables("secret", "credentials", "data")
def save_checked_credentials(
    request: HttpRequest, form: CredentialsForm, owner, stored: ApiCredentials | None
) -> ApiCredentials | None:
    """The valid form's credentials for `owner`, checked with SerwerSMS by a cheap call and
    then saved (the secret encrypted) and recorded in the history; None, with the reason added
    to the form, if the saved secret cannot be read or SerwerSMS refuses or fails."""
    data = form.cleaned_data
    try:
        secret = form.new_secret() or stored.get_secret()
    except SecretUnreadable:
        form.add_error("secret", _("The saved secret can no longer be read; enter it again."))
        return None
    credentials = Credentials(data["auth_style"], data["username"], secret)
    try:
        client_for(request, credentials).groups_index(limit=1)
    except CredentialsRejected:
        form.add_error(
            None,
            _(
                "SerwerSMS rejected these credentials. Check the token, or the "
                "username and password, and try again. Nothing was saved."
            ),
        )
        return None
    except SerwerSMSError as exc:
        form.add_error(None, _("Nothing was saved: %(reason)s") % {"reason": exc.message})
        return None
    previous = {"auth_style": stored.auth_style, "username": stored.username} if stored else None
    stored = stored or ApiCredentials(user=owner)
    stored.auth_style = data["auth_style"]
    stored.username = data["username"]
    stored.set_secret(secret)
    stored.save()
    record_credentials_change(owner, previous, data)
    return stored


def credentials_form(request: HttpRequest, stored: ApiCredentials | None) -> CredentialsForm:
    """The form, bound to a POST, or showing what is saved (never the secret)."""
    if request.method == "POST":
        return CredentialsForm(request.POST, stored=stored)
    initial = {"auth_style": stored.auth_style, "username": stored.username} if stored else {}
    return CredentialsForm(initial=initial, stored=stored)


# An error report (Django's, or an exception tracker's) must not carry the secret.
@sensitive_post_parameters("secret")
@login_required
@require_http_methods(["GET", "POST"])
def credentials_edit(request: HttpRequest) -> HttpResponse:
    stored = ApiCredentials.objects.filter(user=request.user).first()
    form = credentials_form(request, stored)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_checked_credentials(request, form, request.user, stored)
    ):
        messages.success(
            request,
            format_html(
                _(
                    "Your API credentials were checked with SerwerSMS and saved. "
                    '<a href="{url}">The diagnostics page</a> checks everything '
                    "else the app needs."
                ),
                url=reverse("contacts_ui:diagnostics"),
            ),
        )
        return redirect(safe_next(request) or "contacts_ui:group_list")
    context = {
        "title": _("My API credentials"),
        "form": form,
        "stored": stored,
        "next": safe_next(request) or "",
    }
    return render(request, "contacts_ui/credentials_form.html", context)


@login_required
@roles.permission_required(roles.VIEW)
@api_client_required
def diagnostics_page(request: HttpRequest, client) -> HttpResponse:
    """Read-only probes with the user's own credentials: what works, and what to do."""
    context = {
        "title": _("Diagnostics"),
        "findings": diagnostics.run(client),
        "api_url": client.base_url,
    }
    return render(request, "contacts_ui/diagnostics.html", context)
