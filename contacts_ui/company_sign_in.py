"""Sign-in with the company's identity provider (Microsoft Entra ID, Google Workspace,
Keycloak...): OpenID Connect's authorization code flow, with PKCE, a state and a nonce,
through mozilla-django-oidc, configured by environment variables (settings, OIDC_*).

mozilla-django-oidc does the protocol. What is ours: who a signed-in person is here (their
identity at the provider, kept in CompanyIdentity, or at the first sign-in a login with the
same verified e-mail, such as an invitation's), the role a claim gives (OIDC_ROLE_CLAIM),
and the checks the library leaves out: that the ID token was issued to this application (and
by OIDC_OP_ISSUER, when set), and that the user info describes the same person. A refusal is
noted on the request for the callback's page to say why.

A session signed in here owes no second factor of ours (contacts_ui.second_factor): the
company's provider has its own.
"""

import logging

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import invitations, roles
from .auth import UserWithSettingsBackend
from .models import CompanyIdentity

logger = logging.getLogger(__name__)

BACKEND = "contacts_ui.company_sign_in.CompanySignInBackend"
# Why the callback refused, kept on the request for its page (views.company_sign_in).
REFUSAL_ATTRIBUTE = "company_sign_in_refusal"


def enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def signed_in_by_company(request) -> bool:
    """Whether this session was signed in through the company's identity provider."""
    return request.session.get(BACKEND_SESSION_KEY) == BACKEND


def role_from_claims(claims: dict) -> tuple[bool, str | None]:
    """(whether OIDC_ROLE_CLAIM decides the person's role, the role it gives). The claim
    may be a string or a list, at a dotted path (realm_access.roles); of several roles it
    names, the highest; a claim naming none gives no role."""
    path = settings.OIDC_ROLE_CLAIM
    if not path:
        return False, None
    value = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        values = {value}
    elif isinstance(value, list):
        values = {item for item in value if isinstance(item, str)}
    else:
        values = set()
    named = {role for role in roles.ROLES if settings.OIDC_ROLE_VALUES.get(role, role) in values}
    return True, roles.highest_role(named)


def _username(users, claims: dict) -> str:
    """A free username among `users` for a new login: the e-mail, else the provider's
    username for them, else its subject; numbered when taken."""
    base = (claims.get("email") or claims.get("preferred_username") or claims["sub"])[:140]
    candidate, number = base, 1
    while users.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


class CompanySignInBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, answering only the callback's request (and only when
    the company's sign-in is configured), matching people by their identity first."""

    def authenticate(self, request, **kwargs):
        # Only the callback's call, which brings the nonce: never a password login's.
        if not enabled() or request is None or "nonce" not in kwargs:
            return None
        self.issuer = ""
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        # The signed-in user with their credentials and preferences, as for password logins.
        return UserWithSettingsBackend().get_user(user_id)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            self._refuse(_("The identity provider's answer was meant for another application."))
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            self._refuse(_("The answer came from another identity provider than OIDC_OP_ISSUER."))
        self.issuer = payload.get("iss") or issuer
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        claims = super().get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 5.3.2: the user info must describe the ID token's person.
        if not claims.get("sub") or claims.get("sub") != payload.get("sub"):
            self._refuse(_("The identity provider described someone else than who signed in."))
        return claims

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        users = self.UserModel._default_manager
        linked = users.filter(
            company_identities__issuer=self.issuer, company_identities__subject=claims["sub"]
        )
        if linked.exists():
            return linked
        # First sign-in: a login with the same e-mail (made by an invitation, say), if the
        # provider vouches for the address and the login is nobody else's there.
        email = claims.get("email")
        if not email or claims.get("email_verified") is False:
            return users.none()
        found = users.filter(email__iexact=email).exclude(company_identities__issuer=self.issuer)
        if len(found) > 1:
            self._refuse(
                _("More than one login here has the e-mail %(email)s; a superuser must fix that.")
                % {"email": email}
            )
        return found

    @transaction.atomic
    def create_user(self, claims):
        users = self.UserModel._default_manager
        user = users.create_user(
            _username(users, claims),
            email=claims.get("email") or "",
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("family_name") or "")[:150],
        )
        logger.info("A login was made for %s at their first company sign-in.", user)
        return self.update_user(user, claims)

    @transaction.atomic
    def update_user(self, user, claims):
        CompanyIdentity.objects.get_or_create(
            issuer=self.issuer, subject=claims["sub"], defaults={"user": user}
        )
        decides, role = role_from_claims(claims)
        if decides:
            roles.set_role(user, role)
        invitations.take_up(user)
        return user

    def _refuse(self, reason: str):
        setattr(self.request, REFUSAL_ATTRIBUTE, reason)
        raise SuspiciousOperation(reason)
