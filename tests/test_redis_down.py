"""Redis down, flushed, or back: a cache is never a single point of failure. With the
sessions and the group lists in a Redis of the test's own (its own port, from this
machine's redis-server), Redis is stopped while a signed-in person keeps working and
someone logs in; then started again, and used again without a restart."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import cache

from contacts_ui import cache as forgiving
from contacts_ui.sandbox.models import Group
from tests.helpers import make_contact, make_user, skip_or_fail

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own, keeping nothing on disk."""

    def __init__(self):
        self.port = _free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the test's Redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stored_keys(self) -> list[bytes]:
        return redis.Redis.from_url(self.url).keys("*")


@pytest.fixture
def own_redis(settings, monkeypatch):
    if REDIS_SERVER is None:
        skip_or_fail("redis-server is not installed")
    server = OwnRedis()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "contacts_ui.cache.ForgivingRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.GROUP_LIST_CACHE_SECONDS = 600
    monkeypatch.setattr(forgiving, "RETRY_SECONDS", 0.2)
    yield server
    server.stop()


@pytest.fixture
def klienci(alice_account):
    group = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, groups=[group], first_name="Anna")
    return group


def warnings_about_redis(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "contacts_ui.cache"]


def test_with_redis_stopped_pages_and_logging_in_go_on_and_it_is_said_once(
    client, alice_account, api_url, klienci, own_redis, caplog
):
    make_user("alice", token="alice-token")
    assert (
        client.post(
            "/accounts/login/", {"username": "alice", "password": "pass-for-tests"}
        ).status_code
        == 302
    )
    assert client.get("/contacts/").status_code == 200
    assert own_redis.stored_keys(), "the session and the group list are in Redis"

    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="contacts_ui.cache")
    answers = [client.get(path).status_code for path in ("/contacts/", "/groups/", "/contacts/")]
    client.post("/accounts/logout/")
    logged_in = client.post(
        "/accounts/login/", {"username": "alice", "password": "pass-for-tests"}
    ).status_code
    answers.append(client.get("/contacts/").status_code)

    assert answers == [200, 200, 200, 200]
    assert logged_in == 302
    assert "Anna" in client.get("/contacts/").content.decode()
    said = warnings_about_redis(caplog)
    assert len(said) == 1 and "cannot be reached" in said[0]


def test_redis_back_is_used_again_without_a_restart(
    client, alice_account, api_url, klienci, own_redis, caplog
):
    make_user("alice", token="alice-token")
    client.post("/accounts/login/", {"username": "alice", "password": "pass-for-tests"})
    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="contacts_ui.cache")
    assert client.get("/contacts/").status_code == 200

    own_redis.start()  # empty: as after a flush
    time.sleep(0.3)
    assert client.get("/contacts/").status_code == 200
    assert client.get("/groups/").status_code == 200

    assert any(b"contacts_ui:groups" in key for key in own_redis.stored_keys())
    assert "answers again" in warnings_about_redis(caplog)[-1]


def test_a_session_ended_while_redis_was_unreachable_is_deleted_there_once_it_answers(
    own_redis, monkeypatch
):
    cache.set("session-key", "a signed-in session")
    real_delete = cache._cache.delete

    def unreachable(*args):
        raise redis.ConnectionError("unreachable")

    monkeypatch.setattr(cache._cache, "delete", unreachable)
    assert cache.delete("session-key") is False  # a logout while Redis is unreachable
    monkeypatch.setattr(cache._cache, "delete", real_delete)
    time.sleep(0.3)

    assert cache.get("session-key") is None  # not back from a Redis that kept it
