"""The sandbox outside development: refused unless asked for, and its sign-ins throttled.

In production the sandbox would serve a stand-in API whose demo account's token and password
are public (Makefile), and whose calls compete with the app's own. So with DEBUG off, SANDBOX
on needs SANDBOX_IN_PRODUCTION=true as well (a demo), or the settings refuse to load. And a
client address that fails to sign in too often is answered "wrong login" without a check.
"""

import json
import subprocess
import time

import pytest
from django.test import Client

from tests.helpers import settings_loaded
from tests.sandbox_calls import error, post

pytestmark = pytest.mark.usefixtures("alice_account")

ATTACKER = "203.0.113.7"
STAFF = "198.51.100.9"

# --- Starting ----------------------------------------------------------------------------


def _start(**env: str) -> subprocess.CompletedProcess:
    """Load the settings as a server does, with only these variables of the settings set."""
    read = {"SECRET_KEY", "DEBUG", "SANDBOX", "SANDBOX_IN_PRODUCTION", "DATABASE_URL"}
    return settings_loaded({"SECRET_KEY": "x", **env}, "s.DEBUG, s.SANDBOX", cleared=read)


def test_production_refuses_to_start_with_the_sandbox_on():
    result = _start(SANDBOX="true")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SANDBOX_IN_PRODUCTION=true" in result.stderr


def test_production_serves_the_sandbox_when_told_so_explicitly():
    result = _start(SANDBOX="true", SANDBOX_IN_PRODUCTION="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("value", ["false", ""])
def test_anything_but_true_is_not_told_so(value):
    assert _start(SANDBOX="true", SANDBOX_IN_PRODUCTION=value).returncode != 0


def test_development_needs_no_such_variable():
    result = _start(DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_production_without_the_sandbox_needs_no_such_variable():
    result = _start()

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


# --- Throttling failed sign-ins --------------------------------------------------------------


@pytest.fixture
def limit(settings):
    settings.SANDBOX_AUTH_FAILURE_LIMIT = 3
    settings.SANDBOX_AUTH_FAILURE_WINDOW_SECONDS = 60
    return 3


def sign_in(address: str, token: str = "alice-token") -> dict:
    response = post(Client(REMOTE_ADDR=address), "/sandbox/api/groups/index.json", {}, token)
    assert response.status_code == 200
    return json.loads(response.content)


def sign_in_with_password(address: str, password: str) -> dict:
    fields = {"username": "alice", "password": password}
    response = post(Client(REMOTE_ADDR=address), "/sandbox/api/groups/index.json", fields, None)
    return json.loads(response.content)


def fail(address: str, times: int) -> None:
    for number in range(times):
        assert error(sign_in(address, f"guess-{number}")) == (1001, "InvalidUser")


def test_below_the_limit_the_right_token_still_works(limit):
    fail(ATTACKER, limit - 1)

    assert "items" in sign_in(ATTACKER)


def test_after_too_many_failures_even_the_right_token_is_refused(limit):
    fail(ATTACKER, limit)

    assert error(sign_in(ATTACKER)) == (1001, "InvalidUser")


def test_the_lockout_is_logged_once(limit, caplog):
    fail(ATTACKER, limit)
    sign_in(ATTACKER)

    locked = [r.getMessage() for r in caplog.records if "locked out" in r.getMessage()]
    assert locked == [f"Sandbox: {ATTACKER} failed to sign in {limit} times; locked out"]


def test_password_guesses_count_and_are_refused_alike(limit):
    for _ in range(limit):
        assert error(sign_in_with_password(ATTACKER, "wrong")) == (1001, "InvalidUser")

    assert error(sign_in_with_password(ATTACKER, "alice-password")) == (1001, "InvalidUser")


def test_a_locked_address_is_answered_without_touching_the_database(
    limit, django_assert_num_queries
):
    fail(ATTACKER, limit)

    with django_assert_num_queries(0):
        assert error(sign_in(ATTACKER)) == (1001, "InvalidUser")


def test_another_address_is_served_as_before(limit):
    fail(ATTACKER, limit)

    assert "items" in sign_in(STAFF)


def test_good_sign_ins_do_not_count(limit):
    for _ in range(limit + 2):
        assert "items" in sign_in(STAFF)

    fail(STAFF, limit - 1)
    assert "items" in sign_in(STAFF)


def test_the_lock_ends_with_the_window(limit, settings):
    settings.SANDBOX_AUTH_FAILURE_WINDOW_SECONDS = 1
    fail(ATTACKER, limit)
    assert error(sign_in(ATTACKER)) == (1001, "InvalidUser")

    time.sleep(1.2)

    assert "items" in sign_in(ATTACKER)
