"""Sessions end after a configurable idle time, are renewed by activity (at most once a
minute, not written on every request), and end on logout."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts_ui.middleware import SessionRenewalMiddleware
from tests.test_deploy_settings import production_env, run_python

pytestmark = pytest.mark.django_db(transaction=True)

PRINT_SESSION_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s;"
    "print(s.SESSION_COOKIE_AGE, s.SESSION_RENEW_SECONDS, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
)


def _session(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _idle_for(client, idle: timedelta, settings) -> None:
    """As if the last request had come `idle` ago (and renewed the session then)."""
    last_request = timezone.now() - idle
    key = client.cookies["sessionid"].value
    stored = SessionStore(session_key=key)
    stored[SessionRenewalMiddleware.RENEWED_AT] = int(last_request.timestamp())
    stored.save()
    Session.objects.filter(session_key=key).update(
        expire_date=last_request + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )


@pytest.mark.parametrize("minutes, seconds", [(None, 3600), ("5", 300), ("480", 28800)])
def test_the_idle_time_follows_session_idle_minutes(minutes, seconds):
    result = run_python(production_env(SESSION_IDLE_MINUTES=minutes), "-c", PRINT_SESSION_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(seconds), "60", "False"]


def test_the_session_cookie_lasts_the_idle_time(client, alice, settings):
    response = client.get("/groups/")
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE
    assert response.cookies["sessionid"]["httponly"]


def test_every_request_renews_the_session(client, alice, settings):
    client.get("/groups/")
    _idle_for(client, timedelta(minutes=10), settings)
    before = timezone.now()
    response = client.get("/groups/")
    assert response.status_code == 200
    expected = before + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs(_session(client).expire_date - expected) < timedelta(seconds=5)


def test_an_htmx_request_renews_the_session_too(client, alice, settings):
    client.get("/groups/")
    _idle_for(client, timedelta(minutes=10), settings)
    before = timezone.now()
    client.get("/groups/", headers={"HX-Request": "true"})
    expected = before + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs(_session(client).expire_date - expected) < timedelta(seconds=5)


def test_a_request_soon_after_the_last_renewal_writes_no_session(client, alice, settings):
    client.get("/groups/")
    _idle_for(client, timedelta(seconds=settings.SESSION_RENEW_SECONDS - 10), settings)
    expiry = _session(client).expire_date
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/groups/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert _session(client).expire_date == expiry


def test_a_request_a_minute_after_the_last_renewal_renews_it(client, alice, settings):
    client.get("/groups/")
    _idle_for(client, timedelta(seconds=settings.SESSION_RENEW_SECONDS + 1), settings)
    before = timezone.now()
    response = client.get("/groups/")
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE
    expected = before + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs(_session(client).expire_date - expected) < timedelta(seconds=5)


def test_a_session_idle_just_under_the_limit_still_works(client, alice, settings):
    client.get("/groups/")
    _idle_for(client, timedelta(seconds=settings.SESSION_COOKIE_AGE - 60), settings)
    assert client.get("/groups/").status_code == 200


def test_a_session_idle_longer_than_the_limit_is_sent_to_log_in(client, alice, settings):
    client.get("/groups/")
    _idle_for(client, timedelta(seconds=settings.SESSION_COOKIE_AGE + 1), settings)
    response = client.get("/groups/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/groups/"


def test_a_shorter_idle_time_takes_effect(client, alice, settings):
    settings.SESSION_COOKIE_AGE = 120
    client.get("/groups/")
    _idle_for(client, timedelta(minutes=3), settings)
    assert client.get("/groups/").status_code == 302


def test_logging_out_deletes_the_session_on_the_server(client, alice):
    client.get("/groups/")
    old_key = client.cookies["sessionid"].value
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert not Session.objects.filter(session_key=old_key).exists()


def test_the_old_cookie_no_longer_works_after_logout(client, alice):
    client.get("/groups/")
    old_key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    replay = Client()
    replay.cookies["sessionid"] = old_key
    response = replay.get("/groups/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/groups/"


def test_logging_in_starts_a_new_session(client, alice):
    # A session key planted before login (session fixation) is not the one signed in.
    client.post("/accounts/logout/")
    anonymous = client.session
    anonymous["planted"] = True
    anonymous.save()
    client.cookies["sessionid"] = anonymous.session_key
    client.post("/accounts/login/", {"username": "alice", "password": "pass-for-tests"})
    assert client.cookies["sessionid"].value != anonymous.session_key
    assert client.get("/groups/").status_code == 200


def test_an_htmx_request_after_the_session_expired_sends_the_whole_page_to_log_in(
    client, alice, settings
):
    client.get("/contacts/")
    _idle_for(client, timedelta(seconds=settings.SESSION_COOKIE_AGE + 1), settings)
    response = client.get("/contacts/?q=Jan", headers={"HX-Request": "true"})
    target = response.get("HX-Redirect") or response.get("HX-Location") or ""
    assert target.startswith("/accounts/login/?next=")
