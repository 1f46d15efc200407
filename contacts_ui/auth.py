"""The authentication backend: Django's ModelBackend, reading more with the user."""

import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class UserWithSettingsBackend(ModelBackend):
    """Django's ModelBackend, whose signed-in user comes with the two rows nearly every
    page reads next, their API credentials and their list preferences: one query a
    request instead of three."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        # PASSWORD_SIGN_IN off: the company's identity provider alone signs people in.
        if not settings.PASSWORD_SIGN_IN:
            return None
        return super().authenticate(request, username, password, **kwargs)

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related(
            "api_credentials", "list_preferences"
        )
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """The user's permissions, their own and their groups' (roles: contacts_ui.roles),
        in one query where ModelBackend makes two; kept on the user for the request."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                held = Permission.objects.all()
            else:
                held = Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
            names = held.values_list("content_type__app_label", "codename").distinct()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in names}
        return user_obj._perm_cache


def clear_own_login_failures(sender, request, user, **kwargs) -> None:
    """A good login clears the failures of its own username from its own address, and no
    others (connected to user_logged_in in apps.py)."""
    from axes.models import AccessAttempt

    address = getattr(request, "axes_ip_address", None)
    if address is not None:
        AccessAttempt.objects.filter(username=user.get_username(), ip_address=address).delete()


def client_address(request) -> str | None:
    """The client's address as the login throttling sees it (AXES_CLIENT_IP_CALLABLE).

    Without a proxy, the connection's. Behind BEHIND_PROXY's PROXY_COUNT proxies, each
    appends to X-Forwarded-For the address it was reached from, so the client's is the
    PROXY_COUNT-th entry from the right; entries further left are whatever the client sent,
    and are ignored. A header too short or not an address falls back to the connection's.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if len(entries) < settings.PROXY_COUNT or settings.PROXY_COUNT < 1:
        return remote
    candidate = entries[-settings.PROXY_COUNT]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
