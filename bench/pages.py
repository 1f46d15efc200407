"""The page benchmark (`make bench`): what a page costs over the one API call it needs.

Set up as the load test is (bench/load/run.py, whose helpers this reuses): PostgreSQL
at BENCH_PAGES_DATABASE_URL (postgres://postgres@127.0.0.1:5432/serwersms_pages by
default, created if missing), the sandbox API under gunicorn with 100 ms of latency on
every call and an access log (one line a call), and the app under gunicorn as the
Procfile serves it, talking to that sandbox over HTTP. The sandbox accounts pages1k,
pages10k and pages100k hold 1,000, 10,000 and 100,000 contacts in 50 groups (seeded
once, with --if-empty: the first 100,000 take a while, and are not timed); each has a
staff login of the same name holding its API token.

For each account, interleaved in one run (every round visits every size and page, in
a shuffled order), it times: (A) the raw API call the page needs, made directly with
the app's JSON body and token; (B) the page, whole; (C) the page as an htmx partial
(HX-Request: true). The pages: the contacts list (50 rows; raw call contacts/index),
the groups list (groups/index) and one contact's change form (raw: contacts/view, then
groups/check with its phone, the two calls the form cannot do without; the form also
needs the group list, which is cached). A round not counted comes first.

The app uses the cache production uses when several processes serve: Redis, at
BENCH_CACHE_URL (redis://127.0.0.1:6379/0 with a key prefix of its own by default).

It prints, a size at a time, the median and 95th percentile of each, the ratios B/A
and C/A of the medians, the response sizes (HTML, and as sent: gzip), the API calls a
page view made (counted at the sandbox, in a separate pass of a few views each) and the
app workers' peak memory; then one line with the worst ratio. Targets: C/A 1.05 or less, B/A 1.10 or
less, one API call a list view, memory flat in account size, a 50-row partial under
30 KB. It is a measurement: it exits 1 only when something failed (an answer that was
not HTTP 200, a login refused).

BENCH_REPEAT (200) is the number of rounds; BENCH_SIZES (1000,10000,100000) picks the
accounts; BENCH_OUTPUT names a directory that keeps the servers' logs. Not part of the
test suite.
"""

import json
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

# bench/load/run.py's helpers (this script's folder, bench/, is first on sys.path).
from load import run as load

DATABASE_URL = os.environ.get("BENCH_PAGES_DATABASE_URL") or (
    "postgres://postgres@127.0.0.1:5432/serwersms_pages"
)
CACHE_URL = os.environ.get("BENCH_CACHE_URL") or "redis://127.0.0.1:6379/0?key_prefix=bench-pages"
REPEAT = int(os.environ.get("BENCH_REPEAT", "200"))
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
GROUPS = 50
ROWS = 50
LATENCY_MS = 100
# The separate pass that counts API calls: this many views of each page, each size.
COUNTED_VIEWS = 5
TIMEOUT_S = 60

# run.py's helpers read the database and the latency from its module globals.
load.DATABASE_URL = DATABASE_URL
load.LATENCY_MS = LATENCY_MS

# Throwaway values for a throwaway database on loopback.
STAFF_PASSWORD = "pages-bench-password"
SYSTEM_NAME = "serwersms_contacts"  # contacts_ui.serwersms.SYSTEM_NAME

# One staff login an account, named as the account, holding its API token.
STAFF_SNIPPET = """
import json
import os
from django.apps import apps
from django.core.management import call_command

password = os.environ["PAGES_STAFF_PASSWORD"]
for username, token in json.loads(os.environ["PAGES_STAFF"]):
    call_command(
        "demo_user", "--token", token, "--username", username, "--password", password, verbosity=0
    )
if apps.is_installed("axes"):
    # A lockout left by an earlier, broken run would refuse every login from 127.0.0.1.
    from axes.utils import reset
    reset()
"""

# The sandbox's access log: one line a call, to count them.
SANDBOX_ACCESS_FORMAT = '%(t)s "%(r)s" %(s)s %(M)s'
PAGES = ("contacts", "groups", "form")
VIEWS = ("A", "B", "C")
VIEW_NAMES = {"A": "raw API call", "B": "page, whole", "C": "htmx partial"}
TARGETS = {"B": 1.10, "C": 1.05}
PARTIAL_LIMIT = 30 * 1024


class Failed(Exception):
    """Something answered other than it should: the run is worth nothing."""


@dataclass
class Account:
    contacts: int
    label: str
    name: str
    token: str
    browser: requests.Session = field(default_factory=requests.Session)
    contact_id: int | None = None
    times: dict = field(default_factory=dict)  # (page, view) -> [ms]
    sizes: dict = field(default_factory=dict)  # (page, view) -> bytes of the last answer
    wire: dict = field(default_factory=dict)  # (page, view) -> those bytes as sent (gzip)
    calls: dict = field(default_factory=dict)  # (page, view) -> [calls a view]
    peak_rss_kb: dict = field(default_factory=dict)


def account_for(contacts: int) -> Account:
    label = f"{contacts // 1000}k" if contacts % 1000 == 0 else str(contacts)
    name = f"pages{label}"
    return Account(contacts, label, name, f"{name}-sandbox-token")


# --- Setting up -----------------------------------------------------------------------


def set_up(accounts: list[Account]) -> None:
    load.create_database()
    env = load.sandbox_env()
    load.manage(env, "migrate", "--no-input")
    for account in accounts:
        password = f"{account.name}-sandbox-password"
        load.manage(
            env, "sandbox_account", account.name, "--password", password, "--token", account.token
        )
        print(f"Seeding {account.name} ({account.contacts:,} contacts) if empty ...", flush=True)
        seed = ["--account", account.name, "--contacts", str(account.contacts)]
        print(load.manage(env, "seed_sandbox", *seed, "--groups", str(GROUPS), "--if-empty"))
    staff_env = env | {
        "PAGES_STAFF": json.dumps([[account.name, account.token] for account in accounts]),
        "PAGES_STAFF_PASSWORD": STAFF_PASSWORD,
    }
    load.manage(staff_env, "shell", "-v", "0", "-c", STAFF_SNIPPET)
    # DEBUG off serves static files through whitenoise's manifest, which collectstatic makes.
    load.manage(load.app_env(0), "collectstatic", "--no-input")


def log_in(account: Account, host: str) -> None:
    page = account.browser.get(f"{host}/accounts/login/", timeout=TIMEOUT_S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise Failed(f"The login page: status {page.status_code}, no CSRF token")
    answer = account.browser.post(
        f"{host}/accounts/login/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": account.name,
            "password": STAFF_PASSWORD,
        },
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    if answer.status_code != 302 or "/accounts/login/" in answer.headers.get("Location", ""):
        raise Failed(f"The login of {account.name} was refused (status {answer.status_code}).")


# --- The requests -------------------------------------------------------------------------


class Raw:
    """The API calls as the app makes them (contacts_ui.serwersms): POST, a JSON body
    with the params and "system", the Bearer token; on one keep-alive session."""

    def __init__(self, api: str):
        self.api = api
        self.session = requests.Session()

    def call(self, account: Account, resource: str, action: str, params: dict):
        return self.session.post(
            f"{self.api}{resource}/{action}.json",
            json={**params, "system": SYSTEM_NAME},
            headers={"Accept": "application/json", "Authorization": f"Bearer {account.token}"},
            timeout=TIMEOUT_S,
        )


def raw_calls(page: str, account: Account) -> list[tuple[str, str, dict]]:
    """The calls each page cannot do without, with the params the app's view sends: one
    for a list; for the change form, the contact, then the groups its phone is in (the
    API gives a contact's groups only by phone, so the second waits on the first)."""
    if page == "contacts":
        params = {"sort": "last_name", "order": "asc", "page": 1, "limit": ROWS}
        return [("contacts", "index", params)]
    if page == "groups":
        return [("groups", "index", {"sort": "name", "order": "asc", "page": 1, "limit": 50})]
    return [("contacts", "view", {"id": account.contact_id}), ("groups", "check", None)]


def page_path(page: str, account: Account) -> str:
    return {
        "contacts": f"/contacts/?n={ROWS}",
        "groups": "/groups/",
        "form": f"/contacts/{account.contact_id}/change/",
    }[page]


def request(view: str, page: str, account: Account, host: str, raw: Raw) -> requests.Response:
    if view == "A":
        answer = None
        for resource, action, params in raw_calls(page, account):
            if params is None:  # groups/check, with the phone the contact came with
                params = {"phone": answer.json()["phone"]}
            answer = raw.call(account, resource, action, params)
            if answer.status_code == 200 and "error" in answer.json():
                raise Failed(f"{page} {account.label} A: the API refused: {answer.text[:300]}")
    else:
        headers = {"HX-Request": "true"} if view == "C" else {}
        answer = account.browser.get(
            host + page_path(page, account),
            headers=headers,
            allow_redirects=False,
            timeout=TIMEOUT_S,
        )
    if answer.status_code != 200:
        where = answer.headers.get("Location", "")
        raise Failed(f"{page} {account.label} {view}: status {answer.status_code} {where}".rstrip())
    return answer


def timed(view: str, page: str, account: Account, host: str, raw: Raw, keep: bool) -> None:
    started = time.perf_counter()
    answer = request(view, page, account, host, raw)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if keep:
        account.times.setdefault((page, view), []).append(elapsed_ms)
        account.sizes[(page, view)] = len(answer.content)
        # requests asks for gzip, as browsers do, and unpacks it; Content-Length is as sent.
        account.wire[(page, view)] = int(answer.headers.get("Content-Length", len(answer.content)))


def pick_contact(account: Account, raw: Raw) -> None:
    answer = raw.call(account, "contacts", "index", {"page": 1, "limit": 1})
    items = answer.json().get("items") if answer.status_code == 200 else None
    if not items:
        raise Failed(f"{account.name} has no contacts to open (status {answer.status_code}).")
    account.contact_id = int(items[0]["id"])


# --- Counting calls and memory ------------------------------------------------------------


def count_calls(account: Account, host: str, raw: Raw, sandbox) -> None:
    for page in PAGES:
        for view in ("B", "C"):
            before = load.settled_call_lines(sandbox)
            for _ in range(COUNTED_VIEWS):
                request(view, page, account, host, raw)
                after = load.settled_call_lines(sandbox)
                account.calls.setdefault((page, view), []).append(after - before)
                before = after


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's children: its workers (from /proc, the parent in each stat)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            # pid (comm) state ppid ...; comm may hold spaces and parentheses.
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == master:
                children.append(int(stat.parent.name))
    return children


def peak_rss_kb(master: int) -> dict[int, int]:
    """VmHWM (the peak resident set) of each of the app's gunicorn workers, in KB."""
    peaks = {}
    for pid in worker_pids(master):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        if match:
            peaks[pid] = int(match.group(1))
    return peaks


# --- Reporting ------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def report(account: Account) -> list[tuple[float, str]]:
    """The table of one size; the ratios, each with its description."""
    print()
    print(f"{account.name}: {account.contacts:,} contacts, {REPEAT} rounds")
    print(
        f"  {'page':<9} {'view':<16} {'median ms':>9} {'p95 ms':>7} {'x A':>6} "
        f"{'bytes':>8} {'on wire':>8} {'API calls':>9}"
    )
    ratios = []
    for page in PAGES:
        base = statistics.median(account.times[(page, "A")])
        for view in VIEWS:
            times = account.times[(page, view)]
            median = statistics.median(times)
            ratio = median / base
            calls = account.calls.get((page, view))
            calls_text = (
                f"{statistics.median(calls):g}" if calls else str(len(raw_calls(page, account)))
            )
            over = view in TARGETS and ratio > TARGETS[view]
            print(
                f"  {page:<9} {view} {VIEW_NAMES[view]:<14} {median:>9.1f} {p95(times):>7.1f} "
                f"{ratio:>6.2f} {account.sizes[(page, view)]:>8} "
                f"{account.wire[(page, view)]:>8} {calls_text:>9}"
                + ("  over target" if over else "")
            )
            if view in TARGETS:
                ratios.append((ratio, f"{page} {account.label} {view}/A = {ratio:.2f}"))
    peaks = account.peak_rss_kb
    print(
        "  app workers' peak RSS after this size's counting pass: "
        + ", ".join(f"{kb / 1024:.0f} MB" for kb in sorted(peaks.values()))
        + f" (max {max(peaks.values(), default=0) / 1024:.0f} MB)"
    )
    return ratios


def notes(accounts: list[Account]) -> None:
    """What misses a target, besides the ratios."""
    print()
    print("Checks (calls a view: the median of the counting pass):")
    for account in accounts:
        for page in ("contacts", "groups"):
            for view in ("B", "C"):
                calls = statistics.median(account.calls[(page, view)])
                mark = "ok" if calls == 1 else "over target (1)"
                print(f"  {page} list {account.label} {view}: {calls:g} API calls a view, {mark}")
        size, wire = account.sizes[("contacts", "C")], account.wire[("contacts", "C")]
        mark = "ok" if wire < PARTIAL_LIMIT else f"over target ({PARTIAL_LIMIT // 1024} KB)"
        print(
            f"  contacts partial {account.label} ({ROWS} rows): {wire / 1024:.1f} KB on the "
            f"wire ({size / 1024:.1f} KB of HTML), {mark}"
        )
    peaks = [max(a.peak_rss_kb.values(), default=0) / 1024 for a in accounts]
    print(
        "  app worker peak RSS by size: "
        + ", ".join(f"{a.label} {mb:.0f} MB" for a, mb in zip(accounts, peaks, strict=True))
    )


# --- Running -------------------------------------------------------------------------------


def measure(accounts: list[Account], host: str, raw: Raw, sandbox, app) -> dict[int, int]:
    """Times every account's pages into its figures; the workers' peak RSS at the end."""
    for account in accounts:
        log_in(account, host)
        pick_contact(account, raw)
    # Not interleaved: the API calls a page view makes, counted at the sandbox, one size
    # at a time from the smallest, and the workers' peak memory after each size.
    print("Counting API calls a page view, smallest size first ...", flush=True)
    for account in sorted(accounts, key=lambda a: a.contacts):
        count_calls(account, host, raw, sandbox)
        account.peak_rss_kb = peak_rss_kb(app.process.pid)

    print(f"Timing {REPEAT} rounds (and one not counted), sizes {SIZES} interleaved", flush=True)
    order = [(account, page) for account in accounts for page in PAGES]
    shuffle = random.Random(1)
    # Round 0 is not counted: the first requests load templates and open connections.
    for round_ in range(REPEAT + 1):
        shuffle.shuffle(order)
        for account, page in order:
            views = list(VIEWS)
            shuffle.shuffle(views)
            for view in views:
                timed(view, page, account, host, raw, keep=round_ > 0)
        if round_ and (round_ % 50 == 0 or round_ == REPEAT):
            print(f"  round {round_} of {REPEAT}", flush=True)
    return peak_rss_kb(app.process.pid)


def main() -> int:
    # A plain `kill` stops the servers too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    print(f"Database: {DATABASE_URL}; cache: {CACHE_URL}")
    accounts = [account_for(size) for size in SIZES]
    set_up(accounts)
    sandbox_port, app_port = load.free_port(), load.free_port()
    host = f"http://127.0.0.1:{app_port}"

    # Servers stop (ExitStack) before their logs go (the temporary directory), on any exit.
    with tempfile.TemporaryDirectory(prefix="serwersms-pages-") as tmp, ExitStack() as cleanup:
        out = Path(os.environ.get("BENCH_OUTPUT") or tmp)
        out.mkdir(parents=True, exist_ok=True)
        sandbox, app = load.serve_both(
            cleanup,
            out,
            sandbox_port,
            app_port,
            accounts[0].token,
            sandbox_log=["--access-logfile", "-", "--access-logformat", SANDBOX_ACCESS_FORMAT],
            app_env_extra={"CACHE_URL": CACHE_URL},
        )
        raw = Raw(f"http://127.0.0.1:{sandbox_port}/sandbox/api/")
        try:
            final_peaks = measure(accounts, host, raw, sandbox, app)
        except Failed as failure:
            print(f"\nFailed: {failure}")
            for server in (app, sandbox):
                print(f"The {server.name} log ends:\n" + "\n".join(server.log_lines()[-20:]))
            return 1
        errors = [line for line in app.log_lines() if "ERROR" in line or "Traceback" in line]
        if errors:
            print(f"\nThe app log has {len(errors)} error lines; the first:")
            print("\n".join(errors[:10]))

    ratios = []
    for account in accounts:
        ratios += report(account)
    notes(accounts)
    print(
        "  app workers' peak RSS after the timed rounds: "
        + ", ".join(f"{kb / 1024:.0f} MB" for kb in sorted(final_peaks.values()))
    )
    load_average = os.getloadavg()[0]
    print(f"\nLoad average (1 min) at the end: {load_average:.1f} on {os.cpu_count()} CPUs")
    print(f"{time.monotonic() - started:.0f} s all told")
    worst = max(ratios)[1]
    print(f"worst ratio: {worst} (targets: C/A <= 1.05, B/A <= 1.10)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers are stopped by then
        sys.exit("Interrupted.")
