"""PostgreSQL restarted under a running app: while it is down every page answers the plain
503 page (no 500, no traceback), and the first request after it is back is served (the
app's kept connections are checked before use: CONN_HEALTH_CHECKS).

The test runs a PostgreSQL of its own (its own folder and port, from this machine's
binaries, as the postgres system user) and one gunicorn on it, as the Procfile does. It
needs to run as root (to start PostgreSQL as postgres); it skips otherwise, and fails with
CI set."""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.helpers import free_ports, on_ci, skip_or_fail
from tests.test_two_instances import (
    _log_in,
    _page,
    _start,
    production_env,
    set_up,
)

POSTGRES_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


class OwnPostgres:
    """A PostgreSQL server of the test's own, started and stopped at will."""

    def __init__(self, bin_dir: Path, folder: Path, port: int):
        self.bin_dir, self.folder, self.port = bin_dir, folder, port
        self.data = folder / "data"
        self.process: subprocess.Popen | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, name: str) -> str:
        """A database of this name made on the server; its URL."""
        with psycopg.connect(self.url(), autocommit=True) as server:
            server.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def init(self) -> None:
        subprocess.run(
            [self.bin_dir / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres"]
            + ["-E", "UTF8", "--no-sync"],
            user="postgres",
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.bin_dir / "postgres", "-D", self.data, "-p", str(self.port), "-k", self.folder]
            + ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            user="postgres",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                psycopg.connect(self.url(), connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError("the test's PostgreSQL did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def own_postgres():
    if not POSTGRES_BINS or os.geteuid() != 0:
        skip_or_fail("PostgreSQL's binaries, and root to start them as postgres, are needed")
    folder = Path(tempfile.mkdtemp(prefix="own-postgres-", dir="/tmp"))
    os.chmod(folder, 0o755)
    postgres_user = pwd.getpwnam("postgres")
    os.chown(folder, postgres_user.pw_uid, postgres_user.pw_gid)
    server = OwnPostgres(POSTGRES_BINS[-1], folder, free_ports(1)[0])
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_on_it(own_postgres, tmp_path):
    """One gunicorn on the test's PostgreSQL, with the demo account and login."""
    port = free_ports(1)[0]
    env = production_env(
        tmp_path,
        DATABASE_URL=own_postgres.new_database("contacts"),
        CACHE_URL="locmemcache://",
        LOG_LEVEL="CRITICAL",
        PORT=str(port),
    )
    set_up(env)
    instance = _start(port, env, tmp_path / "gunicorn.log")
    try:
        instance.wait_until_serving()
        yield instance
    finally:
        instance.quit()
        instance.wait()


def test_pages_answer_503_while_postgresql_is_down_and_work_as_soon_as_it_is_back(
    own_postgres, app_on_it
):
    browser = requests.Session()
    _log_in(browser, app_on_it)
    _page(browser, app_on_it, "/contacts/")

    own_postgres.stop()
    during = [
        browser.get(f"{app_on_it.url}{path}", allow_redirects=False, timeout=30)
        for path in ("/contacts/", "/groups/", "/history/", "/accounts/login/")
    ]
    own_postgres.start()
    first_after = browser.get(f"{app_on_it.url}/contacts/", allow_redirects=False, timeout=30)

    assert [answer.status_code for answer in during] == [503, 503, 503, 503]
    assert all("Temporarily unavailable" in answer.text for answer in during)
    assert not any("Traceback" in answer.text for answer in during)
    assert first_after.status_code == 200, first_after.text[:500]
    assert "logout-form" in first_after.text  # still signed in: the session was kept
    _page(browser, app_on_it, "/groups/")


def test_the_check_is_required_in_ci():
    # A skip in CI would hide that the restart was never tried (CI runs as root).
    if on_ci():
        assert POSTGRES_BINS and os.geteuid() == 0
