"""The load test (`make load`): twenty staff at once, against the app as in production.

Serves two gunicorns on free loopback ports: the sandbox API, with 100 ms of latency
on every call, and the app as the Procfile serves it (DEBUG off, whitenoise, two
workers of eight threads) talking to that sandbox over HTTP. Both share one database:
PostgreSQL at LOAD_DATABASE_URL (postgres://postgres@127.0.0.1:5432/serwersms_load
by default, created if missing), holding a sandbox account seeded with 5,000 contacts
in 20 groups and the staff logins load01, load02, ... whose API token opens it.

Then it runs bench/load/locustfile.py three times: a short warm-up that is not
counted (the first requests of each worker load templates and open connections), a
single user (the baseline), and 20 users. In each run the users log in first; the
measured window (60 s with 20 users, 30 s for the baseline) opens when all of them
are in. It prints the figures and exits 1 unless no request failed, the logins
included, and the 95th percentile page time at 20 users is within twice the
single-user one.

LOAD_USERS, LOAD_SECONDS, LOAD_BASELINE_SECONDS and LOAD_WARMUP_SECONDS change the
runs (defaults 20, 60, 30 and 10); LOAD_OUTPUT names a directory that keeps the
servers' logs, locust's CSVs and the summaries. Not part of the test suite.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent

DATABASE_URL = os.environ.get("LOAD_DATABASE_URL") or (
    "postgres://postgres@127.0.0.1:5432/serwersms_load"
)
USERS = int(os.environ.get("LOAD_USERS", "20"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
BASELINE_SECONDS = int(os.environ.get("LOAD_BASELINE_SECONDS", "30"))
WARMUP_SECONDS = int(os.environ.get("LOAD_WARMUP_SECONDS", "10"))
WARMUP_USERS = 4
LOGIN_PHASE_LIMIT_S = 120
# Gunicorn's control socket is one path in the home directory for every gunicorn;
# the two servers here (and anyone else's) would take it from each other.
NO_CONTROL_SOCKET = ["--no-control-socket"]
LATENCY_MS = 100
CONTACTS = 5_000
GROUPS = 20

# Throwaway values for a throwaway database on loopback.
SECRET_KEY = "load-test-only-not-a-secret"
ACCOUNT = "load"
API_TOKEN = "load-sandbox-token"
API_PASSWORD = "load-sandbox-password"
STAFF_PASSWORD = "load-test-password"

# One password hash for every login (hashing is slow on purpose, and these are
# throwaway logins); the API token is stored encrypted, through set_secret.
STAFF_SNIPPET = """
import os
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from contacts_ui.models import ApiCredentials

password = make_password(os.environ["LOAD_STAFF_PASSWORD"])
for number in range(1, int(os.environ["LOAD_STAFF_COUNT"]) + 1):
    user, _ = get_user_model().objects.update_or_create(
        username=f"load{number:02d}", defaults={"is_staff": True, "password": password}
    )
    credentials, _ = ApiCredentials.objects.get_or_create(
        user=user, defaults={"auth_style": ApiCredentials.TOKEN}
    )
    credentials.auth_style = ApiCredentials.TOKEN
    credentials.username = ""
    credentials.set_secret(os.environ["LOAD_API_TOKEN"])
    credentials.save()
if apps.is_installed("axes"):
    # A lockout left by an earlier, broken run would refuse every login from 127.0.0.1.
    from axes.utils import reset
    reset()
"""


# --- Setting up -----------------------------------------------------------------------


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=DATABASE_URL,
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on loopback: no redirect to HTTPS, no secure-only cookies.
        HTTPS_ONLY="false",
        SANDBOX_FAILURE_RATE="0",
        LOG_LEVEL="WARNING",
        # collectstatic writes here, not into the checkout (where the tests would find it).
        STATIC_ROOT=str(Path(tempfile.gettempdir()) / "serwersms-bench-static"),
    )
    return env


def sandbox_env() -> dict[str, str]:
    # The sandbox with DEBUG off, as a demo serves it: the settings refuse that unless asked.
    return base_env() | {
        "SANDBOX": "true",
        "SANDBOX_IN_PRODUCTION": "true",
        "SANDBOX_LATENCY_MS": str(LATENCY_MS),
    }


def app_env(sandbox_port: int) -> dict[str, str]:
    return base_env() | {
        "SANDBOX": "false",
        "SERWERSMS_API_URL": f"http://127.0.0.1:{sandbox_port}/sandbox/api/",
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def create_database() -> None:
    """Create the PostgreSQL database if it is missing (other databases are left alone)."""
    url = urlsplit(DATABASE_URL)
    if url.scheme not in ("postgres", "postgresql"):
        return
    import psycopg
    from psycopg import sql

    name = url.path.lstrip("/")
    server = urlunsplit(url._replace(scheme="postgresql", path="/postgres", query=""))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")


def set_up(staff: int) -> None:
    create_database()
    env = sandbox_env()
    manage(env, "migrate", "--no-input")
    manage(env, "sandbox_account", ACCOUNT, "--password", API_PASSWORD, "--token", API_TOKEN)
    seed = ["--account", ACCOUNT, "--contacts", str(CONTACTS), "--groups", str(GROUPS)]
    print(manage(env, "seed_sandbox", *seed, "--if-empty"))
    staff_env = env | {
        "LOAD_STAFF_COUNT": str(staff),
        "LOAD_STAFF_PASSWORD": STAFF_PASSWORD,
        "LOAD_API_TOKEN": API_TOKEN,
    }
    manage(staff_env, "shell", "-c", STAFF_SNIPPET)
    # DEBUG off serves static files through whitenoise's manifest, which collectstatic makes.
    manage(app_env(0), "collectstatic", "--no-input")


# --- The servers --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def wait_until_serving(self, check) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(
                    f"The {self.name} gunicorn stopped (exit {self.process.returncode}):\n"
                    + "\n".join(self.log_lines()[-30:])
                )
            try:
                if check():
                    return
            except (requests.ConnectionError, requests.Timeout):
                # Not up yet, or starting slowly on a busy machine: asked again.
                pass
            time.sleep(0.2)
        sys.exit(
            f"The {self.name} gunicorn did not answer within 60 s:\n"
            + "\n".join(self.log_lines()[-30:])
        )


def serve(name: str, port: int, env: dict[str, str], options: list[str], logs: Path) -> Server:
    log = logs / f"{name}.log"
    with open(log, "wb") as output:  # the child keeps its own copy of the file open
        process = subprocess.Popen(
            [BIN / "gunicorn", "webapp.wsgi", "--bind", f"127.0.0.1:{port}", *options],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(name, process, log)


# --- Running locust --------------------------------------------------------------------------


def run_locust(label: str, users: int, seconds: int, think: str, host: str, out: Path) -> dict:
    """Run the locustfile headless; its summary (see write_summary there)."""
    summary = out / f"{label}.json"
    log = out / f"{label}-locust.log"
    env = dict(os.environ) | {
        "LOAD_STAFF_COUNT": str(max(USERS, WARMUP_USERS)),
        "LOAD_STAFF_PASSWORD": STAFF_PASSWORD,
        "LOAD_THINK_SECONDS": think,
        "LOAD_MEASURE_SECONDS": str(seconds),
        "LOAD_SUMMARY": str(summary),
    }
    command = [
        BIN / "locust",
        "--locustfile", HERE / "locustfile.py",
        "--headless",
        "--host", host,
        "--users", str(users),
        "--spawn-rate", str(users),  # everyone starts within the first second
        # The locustfile quits `seconds` after the last login; this is only a backstop.
        "--run-time", f"{seconds + LOGIN_PHASE_LIMIT_S}s",
        "--stop-timeout", "10",  # pages under way at the end are finished and counted
        "--csv", out / label,
        "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    with open(log, "wb") as output:
        result = subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    # Locust exits 1 when a request failed; that is for the figures to tell.
    if result.returncode not in (0, 1) or not summary.exists():
        sys.exit(f"locust ({label}) failed (exit {result.returncode}):\n{log.read_text()}")
    figures = json.loads(summary.read_text())
    if figures["login_phase"] is None:
        sys.exit(f"locust ({label}): not every user was logged in after {LOGIN_PHASE_LIMIT_S} s")
    return figures


# --- Reporting ------------------------------------------------------------------------------


def failures(figures: dict) -> int:
    return figures["login_phase"]["all"]["failures"] + figures["all"]["failures"]


def report(runs: list[tuple[str, dict]]) -> None:
    print()
    print(
        f"{'run':<18} {'requests':>8} {'failures':>8} {'median ms':>9} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'req/s':>6}"
    )

    def row(label: str, figures: dict) -> None:
        print(
            f"{label:<18} {figures['requests']:>8} {figures['failures']:>8} "
            f"{figures['median']:>9.0f} {figures['p95']:>7.0f} {figures['p99']:>7.0f} "
            f"{figures['rps']:>6.1f}"
        )

    for label, figures in runs:
        row(f"{label}, pages", figures["pages"])
    for label, figures in runs:
        row(f"{label}, logins", figures["login_phase"]["logins"])
    print(
        "(pages: every request in the measured window, which opens once all users are "
        "logged in;\n logins: the login form and its post, before the window.)"
    )
    for label, figures in runs:
        for error in figures["login_phase"]["errors"] + figures["errors"]:
            print(f"  {label}: {error['count']} x {error['request']}: {error['error']}")


def serve_both(
    cleanup,
    out: Path,
    sandbox_port: int,
    app_port: int,
    token: str,
    sandbox_log=(),
    app_env_extra=None,
):
    """The sandbox (100 ms a call) and the app as the Procfile serves it, on these ports,
    stopped by `cleanup` (an ExitStack); back once both answer. `token` opens a sandbox
    account; `sandbox_log` adds options to the sandbox's gunicorn (an access log, say);
    `app_env_extra` adds to the app's environment (CACHE_URL, say)."""
    api = f"http://127.0.0.1:{sandbox_port}/sandbox/api/"
    host = f"http://127.0.0.1:{app_port}"
    sandbox = serve(
        "sandbox",
        sandbox_port,
        sandbox_env(),
        # Each call sleeps 100 ms holding a thread. Keep-alive as long as a real API's
        # front end keeps it, not gunicorn's 2 s, so the app's pooled connections are
        # not closed under it between calls.
        ["--workers", "2", "--threads", "32", "--keep-alive", "75", *sandbox_log]
        + NO_CONTROL_SOCKET,
        out,
    )
    cleanup.callback(sandbox.stop)
    # The Procfile's layout, with its access log.
    app = serve(
        "app",
        app_port,
        app_env(sandbox_port) | (app_env_extra or {}),
        ["--workers", "2", "--threads", "8", "--keep-alive", "75", "--access-logfile", "-"]
        + NO_CONTROL_SOCKET,
        out,
    )
    cleanup.callback(app.stop)

    def sandbox_answers() -> bool:
        headers = {"Authorization": f"Bearer {token}"}
        answer = requests.post(f"{api}groups/index.json", json={}, headers=headers, timeout=5)
        return answer.status_code == 200 and "items" in answer.json()

    sandbox.wait_until_serving(sandbox_answers)
    app.wait_until_serving(lambda: requests.get(f"{host}/accounts/login/", timeout=5).ok)
    print(f"Serving: app {host}/, sandbox {api} ({LATENCY_MS} ms a call)")
    return sandbox, app


def main() -> int:
    # A plain `kill` stops the servers too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    print(f"Database: {DATABASE_URL}")
    set_up(max(USERS, WARMUP_USERS))
    sandbox_port, app_port = free_port(), free_port()
    host = f"http://127.0.0.1:{app_port}"

    # Servers stop (ExitStack) before their logs go (the temporary directory), on any exit.
    with tempfile.TemporaryDirectory(prefix="serwersms-load-") as tmp, ExitStack() as cleanup:
        # LOAD_OUTPUT keeps the servers' logs, locust's CSVs and the summaries.
        out = Path(os.environ.get("LOAD_OUTPUT") or tmp)
        out.mkdir(parents=True, exist_ok=True)
        sandbox, app = serve_both(cleanup, out, sandbox_port, app_port, API_TOKEN)

        if WARMUP_SECONDS > 0:
            print(f"Warm-up (not counted): {WARMUP_USERS} users, {WARMUP_SECONDS} s")
            run_locust("warmup", WARMUP_USERS, WARMUP_SECONDS, "0", host, out)
        print(f"Baseline: 1 user, no pause between pages, {BASELINE_SECONDS} s")
        baseline = run_locust("baseline", 1, BASELINE_SECONDS, "0", host, out)
        print(f"Load: {USERS} users, 1-3 s between pages, {SECONDS} s")
        load = run_locust("load", USERS, SECONDS, "1-3", host, out)

        report([("1 user", baseline), (f"{USERS} users", load)])
        for server in (app, sandbox):
            lines = [line for line in server.log_lines() if "ERROR" in line or "Traceback" in line]
            if lines:
                print(f"\nThe {server.name} log has {len(lines)} error lines; the first:")
                print("\n".join(lines[:10]))

    failed = failures(baseline) + failures(load)
    limit = 2 * baseline["pages"]["p95"]
    p95 = load["pages"]["p95"]
    passed = failed == 0 and p95 <= limit
    print()
    print(f"Failures: {failed} (must be 0)")
    print(f"p95 page time at {USERS} users: {p95} ms (must be <= 2 x {limit // 2} = {limit} ms)")
    print(f"{'PASS' if passed else 'FAIL'} in {time.monotonic() - started:.0f} s all told")
    return 0 if passed else 1


# One line of the sandbox's access log for each API call it answered.
SANDBOX_CALL = re.compile(r'"POST /sandbox/api/\w+/\w+\.json[^"]*" \d{3} \d+$')


def call_lines(sandbox) -> int:
    return sum(1 for line in sandbox.log_lines() if SANDBOX_CALL.search(line))


def settled_call_lines(sandbox) -> int:
    """The access log's call count once it stops growing (gunicorn writes a line after
    the answer is sent, so the last may come a moment after the page)."""
    count, stable_since = call_lines(sandbox), time.monotonic()
    while time.monotonic() - stable_since < 0.3:
        time.sleep(0.05)
        now = call_lines(sandbox)
        if now != count:
            count, stable_since = now, time.monotonic()
    return count


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers are stopped by then
        sys.exit("Interrupted.")
