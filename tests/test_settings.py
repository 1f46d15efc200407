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
