"""The pages of two-factor sign-in (contacts_ui.second_factor): the second step after the
password, and a person's own settings: set up an authenticator app, new recovery codes,
turn it off."""

import base64
import io

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from .. import company_sign_in, second_factor
from .shared import safe_next


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        help_text=gettext_lazy(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


def _wrong_code() -> str:
    return _(
        "That code is not right. The app's code changes every 30 seconds: enter the one it "
        "shows now. A recovery code works once."
    )


def _try(device, code: str) -> tuple[bool, str | None]:
    """Whether the device takes the code, else why not (a sentence): too many wrong codes for
    now (django-otp's throttling: 1, 2, 4, 8… seconds after each, the code not even tried),
    or a wrong one."""
    if device is None:
        return False, _wrong_code()
    allowed, details = device.verify_is_allowed()
    if not allowed and details and details.get("locked_until"):
        until = timezone.localtime(details["locked_until"])
        return False, _(
            "Too many wrong codes. Wait until %(time)s before the next try; each wrong code "
            "makes the wait longer."
        ) % {"time": formats.time_format(until, "H:i:s")}
    if device.verify_token(code):
        return True, None
    return False, _wrong_code()


def _verify(user, code: str):
    """The device that took the code (the app's, or a recovery code), else None and why."""
    with transaction.atomic():
        if code.isdigit() and len(code) == 6:
            devices = TOTPDevice.objects.filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.filter(user=user, confirmed=True)
        device = devices.select_for_update().first()
        taken, why = _try(device, code)
    return (device if taken else None), why


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def second_step(request: HttpRequest) -> HttpResponse:
    """After the password: the code. Nothing else opens until it is given."""
    next_url = safe_next(request) or "/"
    owed = request.session.get(second_factor.OWED_SESSION_KEY)
    if owed == second_factor.SET_UP:
        return redirect("contacts_ui:two_factor_setup")
    if owed != second_factor.VERIFY:
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        device, error = _verify(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            second_factor.passed(request)
            if isinstance(device, StaticDevice):
                left = second_factor.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; %(count)s is left. Make new ones "
                        "under Two-factor sign-in.",
                        "You signed in with a recovery code; %(count)s are left. Make new ones "
                        "under Two-factor sign-in.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url)
        form = CodeForm()  # a code is not kept: the next one is another
    context = {"title": _("Two-factor sign-in"), "form": form, "error": error, "next": next_url}
    return render(request, "contacts_ui/second_step.html", context)


@login_required
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("Two-factor sign-in"),
        "device": second_factor.authenticator(request.user),
        "recovery_codes_left": second_factor.recovery_codes_left(request.user),
        "required": second_factor.required_for(request.user),
        "form": CodeForm(),
        "company_session": company_sign_in.signed_in_by_company(request),
        "provider": settings.OIDC_PROVIDER_NAME,
    }
    return render(request, "contacts_ui/two_factor.html", context)


def _qr_code(device: TOTPDevice) -> str:
    """The app's set-up link as a QR code, an SVG in a data: address (the page's
    Content-Security-Policy allows images so, and no other outside source)."""
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _show_recovery_codes(request, codes: list[str], next_url: str) -> HttpResponse:
    context = {"title": _("Your recovery codes"), "codes": codes, "next": next_url}
    return render(request, "contacts_ui/recovery_codes.html", context)


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code (or type the key), give the code it shows.
    Ten recovery codes are then shown, once."""
    if second_factor.authenticator(request.user) is not None:
        return redirect("contacts_ui:two_factor")
    device = second_factor.authenticator(request.user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="authenticator app", confirmed=False
        )
    form = CodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        taken, error = _try(device, form.cleaned_data["code"])
        if taken:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = second_factor.new_recovery_codes(request.user)
            django_otp.login(request, device)
            second_factor.passed(request)
            messages.success(request, _("Two-factor sign-in is on."))
            return _show_recovery_codes(request, codes, safe_next(request) or "/")
        form = CodeForm()
    key = base64.b32encode(device.bin_key).decode()
    context = {
        "title": _("Set up two-factor sign-in"),
        "form": form,
        "error": error,
        "qr_code": _qr_code(device),
        "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        "required": second_factor.required_for(request.user),
        "next": safe_next(request) or "",
    }
    return render(request, "contacts_ui/two_factor_setup.html", context)


@login_required
@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes (the old ones stop working), for a session that passed the
    second step."""
    if not request.user.is_verified():
        return redirect("contacts_ui:two_factor")
    codes = second_factor.new_recovery_codes(request.user)
    return _show_recovery_codes(request, codes, "")


@sensitive_post_parameters("code")
@login_required
@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off, with a code as proof; refused where REQUIRE_2FA asks it."""
    if second_factor.required_for(request.user):
        messages.error(
            request,
            _("Two-factor sign-in is required here (REQUIRE_2FA), so it cannot be turned off."),
        )
        return redirect("contacts_ui:two_factor")
    form = CodeForm(request.POST)
    device, error = None, _wrong_code()
    if form.is_valid():
        device, error = _verify(request.user, form.cleaned_data["code"])
    if device is None:
        messages.error(request, error)
        return redirect("contacts_ui:two_factor")
    second_factor.turn_off(request.user)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    messages.success(request, _("Two-factor sign-in is off: you sign in with your password alone."))
    return redirect("contacts_ui:two_factor")
