"""The authentication backend: Django's ModelBackend, reading more with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserWithSettingsBackend(ModelBackend):
    """Django's ModelBackend, whose signed-in user comes with the two rows nearly every
    page reads next, their API credentials and their list preferences: one query a
    request instead of three."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related(
            "api_credentials", "list_preferences"
        )
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def clear_own_login_failures(sender, request, user, **kwargs) -> None:
    """A good login clears the failures of its own username from its own address, and no
    others (connected to user_logged_in in apps.py)."""
    from axes.models import AccessAttempt

    address = getattr(request, "axes_ip_address", None)
    if address is not None:
        AccessAttempt.objects.filter(username=user.get_username(), ip_address=address).delete()
