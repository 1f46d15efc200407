"""Two-factor sign-in (contacts_ui.second_factor): after the password, a code from an
authenticator app or a recovery code; throttled; set up from the person's settings;
compulsory under REQUIRE_2FA; reset by an administrator."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from contacts_ui import roles, second_factor
from tests.helpers import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests"  # tests.helpers.make_user's


def code_of(key: bytes) -> str:
    """The code an authenticator app with this key shows now."""
    return f"{totp(key):06d}"


@pytest.fixture
def erin():
    """Erin, an Editor with an authenticator app set up (and recovery codes), signed out."""
    user = make_user("erin", token="alice-token", role=roles.EDITOR)
    TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    return user


def app_code(user) -> str:
    return code_of(TOTPDevice.objects.get(user=user).bin_key)


def sign_in(client: Client, username: str = "erin", then: str = "/groups/"):
    """The password step, as the login form sends it: the answer, followed."""
    return client.post(
        f"/accounts/login/?next={then}", {"username": username, "password": PASSWORD}, follow=True
    )


def test_after_the_password_only_the_code_page_opens(client, erin, alice_account):
    response = sign_in(client)
    assert response.redirect_chain[-1][0] == "/accounts/two-factor/?next=%2Fgroups%2F"
    for url in ("/contacts/", "/history/", "/settings/credentials/", "/admin/"):
        assert client.get(url)["Location"].startswith("/accounts/two-factor/?next=")
    htmx = client.get("/contacts/?q=a", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith("/accounts/two-factor/")

    page = client.post("/accounts/two-factor/", {"code": app_code(erin), "next": "/groups/"})

    assert page["Location"] == "/groups/"
    assert client.get("/contacts/").status_code == 200


def test_a_wrong_code_is_refused_and_the_next_try_must_wait(client, erin):
    sign_in(client)
    wrong = f"{(int(app_code(erin)) + 1) % 1000000:06d}"
    page = client.post("/accounts/two-factor/", {"code": wrong}).content.decode()
    assert "That code is not right." in page

    # Right at once after a wrong one: refused by django-otp's throttling, with the time.
    page = client.post("/accounts/two-factor/", {"code": app_code(erin)}).content.decode()
    assert "Too many wrong codes. Wait until" in page
    assert client.get("/contacts/").status_code == 302

    TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - timedelta(hours=1))
    assert client.post("/accounts/two-factor/", {"code": app_code(erin)}).status_code == 302


def test_the_wait_grows_with_each_wrong_code(client, erin):
    sign_in(client)
    for _attempt in range(5):
        TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - timedelta(hours=1))
        client.post("/accounts/two-factor/", {"code": "000000"})
    device = TOTPDevice.objects.get(user=erin)
    allowed, details = device.verify_is_allowed()
    assert not allowed and details["failure_count"] == 5
    assert details["locked_until"] - device.throttling_failure_timestamp == timedelta(seconds=16)


def test_a_recovery_code_signs_in_once(client, erin):
    codes = second_factor.new_recovery_codes(erin)
    sign_in(client)

    response = client.post("/accounts/two-factor/", {"code": codes[0]}, follow=True)

    assert "You signed in with a recovery code; 9 are left." in response.content.decode()
    client.post("/accounts/logout/")
    other = Client()
    sign_in(other)
    page = other.post("/accounts/two-factor/", {"code": codes[0]}).content.decode()
    assert "That code is not right." in page


def test_setting_it_up_shows_the_qr_code_then_ten_recovery_codes(client, alice_account):
    ola = make_user("ola", token="alice-token", role=roles.VIEWER)
    client.force_login(ola)
    page = client.get("/settings/two-factor/setup/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    key = re.search(r'<code id="two-factor-key">([A-Z2-7 ]+)</code>', page).group(1)

    wrong = client.post("/settings/two-factor/setup/", {"code": "123456"}).content.decode()
    assert "That code is not right." in wrong
    TOTPDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    done = client.post(
        "/settings/two-factor/setup/", {"code": code_of(b32decode(key.replace(" ", "")))}
    )

    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=ola).confirmed
    state = client.get("/settings/two-factor/").content.decode()
    assert "Two-factor sign-in is on" in state and "You have 10 recovery codes left." in state
    # The next sign-in asks for a code.
    client.post("/accounts/logout/")
    assert sign_in(client, "ola").redirect_chain[-1][0].startswith("/accounts/two-factor/")


@pytest.mark.parametrize(
    "require, role, forced",
    [
        ("all", roles.VIEWER, True),
        ("managers", roles.EDITOR, False),
        ("managers", roles.MANAGER, True),
        ("", roles.MANAGER, False),
    ],
)
def test_require_2fa_sends_those_it_names_to_set_it_up_first(
    client, settings, alice_account, require, role, forced
):
    settings.REQUIRE_2FA = require
    make_user("ola", token="alice-token", role=role)

    response = sign_in(client, "ola")

    landed = response.redirect_chain[-1][0]
    assert landed.startswith("/settings/two-factor/setup/") == forced
    assert (client.get("/contacts/").status_code == 302) == forced


def test_turning_it_off_needs_a_code_and_is_refused_where_required(client, settings, erin):
    sign_in(client)
    # Signed in with a recovery code: the app's code of this half-minute is still unused.
    client.post("/accounts/two-factor/", {"code": second_factor.new_recovery_codes(erin)[0]})
    assert (
        "That code is not right."
        in client.post(
            "/settings/two-factor/off/", {"code": "000000"}, follow=True
        ).content.decode()
    )
    assert TOTPDevice.objects.filter(user=erin).exists()

    settings.REQUIRE_2FA = "all"
    TOTPDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    refused = client.post("/settings/two-factor/off/", {"code": app_code(erin)}, follow=True)
    assert "it cannot be turned off" in refused.content.decode()

    settings.REQUIRE_2FA = ""
    # The refusal did not use the code, so it still works.
    client.post("/settings/two-factor/off/", {"code": app_code(erin)})
    assert not TOTPDevice.objects.filter(user=erin).exists()
    assert "Two-factor sign-in is off" in client.get("/settings/two-factor/").content.decode()


def test_an_administrator_resets_a_lost_phone(client, erin, root):
    second_factor.new_recovery_codes(erin)
    client.post(
        "/admin/auth/user/",
        {"action": "reset_second_factor", "_selected_action": [erin.pk]},
    )
    assert not TOTPDevice.objects.filter(user=erin).exists()
    assert not StaticDevice.objects.filter(user=erin).exists()
    erin_now = Client()
    assert sign_in(erin_now).redirect_chain[-1][0] == "/groups/"


def test_the_code_page_is_in_polish(client, erin):
    client.cookies.load({"django_language": "pl"})
    sign_in(client)
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Logowanie dwuetapowe" in page


def test_without_a_second_factor_signing_in_asks_for_none(client, alice_account):
    make_user("ola", token="alice-token")
    assert sign_in(client, "ola").redirect_chain[-1][0] == "/groups/"
    assert User.objects.get(username="ola").staticdevice_set.count() == 0
