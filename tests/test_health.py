"""/healthz and /readyz (contacts_ui.health): the process answers whatever else is down;
readiness says which of the database, the cache, the migrations and the task worker fails,
in plain words that show nothing of the configuration; both answer a load balancer probing
over plain HTTP by IP address, with no login and no cookie. And the worker's heartbeat, which
/readyz reads, written and removed by the jobs_worker command itself."""

import datetime
import json
import logging
import socket

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from contacts_ui import health
from contacts_ui.management.commands import jobs_worker
from contacts_ui.models import WorkerHeartbeat
from tests.test_redis_down import REDIS_SERVER, OwnRedis

pytestmark = pytest.mark.django_db

# What a failing connection's message can hold, and must never reach a probe's answer.
DB_HOST, DB_PORT = "db-primary.internal.example", "6543"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture
def database_down(monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError(
            f'connection to server at "{DB_HOST}" (10.9.8.7), port {DB_PORT} failed: '
            "Connection refused"
        )

    # Every query, the checks' and the ORM's alike, asks the connection for a cursor.
    monkeypatch.setattr(connection, "cursor", unreachable)


@pytest.fixture
def cache_down(settings):
    location = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "contacts_ui.cache.ForgivingRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    return location


@pytest.fixture
def worker_running():
    health.worker_alive("worker-host:4242")


def readiness(client, **headers) -> tuple[int, dict[str, str]]:
    response = client.get("/readyz", HTTP_ACCEPT="application/json", **headers)
    return response.status_code, json.loads(response.content)


# --- /healthz -------------------------------------------------------------------------------


def test_healthz_answers_ok_without_a_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_healthz_answers_with_the_database_down(client, database_down):
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_with_the_cache_down(client, cache_down):
    assert client.get("/healthz").status_code == 200


def test_healthz_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get("/healthz")


def test_probes_answer_plain_http_by_ip_address_with_https_only_and_strict_hosts(
    client, settings, worker_running
):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["contacts.example.com"]
    # The same settings turn any other URL away: redirected to HTTPS, or refused for its Host.
    assert client.get("/accounts/login/", HTTP_HOST="contacts.example.com").status_code == 301
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.5:8000").status_code == 400

    assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.5:8000").status_code == 200


# --- /readyz --------------------------------------------------------------------------------


def test_readyz_answers_200_when_all_is_well(client, worker_running):
    status, checks = readiness(client)
    assert status == 200
    assert checks == {"database": "OK", "cache": "OK", "migrations": "OK", "worker": "OK"}


def test_readyz_is_not_cached_and_sets_no_cookie_and_needs_no_login(client, worker_running):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert "database" in response.content.decode()


def test_readyz_answers_503_naming_the_database_when_it_is_down(client, database_down):
    status, checks = readiness(client)
    assert status == 503
    assert checks["database"] == "Unavailable: the database cannot be reached"


def test_readyz_answers_503_naming_the_cache_when_redis_is_down(client, worker_running, cache_down):
    status, checks = readiness(client)
    assert status == 503
    assert checks["cache"] == "Unavailable: the cache cannot be reached"
    assert checks["database"] == checks["migrations"] == checks["worker"] == "OK"


def test_readyz_passes_the_cache_with_redis_up(client, settings, worker_running):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis()
    server.start()
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "contacts_ui.cache.ForgivingRedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
            }
        }
        status, checks = readiness(client)
    finally:
        server.stop()
    assert (status, checks["cache"]) == (200, "OK")


def test_readyz_answers_503_naming_the_migrations_when_one_is_not_applied(client, worker_running):
    # As on an instance started before `migrate` ran: the database has not recorded it.
    MigrationRecorder.Migration.objects.filter(
        app="contacts_ui", name="0018_worker_heartbeat"
    ).delete()
    status, checks = readiness(client)
    assert status == 503
    assert checks["migrations"] == "Unavailable: 1 migration(s) not applied"
    assert checks["database"] == checks["cache"] == checks["worker"] == "OK"


def test_readyz_answers_503_naming_the_worker_when_none_was_ever_seen(client):
    status, checks = readiness(client)
    assert status == 503
    assert checks["worker"] == "Unavailable: no task worker seen in the last 60 s"
    assert checks["database"] == checks["cache"] == checks["migrations"] == "OK"


def test_readyz_answers_503_when_the_worker_was_last_seen_too_long_ago(client, settings):
    settings.WORKER_SEEN_SECONDS = 60
    WorkerHeartbeat.objects.create(
        name="worker-host:4242", seen_at=timezone.now() - datetime.timedelta(seconds=61)
    )
    status, checks = readiness(client)
    assert status == 503
    assert checks["worker"].startswith("Unavailable: no task worker seen")


@pytest.mark.parametrize("accept", ["application/json", "text/plain", "text/html"])
def test_neither_probe_reveals_configuration(client, settings, database_down, cache_down, accept):
    answers = [
        client.get(path, HTTP_ACCEPT=accept).content.decode() for path in ("/healthz", "/readyz")
    ]
    redis_port = cache_down.rsplit(":", 1)[1].split("/")[0]
    for answer in answers:
        for secret in (settings.SECRET_KEY, DB_HOST, DB_PORT, "10.9.8.7", cache_down, redis_port):
            assert secret not in answer
        assert "Traceback" not in answer and "OperationalError" not in answer
    assert "the database cannot be reached" in answers[1]


# --- The worker's heartbeat -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_records_its_heartbeat_while_it_runs_and_removes_it_on_exit(monkeypatch):
    seen_while_running = []
    record = health.worker_alive

    def recording(name):
        record(name)
        seen_while_running.extend(WorkerHeartbeat.objects.values_list("name", flat=True))

    monkeypatch.setattr(health, "worker_alive", recording)
    call_command("jobs_worker", "--batch", "--no-startup-delay")

    assert seen_while_running == [health.process_name()]
    assert not WorkerHeartbeat.objects.exists()


def test_a_heartbeat_forgets_workers_gone_for_a_day():
    WorkerHeartbeat.objects.create(
        name="gone:1", seen_at=timezone.now() - datetime.timedelta(days=2)
    )
    health.worker_alive("here:2")
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["here:2"]


def test_a_database_hiccup_in_the_heartbeat_is_logged_and_the_worker_goes_on(monkeypatch, caplog):
    def hiccup(name):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(health, "worker_alive", hiccup)
    with caplog.at_level(logging.ERROR, logger=jobs_worker.logger.name):
        jobs_worker._beat("worker-host:4242")  # raises nothing
    assert "Could not record that this worker is alive" in caplog.text
