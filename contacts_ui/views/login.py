"""The answer to a login refused by the throttling (django-axes calls it, see settings)."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The login page again, with the username kept and a sentence saying why and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = request.POST.get("username", "")[:150]
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": next_url,
        "title": _("Log in"),
        "lockout_message": _(
            "Too many failed logins for this username or from this address, so logging in "
            "is locked for %(minutes)s minutes. Try again later, or ask your administrator "
            "to unlock it."
        )
        % {"minutes": minutes},
    }
    return render(request, "registration/login.html", context, status=429)
