"""Where the contacts list's own time goes, phase by phase (`make profile-list`).

`make bench` gives the list's overhead over its one API call as a ratio; this breaks it
down. It uses the bench's database and accounts (bench/pages.py; set up here only when `make
bench` has not: setting them up again would end a running bench's logins), serves the
sandbox under gunicorn with no latency, and runs the app in this process, through its real
WSGI application and every middleware, signed in as the account's staff login, on the
bench's Redis cache. For each size it asks for the list (`/contacts/?n=50`) as an htmx
partial and as a whole page, PROFILE_REPEAT (300) times each after a few not counted, and
charges the time of each request to the phase that was running: each middleware (its own
part, not what it wraps), Django's handler and URL resolving, the database, the Redis cache,
the credentials' decryption, the API request (the client's own work, then the HTTP
library's: the wait for the sandbox is out of the CPU figure), JSON decoding, the contacts'
parsing, the view's logic, the rows (_ContactRows), the templates, gzip. Figures are
milliseconds a request of CPU time (this thread's: what the machine spends, whatever else
runs beside) and wall-clock time. The request thread's time is also split against the page's
API call: before it goes out, while it is out (hidden by a real API's wait: 100 ms in the
bench), waiting for it, and after its answer; only the first and the last add to a page's
time.

Then, to size what the in-process figures leave out, the app under gunicorn as the bench
runs it (two workers, eight threads) answers a request that is refused before any
database or template work (/contacts/ signed out: a redirect), timed from a client as the
bench's client times a page: the HTTP hop, gunicorn's parsing and writing, and the client's
own work.

PROFILE_REPEAT, PROFILE_SIZES (1000,10000,100000; the bench's BENCH_SIZES otherwise) and
PROFILE_CPROFILE (a pstats sort key, tottime or cumulative: cProfile's 40 costliest
functions so sorted, for the partial of the first size) tune it. A measurement, not part of
the test suite.
"""

import cProfile
import functools
import io
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

# bench/pages.py's set-up and bench/load/run.py's helpers (bench/ is first on sys.path).
import pages
import requests
from load import run as load

REPEAT = int(os.environ.get("PROFILE_REPEAT", "300"))
WARM_UP = 20
SIZES = [
    int(size)
    for size in (os.environ.get("PROFILE_SIZES") or ",".join(map(str, pages.SIZES))).split(",")
]
PATH, QUERY = "/contacts/", f"n={pages.ROWS}"
# The request's thread's time against the page's API call: before it goes out, while it
# is out (hidden by a real API's wait, 100 ms in the bench), waiting for its answer (with
# the sandbox at no latency, the sandbox's own time), after the answer.
BEFORE, WHILE_OUT, WAITING, AFTER = (
    "before the call goes out",
    "while the call is out",
    "waiting for the answer",
    "after the answer",
)


# --- Charging time to phases -----------------------------------------------------------------


class Phases:
    """Exclusive time by phase: entering a phase pauses the one it runs inside. The
    request's thread charges all its time; another thread (the API call's, beside the
    request) only the phases it enters, marked "(beside)": they overlap the request's."""

    def __init__(self):
        self.cpu = defaultdict(float)
        self.wall = defaultdict(float)
        self.main = threading.get_ident()
        self.local = threading.local()
        # Where the request's thread is, against the page's API call (see instrument).
        self.period = BEFORE
        self.periods_cpu = defaultdict(float)
        self.periods_wall = defaultdict(float)
        self.by_period = defaultdict(float)  # (period, phase) -> CPU seconds

    def _state(self):
        if not hasattr(self.local, "stack"):
            self.local.stack = ["other"] if threading.get_ident() == self.main else [None]
            self.local.marks = (time.thread_time(), time.perf_counter())
        return self.local

    def _charge(self) -> None:
        state = self._state()
        cpu, wall = time.thread_time(), time.perf_counter()
        name = state.stack[-1]
        if name is not None:
            if threading.get_ident() != self.main:
                name = f"(beside) {name}"
            else:
                self.periods_cpu[self.period] += cpu - state.marks[0]
                self.periods_wall[self.period] += wall - state.marks[1]
                self.by_period[(self.period, name)] += cpu - state.marks[0]
            self.cpu[name] += cpu - state.marks[0]
            self.wall[name] += wall - state.marks[1]
        state.marks = (cpu, wall)

    def enter(self, name: str) -> None:
        self._charge()
        self.local.stack.append(name)

    def leave(self) -> None:
        self._charge()
        self.local.stack.pop()

    def reset(self) -> None:
        self._charge()
        figures_all = (self.cpu, self.wall, self.periods_cpu, self.periods_wall, self.by_period)
        for figures in figures_all:
            figures.clear()

    def set_period(self, period: str) -> None:
        self._charge()
        self.period = period

    def wrap(self, owner, attribute: str, name: str) -> None:
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            self.enter(name)
            try:
                return original(*args, **kwargs)
            finally:
                self.leave()

        setattr(owner, attribute, timed)


def instrument(phases: Phases) -> None:
    """Charge the app's steps to phases. Run after django.setup(), before the first request
    (middleware classes are patched, so the instances the handler makes are timed)."""
    import django.middleware.gzip
    import requests.models
    from django.conf import settings
    from django.core.cache.backends.redis import RedisCacheClient
    from django.core.handlers.base import BaseHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.template import engines
    from django.utils.module_loading import import_string

    from contacts_ui import contact_total, context_processors, crypto, group_list, serwersms
    from contacts_ui.templatetags import contacts_ui as tags
    from contacts_ui.views import contacts

    # Each middleware: its own part (what it wraps is charged to what runs there).
    for path in settings.MIDDLEWARE:
        phases.wrap(import_string(path), "__call__", "middleware: " + path.rsplit(".", 1)[-1])
    phases.wrap(WSGIHandler, "__call__", "Django's handler (request, response, signals)")
    phases.wrap(BaseHandler, "_get_response", "URL resolving, decorators, the view's logic")

    def in_database(execute, sql, params, many, context):
        phases.enter("database")
        try:
            return execute(sql, params, many, context)
        finally:
            phases.leave()

    connection.execute_wrappers.append(in_database)
    for method in ("get", "get_many", "set", "add", "touch", "delete", "incr", "has_key"):
        phases.wrap(RedisCacheClient, method, "cache (Redis)")
    phases.wrap(crypto, "decrypt", "credentials' decryption")
    phases.wrap(serwersms.SerwerSMSClient, "_call", "API request: the client's own work")
    phases.wrap(requests.Session, "request", "API request: HTTP (requests, urllib3)")
    phases.wrap(requests.models.Response, "json", "API answer: JSON decoding")
    phases.wrap(serwersms.SerwerSMSClient, "_parsed", "API answer: parsing the contacts")
    phases.wrap(group_list, "listed", "group list (cached)")
    phases.wrap(contact_total, "shown_on_page", "contact total")
    phases.wrap(contacts, "render_to_string", "templates")
    hand_over = contacts.in_background

    def handed(function, *args):
        phases.enter("API request: handing it to a thread")
        try:
            future = hand_over(function, *args)
        finally:
            phases.leave()
        if getattr(function, "__name__", "") == "fetch_page":  # not the group list's call
            phases.set_period(WHILE_OUT)
            result = future.result

            def waited(*args, **kwargs):
                phases.set_period(WAITING)
                try:
                    return result(*args, **kwargs)
                finally:
                    phases.set_period(AFTER)

            future.result = waited
        return future

    contacts.in_background = handed
    phases.wrap(tags._ContactRows, "row", "rows (_ContactRows)")
    phases.wrap(tags._ContactRows, "__init__", "rows (_ContactRows)")
    phases.wrap(context_processors, "site", "context processor (site)")
    engine = engines["django"].engine
    engine.template_context_processors  # noqa: B018 (loads them, then they are patched)
    processors = engine.template_context_processors
    engine.__dict__["template_context_processors"] = tuple(
        _charged(phases, processor, "context processors") for processor in processors
    )
    phases.wrap(django.middleware.gzip, "compress_string", "gzip")


def _charged(phases: Phases, function, name: str):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        phases.enter(name)
        try:
            return function(*args, **kwargs)
        finally:
            phases.leave()

    return timed


# --- Requests -----------------------------------------------------------------------------------


def environ(session_cookie: str, htmx: bool) -> dict:
    """A GET as gunicorn hands it to the app, from a browser that accepts gzip."""
    headers = {
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "text/html",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate",
        "HTTP_COOKIE": session_cookie,
        "HTTP_USER_AGENT": "list-profile",
    }
    if htmx:
        headers["HTTP_HX_REQUEST"] = "true"
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": PATH,
        "QUERY_STRING": QUERY,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }


def get(application, session_cookie: str, htmx: bool) -> tuple[str, int]:
    statuses = []
    answer = application(
        environ(session_cookie, htmx), lambda status, headers: statuses.append(status)
    )
    body = b"".join(answer)
    answer.close()
    return statuses[0], len(body)


def partials(application, cookie: str) -> None:
    for _ in range(REPEAT):
        get(application, cookie, htmx=True)


def signed_in(username: str) -> str:
    """A session cookie for the account's staff login, as a login leaves it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# --- Reporting ------------------------------------------------------------------------------


def measure(application, phases: Phases, cookie: str, htmx: bool) -> dict:
    for _ in range(WARM_UP):
        phases.set_period(BEFORE)
        status, _size = get(application, cookie, htmx)
        if not status.startswith("200"):
            sys.exit(f"{PATH}?{QUERY}: {status}")
    phases.reset()
    walls, cpus = [], []
    for _ in range(REPEAT):
        phases.set_period(BEFORE)
        started, started_cpu = time.perf_counter(), time.thread_time()
        get(application, cookie, htmx)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.thread_time() - started_cpu) * 1000)
    return {
        "cpu": {name: seconds * 1000 / REPEAT for name, seconds in phases.cpu.items()},
        "wall": {name: seconds * 1000 / REPEAT for name, seconds in phases.wall.items()},
        "periods_cpu": {name: s * 1000 / REPEAT for name, s in phases.periods_cpu.items()},
        "periods_wall": {name: s * 1000 / REPEAT for name, s in phases.periods_wall.items()},
        "by_period": {key: s * 1000 / REPEAT for key, s in phases.by_period.items()},
        "cpu_median": statistics.median(cpus),
        "wall_median": statistics.median(walls),
    }


def own(figures: dict) -> float:
    """The request thread's time: its phases, not those of a call beside it."""
    return sum(ms for name, ms in figures.items() if not name.startswith("(beside)"))


def report(label: str, partial: dict, page: dict) -> None:
    print()
    print(f"{label}: ms a request, {REPEAT} of each (CPU: this thread; wall: clock)")
    print(
        f"  {'phase':<50} {'partial CPU':>11} {'page CPU':>9} {'partial wall':>12} {'page wall':>9}"
    )
    names = sorted(
        set(partial["cpu"]) | set(page["cpu"]),
        key=lambda name: -(partial["cpu"].get(name, 0) + page["cpu"].get(name, 0)),
    )
    for name in names:
        print(
            f"  {name:<50} {partial['cpu'].get(name, 0):>11.2f} {page['cpu'].get(name, 0):>9.2f}"
            f" {partial['wall'].get(name, 0):>12.2f} {page['wall'].get(name, 0):>9.2f}"
        )
    sums = [own(partial["cpu"]), own(page["cpu"]), own(partial["wall"]), own(page["wall"])]
    print(
        f"  {'all the request thread (mean)':<50} {sums[0]:>11.2f} {sums[1]:>9.2f}"
        f" {sums[2]:>12.2f} {sums[3]:>9.2f}"
    )
    print(
        f"  {'all (median)':<50} {partial['cpu_median']:>11.2f} {page['cpu_median']:>9.2f}"
        f" {partial['wall_median']:>12.2f} {page['wall_median']:>9.2f}"
    )
    print(
        "  (the HTTP library's wall time holds the sandbox's own time; the API wait is what"
        " a raw call costs too)"
    )
    print("  The request's thread against the page's API call (and its costliest phases, CPU):")
    for period in (BEFORE, WHILE_OUT, WAITING, AFTER):
        print(
            f"    {period:<48} {partial['periods_cpu'].get(period, 0):>11.2f}"
            f" {page['periods_cpu'].get(period, 0):>9.2f}"
            f" {partial['periods_wall'].get(period, 0):>12.2f}"
            f" {page['periods_wall'].get(period, 0):>9.2f}"
        )
        shares = {
            name: (partial["by_period"].get((period, name), 0), page["by_period"].get(key, 0))
            for key in set(partial["by_period"]) | set(page["by_period"])
            if key[0] == period
            for name in [key[1]]
        }
        for name, (in_partial, in_page) in sorted(shares.items(), key=lambda item: -sum(item[1])):
            if in_partial + in_page >= 0.1:
                print(f"      {name:<46} {in_partial:>11.2f} {in_page:>9.2f}")


def hop(cleanup, out: Path, sandbox_port: int) -> None:
    """The app under gunicorn, asked for a page it answers at once (signed out: a redirect
    to the login), against the bench's raw client asking the sandbox for nothing: what
    gunicorn and a second HTTP hop add to a page."""
    app_port = load.free_port()
    app = load.serve(
        "app",
        app_port,
        load.app_env(sandbox_port) | {"CACHE_URL": pages.CACHE_URL},
        ["--workers", "2", "--threads", "8", "--keep-alive", "75"] + load.NO_CONTROL_SOCKET,
        out,
    )
    cleanup.callback(app.stop)
    host = f"http://127.0.0.1:{app_port}"
    app.wait_until_serving(lambda: requests.get(f"{host}/accounts/login/", timeout=5).ok)
    browser = requests.Session()
    walls = []
    for round_ in range(WARM_UP + REPEAT):
        started = time.perf_counter()
        answer = browser.get(f"{host}{PATH}?{QUERY}", allow_redirects=False, timeout=10)
        if round_ >= WARM_UP:
            walls.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 302:
            sys.exit(f"signed out, {PATH}: status {answer.status_code}, not a redirect")
    print()
    print(
        f"gunicorn and the hop: a redirect answered before any database work, {REPEAT} times:"
        f" median {statistics.median(walls):.2f} ms wall (client to client)"
    )


def bench_accounts_ready(accounts) -> bool:
    """Whether `make bench` has set the accounts up already (its logins, its static files).
    They are then left as they are: setting them up again would end the sessions of a
    bench running beside."""
    if not (Path(load.base_env()["STATIC_ROOT"]) / "staticfiles.json").exists():
        return False
    import psycopg

    url = pages.DATABASE_URL.replace("postgres://", "postgresql://", 1)
    try:
        with psycopg.connect(url) as connection:
            names = [account.name for account in accounts]
            found = connection.execute(
                "SELECT count(*) FROM auth_user WHERE username = ANY(%s)", [names]
            ).fetchone()[0]
    except psycopg.Error:
        return False
    return found == len(accounts)


def main() -> int:
    accounts = [pages.account_for(size) for size in SIZES]
    if not bench_accounts_ready(accounts):
        pages.set_up(accounts)
    with tempfile.TemporaryDirectory(prefix="serwersms-profile-") as tmp, ExitStack() as cleanup:
        out = Path(tmp)
        sandbox_port = load.free_port()
        sandbox = load.serve(
            "sandbox",
            sandbox_port,
            load.sandbox_env() | {"SANDBOX_LATENCY_MS": "0"},
            ["--workers", "2", "--threads", "8", "--keep-alive", "75"] + load.NO_CONTROL_SOCKET,
            out,
        )
        cleanup.callback(sandbox.stop)
        api = f"http://127.0.0.1:{sandbox_port}/sandbox/api/"
        headers = {"Authorization": f"Bearer {accounts[0].token}"}
        sandbox.wait_until_serving(
            lambda: requests.post(f"{api}groups/index.json", json={}, headers=headers, timeout=5).ok
        )

        os.environ.update(load.app_env(sandbox_port) | {"CACHE_URL": pages.CACHE_URL})
        os.environ["DJANGO_SETTINGS_MODULE"] = "webapp.settings"
        sys.path.insert(0, str(load.ROOT))
        import django

        django.setup()
        from django.core.handlers.wsgi import WSGIHandler

        phases = Phases()
        instrument(phases)
        application = WSGIHandler()
        for number, account in enumerate(accounts):
            cookie = signed_in(account.name)
            partial = measure(application, phases, cookie, htmx=True)
            page = measure(application, phases, cookie, htmx=False)
            report(f"{account.name} ({account.contacts:,} contacts)", partial, page)
            if number == 0 and os.environ.get("PROFILE_CPROFILE"):
                profiler = cProfile.Profile(time.thread_time)
                profiler.runcall(partials, application, cookie)
                pstats.Stats(profiler).sort_stats(os.environ["PROFILE_CPROFILE"]).print_stats(40)
        hop(cleanup, out, sandbox_port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
