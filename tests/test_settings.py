"""Twelve-factor settings: strict in production, nothing to set for a developer."""

import subprocess

from tests.helpers import settings_loaded


def _settings_with(env: dict) -> subprocess.CompletedProcess:
    cleared = {
        "SECRET_KEY",
        "DEBUG",
        "SANDBOX",
        "SANDBOX_IN_PRODUCTION",
        "DATABASE_URL",
        "SERWERSMS_API_URL",
        "CREDENTIALS_KEYS",
    }
    show = "s.DEBUG, s.SANDBOX, s.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]"
    return settings_loaded(env, show, cleared)


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings_with({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_and_the_sandbox_are_off_unless_switched_on():
    result = _settings_with({"SECRET_KEY": "x"})
    assert result.stdout.split() == ["False", "False", "sqlite3"]


def test_a_developer_needs_no_variable_but_debug():
    result = _settings_with({"DEBUG": "true"})
    assert result.stdout.split() == ["True", "True", "sqlite3"]


def test_the_sandbox_can_be_switched_on_in_production():
    # Only in so many words (tests/test_sandbox_in_production.py).
    result = _settings_with({"SECRET_KEY": "x", "SANDBOX": "true", "SANDBOX_IN_PRODUCTION": "true"})
    assert result.stdout.split()[:2] == ["False", "True"]


def test_database_url_selects_postgresql():
    result = _settings_with(
        {"SECRET_KEY": "x", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/anything"}
    )
    assert result.stdout.split()[2] == "postgresql"


def test_the_api_is_given_as_long_to_answer_as_the_providers_own_clients_give_it():
    result = settings_loaded(
        {"DEBUG": "true"},
        "s.SERWERSMS_READ_TIMEOUT, s.SERWERSMS_CONNECT_TIMEOUT",
        cleared={"SERWERSMS_READ_TIMEOUT", "SERWERSMS_CONNECT_TIMEOUT"},
    )
    assert result.stdout.split() == ["30.0", "3.0"]


def test_a_redis_cache_is_one_that_redis_down_degrades_and_gives_up_on_quickly():
    result = settings_loaded(
        {"DEBUG": "true", "CACHE_URL": "redis://127.0.0.1:6379/3"},
        "s.CACHES['default']['BACKEND'], s.CACHES['default']['OPTIONS']['socket_timeout']",
        cleared={"CACHE_URL"},
    )
    assert result.stdout.split() == ["contacts_ui.cache.ForgivingRedisCache", "0.5"]


OIDC = {
    "OIDC_RP_CLIENT_ID": "contacts",
    "OIDC_RP_CLIENT_SECRET": "s",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.com/authorize",
}


def test_the_company_sign_in_is_read_from_the_environment():
    result = settings_loaded(
        {
            "DEBUG": "true",
            **OIDC,
            "OIDC_ROLE_CLAIM": "groups",
            "OIDC_ROLE_VALUES": "Manager=sms-managers,Viewer=sms-all",
            "PASSWORD_SIGN_IN": "false",
        },
        "'|'.join(map(str, [s.OIDC_RP_CLIENT_ID, s.OIDC_ROLE_CLAIM, "
        "sorted(s.OIDC_ROLE_VALUES.items()), s.PASSWORD_SIGN_IN, s.OIDC_USE_PKCE]))",
        cleared=set(OIDC) | {"PASSWORD_SIGN_IN", "OIDC_ROLE_CLAIM", "OIDC_ROLE_VALUES"},
    )
    assert result.stdout.strip().split("|") == [
        "contacts",
        "groups",
        "[('Manager', 'sms-managers'), ('Viewer', 'sms-all')]",
        "False",
        "True",
    ], result.stderr


def test_passwords_cannot_be_switched_off_with_no_other_way_in():
    result = settings_loaded(
        {"DEBUG": "true", "PASSWORD_SIGN_IN": "false"},
        "s.PASSWORD_SIGN_IN",
        cleared=set(OIDC) | {"PASSWORD_SIGN_IN"},
    )
    assert result.returncode != 0
    assert "PASSWORD_SIGN_IN=false needs OIDC_RP_CLIENT_ID" in result.stderr


def test_a_role_value_for_no_role_of_ours_is_refused():
    result = settings_loaded(
        {"DEBUG": "true", "OIDC_ROLE_VALUES": "Admin=sms-admins"},
        "s.OIDC_ROLE_VALUES",
        cleared={"OIDC_ROLE_VALUES"},
    )
    assert result.returncode != 0
    assert "OIDC_ROLE_VALUES names the roles Viewer, Editor and Manager" in result.stderr
