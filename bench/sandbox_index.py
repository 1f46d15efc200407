"""How fast the sandbox answers `contacts/index` at 100,000 contacts (`make bench-sandbox`).

Builds a throwaway database (bench/sandbox-bench.sqlite3, made afresh each run;
BENCH_DATABASE_URL points it elsewhere, e.g. at an empty PostgreSQL database),
seeds one sandbox account with 100,000 contacts in 50 groups, serves the app
under gunicorn on a free loopback port, and calls `contacts/index` over real
HTTP the way the official clients do, interleaving searches, sorts and group
filters. Prints the median and 95th percentile per case, for the calls with a
search phrase and a sort (the target), and overall; exits 1 when that median
misses the target.
Not part of the test suite.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
DB_FILE = ROOT / "bench" / "sandbox-bench.sqlite3"
BIN = Path(sys.executable).parent
CONTACTS = 100_000
GROUPS = 50
TOKEN = "t"
ROUNDS = 20  # each round calls every case once: 20 rounds x 18 cases = 360 timed calls
TIME_LIMIT_S = 240  # for the timed calls; the run stops early rather than go on and on
TARGET_MS = 50


# --- Setting up ---------------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="true",
        SANDBOX="true",
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DB_FILE}",
        # The speed of the sandbox itself: no injected latency or faults.
        SANDBOX_LATENCY_MS="0",
        SANDBOX_FAILURE_RATE="0",
        LOG_LEVEL="WARNING",
    )
    return env


def fresh_database() -> None:
    if os.environ.get("BENCH_DATABASE_URL"):
        return
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)


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
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(server: subprocess.Popen, call, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            sys.exit(f"gunicorn stopped (exit {server.returncode}):\n{log.read().decode()}")
        try:
            call("contacts", {"limit": 1})
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    sys.exit("gunicorn did not answer within 30 s")


# --- The cases ----------------------------------------------------------------------


@dataclass
class Case:
    label: str
    params: dict
    pages: int = 0
    timings: list[float] = field(default_factory=list)  # milliseconds

    @property
    def searches_and_sorts(self) -> bool:
        return bool(self.params["search"]) and "sort" in self.params


def cases(groups: list[dict]) -> list[Case]:
    by_size = sorted(groups, key=lambda group: group["count"], reverse=True)
    large, small = by_size[0], by_size[len(by_size) // 2]

    def index(search: str, sort: str | None, order: str = "asc", **extra) -> dict:
        params = {"search": search, "page": 1, "limit": 50, "system": "bench"}
        if sort:
            params.update(sort=sort, order=order)
        return params | extra

    return [
        Case('"kowal", last_name asc', index("kowal", "last_name")),
        Case('"kraków", city desc', index("kraków", "city", "desc")),
        Case('"501", phone asc', index("501", "phone")),
        Case('"gmail", email asc', index("gmail", "email")),
        Case('"Nowak" (capital), first_name desc', index("Nowak", "first_name", "desc")),
        Case('whole name "Anna Kowalska", last_name asc', index("Anna Kowalska", "last_name")),
        Case('"wójcik", city asc', index("wójcik", "city")),
        Case("nothing matches, last_name asc", index("zzyzx-nikt", "last_name")),
        Case("no search, last_name asc", index("", "last_name")),
        Case("no search, city desc", index("", "city", "desc")),
        Case("no search, phone asc", index("", "phone")),
        Case("no search, no sort (newest first)", index("", None)),
        Case("no search, last_name asc, page 40", index("", "last_name", page=40)),
        Case(f"group of {large['count']:,}, last_name asc",
             index("", "last_name", group_id=large["id"])),
        Case(f'group of {large["count"]:,}, "kowal", phone asc',
             index("kowal", "phone", group_id=large["id"])),
        Case(f"group of {small['count']:,}, city desc",
             index("", "city", "desc", group_id=small["id"])),
        Case("in no group, last_name asc", index("", "last_name", group_id="none")),
        Case('in no group, "kraków", city desc',
             index("kraków", "city", "desc", group_id="none")),
    ]  # fmt: skip


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def measure(call) -> list[Case]:
    groups = call("groups", {"limit": 500, "system": "bench"})["items"]
    plan = cases(groups)
    # The first call of each case is not timed; it also warms the database's caches.
    for case in plan:
        case.pages = call("contacts", case.params)["paging"]["count"]
    deadline = time.monotonic() + TIME_LIMIT_S
    for _ in range(ROUNDS):
        if time.monotonic() > deadline:
            print(f"Stopped early: the timed calls took over {TIME_LIMIT_S} s.")
            break
        for case in plan:
            started = time.perf_counter()
            call("contacts", case.params)
            case.timings.append((time.perf_counter() - started) * 1000)
    return plan


def report(plan: list[Case]) -> float:
    """Print the table; the median of the calls with a search phrase and a sort (the target)."""
    width = max(len(case.label) for case in plan)

    def row(label: str, values: list[float], pages: str = "") -> None:
        print(
            f"{label:<{width}}  {len(values):>5}  {pages:>6}  "
            f"{statistics.median(values):>9.1f}  {p95(values):>7.1f}"
        )

    print()
    print(f"{'case':<{width}}  {'calls':>5}  {'pages':>6}  {'median ms':>9}  {'p95 ms':>7}")
    for case in plan:
        row(case.label, case.timings, str(case.pages))
    every = [value for case in plan for value in case.timings]
    searched = [v for case in plan if case.searches_and_sorts for v in case.timings]
    row("with a search phrase and a sort", searched)
    row("all", every)
    median = statistics.median(searched)
    print()
    print(
        f"contacts/index at {CONTACTS:,} contacts, with a search phrase and a sort: "
        f"median {median:.1f} ms, p95 {p95(searched):.1f} ms (target: median <= {TARGET_MS} ms)"
    )
    return median


# --- Running --------------------------------------------------------------------------


def main() -> int:
    env = child_env()
    fresh_database()
    print(f"Database: {env['DATABASE_URL']}")
    manage(env, "migrate", "--no-input")
    manage(env, "sandbox_account", "bench", "--password", "p", "--token", TOKEN)
    started = time.perf_counter()
    seed_args = ["--account", "bench", "--contacts", str(CONTACTS), "--groups", str(GROUPS)]
    out = manage(env, "seed_sandbox", *seed_args)
    print(out)
    print(f"Seed time for {CONTACTS:,} contacts: {time.perf_counter() - started:.1f} s wall clock")

    port = free_port()
    base = f"http://127.0.0.1:{port}/sandbox/api/"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"

    def call(resource: str, params: dict, action: str = "index") -> dict:
        answer = session.post(f"{base}{resource}/{action}.json", json=params, timeout=10)
        answer.raise_for_status()
        data = answer.json()
        if "error" in data:
            raise RuntimeError(f"{resource}/{action} {params}: {data['error']}")
        return data

    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            # No control socket: gunicorn 27 shares one path among all servers of a user.
            [
                BIN / "gunicorn",
                "webapp.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "--threads",
                "4",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_serving(server, call, log)
            plan = measure(call)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    return 0 if report(plan) <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
