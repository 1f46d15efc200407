"""What this application itself stores. The address book lives at the provider."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crypto, serwersms


class ApiCredentials(models.Model):
    """One user's SerwerSMS API credentials; the secret is encrypted at rest."""

    TOKEN = serwersms.TOKEN
    PASSWORD = serwersms.PASSWORD
    AUTH_STYLES = [
        (TOKEN, _("API token")),
        (PASSWORD, _("API username and password")),
    ]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_credentials"
    )
    auth_style = models.CharField(_("sign-in method"), max_length=10, choices=AUTH_STYLES)
    username = models.CharField(_("API username"), max_length=150, blank=True)
    # A Fernet token (crypto.encrypt); never the secret in clear.
    encrypted_secret = models.TextField(editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("API credentials")
        verbose_name_plural = _("API credentials")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_auth_style_display()})"

    def set_secret(self, secret: str) -> None:
        self.encrypted_secret = crypto.encrypt(secret)

    def get_secret(self) -> str:
        return crypto.decrypt(self.encrypted_secret)

    def as_credentials(self) -> serwersms.Credentials:
        return serwersms.Credentials(
            auth_style=self.auth_style, username=self.username, secret=self.get_secret()
        )


class ListPreferences(models.Model):
    """How a user likes the contacts list: page size and the optional columns shown."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preferences"
    )
    page_size = models.PositiveSmallIntegerField(default=50)
    extra_columns = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("list preferences")
        verbose_name_plural = _("list preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.page_size} per page"

    @classmethod
    def for_user(cls, user) -> "ListPreferences":
        return cls.objects.filter(user=user).first() or cls(user=user)
