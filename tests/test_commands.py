"""The management commands that `make run` uses."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from contacts_ui import roles
from contacts_ui.models import ApiCredentials
from contacts_ui.sandbox.models import Account

pytestmark = pytest.mark.django_db


def test_sandbox_account_creates_then_updates_an_account():
    call_command("sandbox_account", "firma", "--password", "p1", "--token", "t1")
    call_command("sandbox_account", "firma", "--password", "p2", "--token", "t2")
    account = Account.objects.get(name="firma")
    assert account.check_password("p2") and not account.check_password("p1")
    assert Account.by_token("t2") == account and Account.by_token("t1") is None
    assert "p2" not in account.password_digest and "t2" not in account.token_digest


def test_demo_user_makes_a_login_that_may_do_everything_with_sandbox_credentials():
    call_command("demo_user", "--token", "demo-token")
    call_command("demo_user", "--token", "demo-token")  # idempotent
    # The login throttling's backend wants the request that logs in.
    user = authenticate(RequestFactory().post("/accounts/login/"), username="demo", password="demo")
    assert user is not None and user.is_staff and user.is_superuser
    assert all(roles.may(user, codename) for codename, _name in roles.PERMISSIONS)
    stored = ApiCredentials.objects.get(user=user)
    assert (stored.auth_style, stored.get_secret()) == ("token", "demo-token")


def test_generate_credentials_key_prints_a_fernet_key(capsys):
    from cryptography.fernet import Fernet

    call_command("generate_credentials_key")
    key = capsys.readouterr().out.strip()
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"
