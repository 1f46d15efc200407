"""Two-factor sign-in, on django-otp: a code from an authenticator app (TOTP), or one of ten
recovery codes, asked for after the password, on a page of its own.

Why django-otp, and not django-two-factor-auth's login wizard or django-allauth's MFA: both
replace Django's LoginView, which the login throttling (django-axes), its lockout page and the
login's tests are built on. django-otp gives what is hard to get right (the devices, the
token checks and their throttling, recovery codes, and the admin that resets them); the second
step is a page after Django's own login, and SecondFactorMiddleware lets a signed-in person go
nowhere else until it is passed.

A session signed in through the company's identity provider (contacts_ui.company_sign_in)
owes nothing here: the provider's own second factor applies, as the company set it.

What a session still owes is worked out once, at sign-in (`user_logged_in`), and kept in the
session: a page costs no query for it.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import company_sign_in, roles

# What the session owes, in the session: the code (VERIFY) or setting one up first (SET_UP).
OWED_SESSION_KEY = "_second_factor_owed"
VERIFY, SET_UP = "verify", "set_up"
RECOVERY_CODES = 10

# REQUIRE_2FA's values: nobody is made to (people may still choose to), everyone, or only
# those who may do the most (Managers and superusers).
NOBODY, EVERYONE, MANAGERS = "", "all", "managers"


def required_for(user) -> bool:
    """Whether REQUIRE_2FA makes this person set up a second factor."""
    if settings.REQUIRE_2FA == EVERYONE:
        return True
    if settings.REQUIRE_2FA == MANAGERS:
        return user.is_superuser or roles.role_of(user) == roles.MANAGER
    return False


def owed(user) -> str | None:
    """What a person signing in owes: the code, a second factor to set up, or nothing."""
    if user_has_device(user, confirmed=True):
        return VERIFY
    return SET_UP if required_for(user) else None


@receiver(user_logged_in)
def _note_what_is_owed(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    # Signed in by the company's identity provider, whose own second factor applies (the
    # session already names the backend that signed the person in).
    still = None if company_sign_in.signed_in_by_company(request) else owed(user)
    if still is None:
        request.session.pop(OWED_SESSION_KEY, None)
    else:
        request.session[OWED_SESSION_KEY] = still


def passed(request) -> None:
    """The second step is done for this session."""
    request.session.pop(OWED_SESSION_KEY, None)


def authenticator(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.first()


def new_recovery_codes(user) -> list[str]:
    """Ten new recovery codes for the person, each good once; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def turn_off(user) -> None:
    """Every second factor of the person deleted (their own choice, or an administrator's
    reset): they sign in with their password alone until they set one up again."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
