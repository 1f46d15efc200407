from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiCredentials


class GroupListQuery(forms.Form):
    """The query string of the groups list."""

    q = forms.CharField(required=False, max_length=100, strip=True)
    p = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def clean(self):
        # A bad value is ignored rather than refused: a list always shows.
        for name, default in (("q", ""), ("p", 1)):
            if name in self.errors:
                self.cleaned_data[name] = default
        return self.cleaned_data


class CredentialsForm(forms.Form):
    """A user's SerwerSMS API credentials; the secret is never rendered back."""

    auth_style = forms.ChoiceField(
        label=_("Sign in with"),
        choices=ApiCredentials.AUTH_STYLES,
        widget=forms.RadioSelect,
        initial=ApiCredentials.TOKEN,
        help_text=_(
            "Tokens are made in the SerwerSMS panel: Settings → HTTPS API → API tokens. "
            "The older way is an API user's login and password."
        ),
    )
    username = forms.CharField(
        label=_("API username"),
        required=False,
        max_length=150,
        help_text=_("Only for sign-in with username and password."),
    )
    secret = forms.CharField(
        label=_("Token or password"),
        required=False,
        max_length=1000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, stored: ApiCredentials | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = stored
        if stored is not None:
            self.fields["secret"].help_text = _(
                "A secret is saved. Leave this empty to keep it; it is never shown again."
            )

    def clean(self):
        cleaned = super().clean()
        style = cleaned.get("auth_style")
        if style == ApiCredentials.PASSWORD and not cleaned.get("username"):
            self.add_error("username", _("Enter the API username."))
        if style == ApiCredentials.TOKEN:
            cleaned["username"] = ""
        if not cleaned.get("secret") and not self._can_keep_stored_secret(cleaned):
            self.add_error(
                "secret",
                _("Enter the API token.")
                if style == ApiCredentials.TOKEN
                else _("Enter the API password."),
            )
        return cleaned

    def _can_keep_stored_secret(self, cleaned) -> bool:
        # The saved secret belongs to one sign-in method and username.
        return (
            self.stored is not None
            and self.stored.auth_style == cleaned.get("auth_style")
            and self.stored.username == cleaned.get("username", "")
        )

    def new_secret(self) -> str | None:
        """The secret typed now, or None to keep the stored one."""
        return self.cleaned_data.get("secret") or None
