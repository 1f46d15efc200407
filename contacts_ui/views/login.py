"""The login page: a password, the company's identity provider, or both (settings
PASSWORD_SIGN_IN, OIDC_*), and its answer to a login refused by the throttling (django-axes
calls it, see settings)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .. import company_sign_in


def sign_in_choices(request: HttpRequest, next_url: str = "") -> dict:
    """What the login page offers: the company's sign-in (its button's words and address,
    the page to come back to kept) and whether a password signs in at all."""
    choices = {"password_sign_in": settings.PASSWORD_SIGN_IN, "company_sign_in": None}
    if company_sign_in.enabled():
        url = reverse("contacts_ui:company_sign_in")
        if next_url:
            url += "?" + urlencode({REDIRECT_FIELD_NAME: next_url})
        choices["company_sign_in"] = {"name": settings.OIDC_PROVIDER_NAME, "url": url}
    return choices


class SignInView(auth_views.LoginView):
    """Django's LoginView, with the company's sign-in beside the password, or instead of it
    when PASSWORD_SIGN_IN is off: then a password sent anyway is refused plainly."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return context | sign_in_choices(self.request, context.get("next", ""))

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_SIGN_IN:
            context = self.get_context_data(form=self.get_form_class()(request))
            context["refusal"] = _(
                "Signing in with a password is switched off here: sign in with %(provider)s."
            ) % {"provider": settings.OIDC_PROVIDER_NAME}
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)


def admin_login(admin_site_login):
    """The admin's login page, while passwords sign people in; else the app's login page,
    which offers the company's sign-in (a password the admin's form sent would be refused)."""

    def login(request, extra_context=None):
        if settings.PASSWORD_SIGN_IN:
            return admin_site_login(request, extra_context)
        return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME, reverse("admin:index")))

    return login


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
        **sign_in_choices(request, next_url),
        "lockout_message": _(
            "Too many failed logins for this username or from this address, so logging in "
            "is locked for %(minutes)s minutes. Try again later, or ask your administrator "
            "to unlock it."
        )
        % {"minutes": minutes},
    }
    return render(request, "registration/login.html", context, status=429)
