from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def credentials_keys_set(app_configs, **kwargs):
    """In production the credentials must be encrypted with keys of their own."""
    if settings.CREDENTIALS_KEYS_FROM_ENV:
        return []
    return [
        checks.Warning(
            "CREDENTIALS_KEYS is not set, so stored API secrets are encrypted with a key "
            "derived from SECRET_KEY.",
            hint=(
                "Generate a key with `manage.py generate_credentials_key` and set CREDENTIALS_KEYS."
            ),
            id="contacts_ui.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def sandbox_off(app_configs, **kwargs):
    """The sandbox is a stand-in API with accounts of its own; production does not serve it."""
    if not settings.SANDBOX:
        return []
    return [
        checks.Warning(
            "SANDBOX is on, so the stand-in SerwerSMS API is served at /sandbox/api/.",
            hint="Unset SANDBOX (it is off by default when DEBUG is off) unless this is a demo.",
            id="contacts_ui.W002",
        )
    ]
