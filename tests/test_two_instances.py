"""Two instances of the app, on PostgreSQL and Redis, serve as one: sessions and group lists.

The module starts two gunicorns as the Procfile does, on two free ports, with the same
environment: a PostgreSQL database of this run's own and CACHE_URL on Redis. One
`requests.Session` plays one browser behind a load balancer: cookies belong to a host, not
to a port, so whatever one instance sets, the other receives.

Both services must be up on 127.0.0.1 (PostgreSQL on 5432, trust auth; Redis on 6379).
Without them the tests skip, except with CI set: there they fail, so that a CI run cannot
pass with none of them run.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from psycopg import sql

from tests.helpers import free_ports, run_django_script, skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"

ACCOUNT, API_PASSWORD, API_TOKEN = "pair", "pair-password", "pair-token"
# `manage.py demo_user` makes this staff login, with the sandbox account's token as its credentials.
USERNAME, PASSWORD = "demo", "demo"

# Everything the instances need, in one Django process (each start costs about a second).
SET_UP = f"""
from django.core.management import call_command
call_command("migrate", "--no-input", verbosity=0)
call_command(
    "sandbox_account", {ACCOUNT!r}, "--password", {API_PASSWORD!r}, "--token", {API_TOKEN!r}
)
call_command("seed_sandbox", "--account", {ACCOUNT!r}, "--contacts", "30", "--groups", "3")
call_command("demo_user", "--token", {API_TOKEN!r})
call_command("collectstatic", "--no-input", verbosity=0)
"""

pytestmark = pytest.mark.xdist_group("two_instances")


def _services_up() -> None:
    try:
        psycopg.connect(POSTGRES_SERVER, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        skip_or_fail(f"PostgreSQL is not reachable at 127.0.0.1:5432: {exc}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not reachable at 127.0.0.1:6379: {exc}")


# --- The instances ----------------------------------------------------------------------


@dataclass
class Instance:
    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn at {self.url} stopped:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/accounts/login/", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        pytest.fail(f"gunicorn at {self.url} did not answer within 30 s:\n{self.log_tail()}")

    def quit(self) -> None:
        # Gunicorn's quick shutdown: a graceful one waits seconds for idle keep-alive connections.
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)

    def wait(self) -> None:
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # Its workers too: one whose master went first is left running on its own, an
        # orphan no longer this test's child. They share the master's process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Run:
    first: Instance
    second: Instance
    cache: redis.Redis


def _start(port: int, env: dict[str, str], log: Path) -> Instance:
    with open(log, "wb") as output:  # gunicorn keeps its own copy of the file open
        process = subprocess.Popen(
            [BIN / "gunicorn", "webapp.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "1", "--threads", "4"]
            # Gunicorn's control socket is one path in the home directory for every gunicorn.
            + ["--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            # A process group of its own, so that its workers can be stopped with it.
            start_new_session=True,
        )
    return Instance(f"http://127.0.0.1:{port}", process, log)


def production_env(folder: Path, **variables: str) -> dict[str, str]:
    """This environment with production's settings for a gunicorn of a test's own, and
    these variables (DATABASE_URL, CACHE_URL, ...) on top."""
    return os.environ | {
        # The static files collected into the test's own folder rather than the checkout's
        # staticfiles/, which other tests may be reading.
        "STATIC_ROOT": str(folder / "static"),
        "DEBUG": "false",
        "SECRET_KEY": f"test-gunicorn-{uuid.uuid4().hex}",
        # Plain HTTP on loopback: no redirect to HTTPS, no secure-only cookies.
        "HTTPS_ONLY": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Each instance calls the sandbox on its own port (PORT); all read the one database.
        "SANDBOX": "true",
        "SANDBOX_IN_PRODUCTION": "true",
        "SERWERSMS_API_URL": "",
        "SANDBOX_LATENCY_MS": "0",
        "SANDBOX_FAILURE_RATE": "0",
        **variables,
    }


def set_up(env: dict[str, str]) -> None:
    """The database of this environment migrated, with the demo account and login (SET_UP)."""
    run_django_script(SET_UP, env)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Two instances on one new database and one Redis; stopped, and the database dropped, after."""
    _services_up()
    # Unique to this run, so that two runs at once (or the suite's SQLite and PostgreSQL
    # passes, one after the other) never share a database or cache keys.
    name = f"test_two_instances_{uuid.uuid4().hex[:12]}"
    folder = tmp_path_factory.mktemp("two_instances")
    env = production_env(
        folder,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}",
        CACHE_URL=f"{REDIS_URL}?key_prefix={name}",
        # Long enough that only the invalidation on a write, never expiry, freshens a list.
        GROUP_LIST_CACHE_SECONDS="600",
        LOG_LEVEL="WARNING",
    )
    cache = redis.Redis.from_url(REDIS_URL)
    instances: list[Instance] = []
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        set_up(env)
        for number, port in enumerate(free_ports(2), start=1):
            instances.append(
                _start(port, env | {"PORT": str(port)}, folder / f"gunicorn-{number}.log")
            )
        for instance in instances:
            instance.wait_until_serving()
        yield Run(*instances, cache=cache)
    finally:
        for instance in instances:
            instance.quit()
        for instance in instances:
            instance.wait()
        with psycopg.connect(POSTGRES_SERVER, autocommit=True) as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        for key in cache.scan_iter(match=f"{name}*"):
            cache.delete(key)


# --- Speaking to them ---------------------------------------------------------------------


def _csrf_token(page: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"No CSRF token on {page.url}"
    return match.group(1)


def _log_in(browser: requests.Session, instance: Instance) -> None:
    form = browser.get(f"{instance.url}/accounts/login/", timeout=10)
    answer = browser.post(
        f"{instance.url}/accounts/login/",
        data={
            "username": USERNAME,
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf_token(form),
            "next": "/groups/",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, f"The login was refused:\n{answer.text[:2000]}"
    assert answer.headers["Location"] == "/groups/"


@pytest.fixture
def browser():
    with requests.Session() as session:
        yield session


def _page(browser: requests.Session, instance: Instance, path: str) -> requests.Response:
    """A page that must be served to the logged-in user: no redirect to the login."""
    page = browser.get(f"{instance.url}{path}", allow_redirects=False, timeout=10)
    assert page.status_code == 200, (
        f"GET {path} on {instance.url}: {page.status_code} {page.headers.get('Location', '')}"
    )
    return page


def _sidebar(browser: requests.Session, instance: Instance) -> str:
    """The contacts list's filter sidebar, which lists every group (from the cached list)."""
    page = _page(browser, instance, "/contacts/")
    match = re.search(r'<nav id="changelist-filter".*?</nav>', page.text, re.DOTALL)
    assert match, "The contacts list has no filter sidebar"
    return match.group(0)


def _add_group(browser: requests.Session, instance: Instance, name: str) -> int:
    form = _page(browser, instance, "/groups/add/")
    answer = browser.post(
        f"{instance.url}/groups/add/",
        data={"name": name, "_save": "Save", "csrfmiddlewaretoken": _csrf_token(form)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, f"The group was not added:\n{answer.text[:2000]}"
    found = _page(browser, instance, f"/groups/?q={name}")
    match = re.search(rf'href="/groups/(\d+)/change/[^"]*"[^>]*>{re.escape(name)}</a>', found.text)
    assert match, f"The group {name!r} is not on the group list"
    return int(match.group(1))


def _delete_group(browser: requests.Session, instance: Instance, group_id: int) -> None:
    confirm = _page(browser, instance, f"/groups/{group_id}/delete/")
    answer = browser.post(
        f"{instance.url}/groups/{group_id}/delete/",
        data={"csrfmiddlewaretoken": _csrf_token(confirm)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, f"The group was not deleted:\n{answer.text[:2000]}"


def _new_group_name() -> str:
    return f"Two instances {uuid.uuid4().hex[:8]}"


# --- The tests ----------------------------------------------------------------------------


def test_a_login_on_one_instance_is_good_on_the_other(run, browser):
    _log_in(browser, run.first)

    groups = _page(browser, run.second, "/groups/")
    contacts = _page(browser, run.second, "/contacts/")

    assert 'id="logout-form"' in groups.text
    assert 'id="logout-form"' in contacts.text
    assert 'id="changelist-filter"' in contacts.text


def test_the_session_is_kept_in_redis(run, browser):
    # So that a private cache in each process cannot make these tests pass by accident.
    _log_in(browser, run.first)
    session_key = browser.cookies["sessionid"]

    # Django's cached_db sessions sit under this key, after the cache's prefix and version.
    stored = list(run.cache.scan_iter(match=f"*django.contrib.sessions.cached_db{session_key}"))

    assert stored, "The session is not in Redis"


def test_a_logout_on_one_instance_ends_the_session_on_the_other(run, browser):
    _log_in(browser, run.first)
    session_key = browser.cookies["sessionid"]
    page = _page(browser, run.second, "/groups/")

    logout = browser.post(
        f"{run.second.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": _csrf_token(page)},
        allow_redirects=False,
        timeout=10,
    )
    assert logout.status_code == 302
    # The old cookie, sent again as a copy kept from before would be.
    again = requests.get(
        f"{run.first.url}/groups/",
        cookies={"sessionid": session_key},
        allow_redirects=False,
        timeout=10,
    )

    assert again.status_code == 302
    assert again.headers["Location"].startswith("/accounts/login/")
    assert not list(run.cache.scan_iter(match=f"*django.contrib.sessions.cached_db{session_key}"))


def test_a_group_added_on_one_instance_is_listed_on_the_other_at_once(run, browser):
    _log_in(browser, run.first)
    name = _new_group_name()
    assert name not in _sidebar(browser, run.second)  # the second instance has the list cached

    _add_group(browser, run.first, name)

    assert name in _sidebar(browser, run.second)


def test_a_group_deleted_on_one_instance_goes_from_the_other_at_once(run, browser):
    _log_in(browser, run.first)
    name = _new_group_name()
    group_id = _add_group(browser, run.first, name)
    assert name in _sidebar(browser, run.first)  # the first instance has the list cached

    _delete_group(browser, run.second, group_id)

    assert name not in _sidebar(browser, run.first)
