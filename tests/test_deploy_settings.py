"""Production settings: `manage.py check --deploy` passes, and would catch a weaker setup.

Each test runs Django in a subprocess with a production environment, so that the
settings are read as a server reads them, not as pytest-env sets them for tests.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent

# Every variable webapp/settings.py reads: none of them may leak in from the test run
# (pytest-env sets SECRET_KEY, SANDBOX, HTTPS_ONLY and CONN_MAX_AGE for the tests).
SETTINGS_VARIABLES = set(
    re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (ROOT / "webapp" / "settings.py").read_text())
)


def production_env(**changes: str | None) -> dict[str, str]:
    """A production server's environment; a change of None leaves that variable unset."""
    env = {
        name: value
        for name, value in os.environ.items()
        # The browser tests' worker sets DJANGO_ALLOW_ASYNC_UNSAFE, which no server has.
        if name not in SETTINGS_VARIABLES
        and name not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="webapp.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="contacts.example.com",
        CREDENTIALS_KEYS=Fernet.generate_key().decode(),
        BEHIND_PROXY="true",
        SANDBOX="false",
        DATABASE_URL="sqlite://:memory:",
    )
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")


def test_the_helper_knows_the_variables_the_settings_read():
    assert {"SECRET_KEY", "DEBUG", "SANDBOX", "HTTPS_ONLY", "CREDENTIALS_KEYS"} <= (
        SETTINGS_VARIABLES
    )


def test_production_settings_pass_check_deploy_with_no_warning():
    result = check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "changes, warnings",
    [
        (
            {"HTTPS_ONLY": "false"},
            ["security.W004", "security.W008", "security.W012", "security.W016"],
        ),
        ({"SECURE_HSTS_SECONDS": "0"}, ["security.W004"]),
        ({"CREDENTIALS_KEYS": None}, ["contacts_ui.W001"]),
        ({"SECRET_KEY": "too-short"}, ["security.W009"]),
        ({"DEBUG": "true"}, ["security.W018"]),
    ],
    ids=["https-off", "no-hsts", "no-credentials-keys", "weak-secret-key", "debug-on"],
)
def test_check_deploy_fails_on_a_weaker_setup(changes, warnings):
    result = check_deploy(production_env(**changes))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for warning in warnings:
        assert warning in output


# A request to the production app through the test client, in a subprocess.
REQUEST = """
import json, sys
import django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="contacts.example.com").get(
    "/", headers={"X-Forwarded-Proto": sys.argv[1]} if sys.argv[1] else {}
)
print(json.dumps({
    "status": response.status_code,
    "location": response.get("Location"),
    "hsts": response.get("Strict-Transport-Security"),
}))
"""


def _request_production(env: dict[str, str], forwarded_proto: str) -> dict:
    result = run_python(env, "-c", REQUEST, forwarded_proto)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_behind_the_proxy_plain_http_is_redirected_to_https():
    answer = _request_production(production_env(), "http")
    assert answer["status"] == 301
    assert answer["location"] == "https://contacts.example.com/"


def test_behind_the_proxy_https_is_served_with_hsts():
    answer = _request_production(production_env(), "https")
    assert answer["status"] == 302
    assert answer["location"] == "/accounts/login/?next=/"
    assert answer["hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_without_a_proxy_a_forged_forwarded_proto_is_not_trusted():
    answer = _request_production(production_env(BEHIND_PROXY=None), "https")
    assert answer["status"] == 301
    assert answer["location"] == "https://contacts.example.com/"


# --- .env.example, copied as it is --------------------------------------------------------

SETTINGS_PRINTED = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
    " s.SANDBOX, s.BEHIND_PROXY]))"
)


def example_file() -> dict[str, str]:
    """The variables .env.example sets, as a server that copied it would read them."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if re.match(r"[A-Z_]+=", line))
    return dict(pairs)


@pytest.mark.parametrize("value", ["", " "])
def test_a_boolean_set_to_nothing_means_its_default(value):
    env = production_env(HTTPS_ONLY=value, SANDBOX=value, BEHIND_PROXY=value)
    result = run_python(env, "-c", SETTINGS_PRINTED)
    assert result.returncode == 0, result.stderr
    # HTTPS only, as with DEBUG off by default; no sandbox; no proxy trusted.
    assert json.loads(result.stdout) == [True, True, True, False, False]


def test_the_example_file_copied_as_it_is_keeps_https_on():
    example = example_file()
    assert example["HTTPS_ONLY"] == ""
    # What the file asks the operator to fill in, filled in; the rest as the file has it.
    env = production_env(
        **{
            name: value
            for name, value in example.items()
            if name not in ("SECRET_KEY", "CREDENTIALS_KEYS", "ALLOWED_HOSTS", "DATABASE_URL")
        }
    )
    result = run_python(env, "-c", SETTINGS_PRINTED)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[:3] == [True, True, True]


# --- Behind proxies: the client's address the login throttling sees ------------------------

CLIENT_ADDRESS = """
import json, sys
import django
django.setup()
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
meta = {"REMOTE_ADDR": "10.0.0.5"}  # the proxy nearest the app
if sys.argv[1]:
    meta["HTTP_X_FORWARDED_FOR"] = sys.argv[1]
print(json.dumps(get_client_ip_address(RequestFactory().get("/", **meta))))
"""


@pytest.mark.parametrize(
    ("behind_proxy", "proxy_count", "forwarded_for", "seen"),
    [
        # No proxy trusted: the connection's address, whatever the header says.
        ("false", None, "203.0.113.7", "10.0.0.5"),
        # One proxy: the address it appended; an entry the client forged before it is ignored.
        ("true", "1", "203.0.113.7", "203.0.113.7"),
        ("true", "1", "198.51.100.9, 203.0.113.7", "203.0.113.7"),
        # Two proxies (say, a CDN and a load balancer): the address the outer one appended.
        ("true", "2", "203.0.113.7, 192.0.2.1", "203.0.113.7"),
        ("true", "2", "198.51.100.9, 203.0.113.7, 192.0.2.1", "203.0.113.7"),
        # A header shorter than the proxies, or not an address: the connection's address.
        ("true", "2", "203.0.113.7", "10.0.0.5"),
        ("true", "1", "not-an-address", "10.0.0.5"),
        ("true", "1", "", "10.0.0.5"),
    ],
)
def test_the_login_throttling_sees_the_clients_address_through_the_proxies(
    behind_proxy, proxy_count, forwarded_for, seen
):
    env = production_env(BEHIND_PROXY=behind_proxy, PROXY_COUNT=proxy_count)
    result = run_python(env, "-c", CLIENT_ADDRESS, forwarded_for)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == seen
