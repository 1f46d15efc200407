"""Sign-in with the company's identity provider: mozilla-django-oidc's two views, answering
only when it is configured (contacts_ui.company_sign_in), and saying plainly on the login page
why a sign-in did not succeed, never a 500, whatever the provider answered or failed to."""

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .. import company_sign_in

logger = logging.getLogger(__name__)


class _OnlyWhenConfigured:
    def dispatch(self, request, *args, **kwargs):
        if not company_sign_in.enabled():
            raise Http404("Sign-in with a company account is not set up here.")
        return super().dispatch(request, *args, **kwargs)


class CompanySignInView(_OnlyWhenConfigured, OIDCAuthenticationRequestView):
    """To the identity provider's sign-in page, with a state, a nonce and PKCE's challenge
    kept in the session, and the page to come back to (?next=)."""


class CompanySignInCallbackView(_OnlyWhenConfigured, OIDCAuthenticationCallbackView):
    """Back from the identity provider: the code is exchanged for the person's tokens and
    claims (three calls to the provider), and the person signed in, or told why not."""

    def get(self, request):
        try:
            return super().get(request)
        except requests.RequestException as exc:
            # The exception's text can hold the provider's address, never a secret.
            logger.warning("Company sign-in: the identity provider failed: %s", exc)
            return self._refused(
                _(
                    "%(provider)s could not be reached or gave an error, so you are not "
                    "signed in. Try again in a moment."
                )
                % {"provider": settings.OIDC_PROVIDER_NAME}
            )
        except SuspiciousOperation as exc:
            logger.warning("Company sign-in refused: %s", exc)
            return self.login_failure()

    def login_failure(self):
        return self._refused(self._why_not())

    def _why_not(self) -> str | None:
        """Why nobody was signed in, where that is known."""
        request = self.request
        if request.GET.get("error"):
            # The provider's own words (access_denied: the person cancelled, say).
            said = request.GET.get("error_description") or request.GET["error"]
            return _("%(provider)s did not sign you in: %(said)s") % {
                "provider": settings.OIDC_PROVIDER_NAME,
                "said": said[:300],
            }
        refusal = getattr(request, company_sign_in.REFUSAL_ATTRIBUTE, None)
        if refusal is not None:
            return refusal  # the backend's checks (contacts_ui.company_sign_in)
        user = getattr(self, "user", None)  # None: nobody matched or made
        if user is not None and not user.is_active:
            return _("Your login here is switched off; ask a superuser.")
        if "code" in request.GET and not settings.OIDC_CREATE_USER:
            return _(
                "You have no login here yet; ask a superuser to invite you with the e-mail "
                "address your company account has."
            )
        return None

    def _refused(self, reason: str | None):
        messages.error(
            self.request,
            reason
            or _("Signing in with %(provider)s did not succeed; try again.")
            % {"provider": settings.OIDC_PROVIDER_NAME},
        )
        return redirect(settings.LOGIN_URL)
