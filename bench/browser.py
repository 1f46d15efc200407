"""The felt-speed benchmark (`make bench-browser`): from a person's press to the new rows painted.

A measurement, not a test. The app runs as the Procfile serves it (gunicorn, DEBUG off) on a
throwaway SQLite database, talking over HTTP to the sandbox API under gunicorn with 100 ms of
latency on every call and an access log (one line a call, to count them); the helpers are
bench/load/run.py's. A seeded account (1,000 contacts, 20 groups) and a staff login holding its
token; then Chromium (headless, Playwright) logs in and, for BENCH_REPEAT rounds (30, and one
first round not counted), each round from a freshly loaded contacts list:

  next   a press on the paginator's "Next" -> the new rows painted (htmx swaps the list);
  sort   a press on a sortable column heading -> the re-sorted rows painted (htmx);
  open   a press on a contact's name -> its change form painted (a page load);
  keys   "j" (the first row is selected), then Enter -> the change form painted.

A press is as a person makes one: the button goes down, and up BENCH_PRESS_MS (100) later, the
click then; felt time runs from the mousedown (or the keydown of Enter), taken in the page by an
init script, to the paint: for a swap, the second animation frame after the new #contact-results
is in the document; for a page load, the new page's first contentful paint (both pages' clocks
as wall time, performance.timeOrigin + now). Beside it, the raw API call the action cannot do
without, made directly with the app's JSON body and token (as bench/pages.py does): for next and
sort contacts/index; for open and keys contacts/view and then groups/check with its phone.

Two browser contexts take turns in every round: "press", the app as it is, whose app.js
starts the request at the mousedown (the click then uses it), and "click", the same app with
that switched off (an init script stops the mousedown before the app's listener hears it), so
the request starts at the click, as a plain link or htmx has it. Interleaved, so that a busy
machine weighs on both alike.

It prints per mode and action the median and 95th percentile of felt time, the raw API
median, the overhead (felt minus raw, of the medians) and the API calls the action made
(counted at the sandbox, median and most). BENCH_PRESS_MS=0 presses as Playwright's plain
click does (then both modes start at once).
"""

import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import requests

# bench/load/run.py's helpers (this script's folder, bench/, is first on sys.path).
from load import run as load

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
PRESS_MS = int(os.environ.get("BENCH_PRESS_MS", "100"))
LATENCY_MS = 100
CONTACTS = 1000
GROUPS = 20
ROWS = 50  # the default page size
TIMEOUT_S = 30
ACTIONS = ("next", "sort", "open", "keys")
MODES = ("click", "press")

# Throwaway values for a throwaway database on loopback.
ACCOUNT = "felt"
API_TOKEN = "felt-sandbox-token"
API_PASSWORD = "felt-sandbox-password"
STAFF = "felt"
STAFF_PASSWORD = "felt-bench-password"
SYSTEM_NAME = "serwersms_contacts"  # contacts_ui.serwersms.SYSTEM_NAME

# A lockout left by an earlier, broken run would refuse every login from 127.0.0.1.
AXES_RESET = """
from django.apps import apps
if apps.is_installed("axes"):
    from axes.utils import reset
    reset()
"""

SANDBOX_ACCESS_FORMAT = '%(t)s "%(r)s" %(s)s %(M)s'

# In every document: the wall time of the last press (mousedown, or keydown of Enter), kept in
# sessionStorage so that the next page can read it, and the first contentful paint.
INIT_SCRIPT = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const press = () => sessionStorage.setItem("bench-press", String(now()));
  addEventListener("mousedown", press, true);
  addEventListener("keydown", (e) => { if (e.key === "Enter") press(); }, true);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name === "first-contentful-paint") {
        window.__benchPaint = performance.timeOrigin + entry.startTime;
      }
    }
  }).observe({ type: "paint", buffered: true });
  // A swapped list: the time of the second animation frame after a new #contact-results.
  window.__benchWatchSwap = () => {
    const old = document.getElementById("contact-results");
    window.__benchSwapped = null;
    const observer = new MutationObserver(() => {
      const fresh = document.getElementById("contact-results");
      if (fresh && fresh !== old) {
        observer.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => {
          window.__benchSwapped = now();
        }));
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  };
})();
"""

# The "click" mode: the app's own mousedown listener (app.js, a press starts what its click
# will do) does not hear the press; this runs first, after INIT_SCRIPT's own listener.
CLICK_MODE_SCRIPT = """
addEventListener("mousedown", (event) => event.stopImmediatePropagation(), true);
"""


# --- Setting up ------------------------------------------------------------------------


def set_up() -> None:
    env = load.sandbox_env()
    load.manage(env, "migrate", "--no-input")
    load.manage(env, "sandbox_account", ACCOUNT, "--password", API_PASSWORD, "--token", API_TOKEN)
    seed = ["--account", ACCOUNT, "--contacts", str(CONTACTS), "--groups", str(GROUPS)]
    print(load.manage(env, "seed_sandbox", *seed, "--if-empty"))
    user = ["--token", API_TOKEN, "--username", STAFF, "--password", STAFF_PASSWORD]
    load.manage(env, "demo_user", *user)
    load.manage(env, "shell", "-v", "0", "-c", AXES_RESET)
    # DEBUG off serves static files through whitenoise's manifest, which collectstatic makes.
    load.manage(load.app_env(0), "collectstatic", "--no-input")


# --- Counting and raw calls -------------------------------------------------------------


class Raw:
    """The API calls as the app makes them: POST, a JSON body with the params and "system",
    the Bearer token; on one keep-alive session."""

    def __init__(self, api: str):
        self.api = api
        self.session = requests.Session()

    def call(self, resource: str, action: str, params: dict) -> dict:
        answer = self.session.post(
            f"{self.api}{resource}/{action}.json",
            json={**params, "system": SYSTEM_NAME},
            headers={"Accept": "application/json", "Authorization": f"Bearer {API_TOKEN}"},
            timeout=TIMEOUT_S,
        )
        body = answer.json()
        if answer.status_code != 200 or "error" in body:
            raise SystemExit(f"{resource}/{action}: {answer.status_code} {answer.text[:300]}")
        return body

    def timed(self, action: str, contact_id: int) -> float:
        started = time.perf_counter()
        if action == "next":
            self.call(
                "contacts", "index", {"sort": "last_name", "order": "asc", "page": 2, "limit": ROWS}
            )
        elif action == "sort":
            self.call(
                "contacts",
                "index",
                {"sort": "first_name", "order": "asc", "page": 1, "limit": ROWS},
            )
        else:
            contact = self.call("contacts", "view", {"id": contact_id})
            self.call("groups", "check", {"phone": contact["phone"]})
        return (time.perf_counter() - started) * 1000


# --- In the browser ---------------------------------------------------------------------


def open_list(page) -> None:
    page.goto("/contacts/")
    expect(page.locator("#result_list [data-row-link]").first).to_be_visible()


def felt_swap(page, press) -> float:
    """Felt ms of an action that swaps the list: press, then the new rows painted."""
    page.evaluate("window.__benchWatchSwap()")
    press()
    page.wait_for_function("() => window.__benchSwapped", timeout=TIMEOUT_S * 1000)
    return page.evaluate("window.__benchSwapped - Number(sessionStorage.getItem('bench-press'))")


def felt_load(page, press) -> float:
    """Felt ms of an action that loads a page: press, then that page's first paint."""
    with page.expect_navigation(wait_until="commit", timeout=TIMEOUT_S * 1000):
        press()
    expect(page.locator("form#contact-form")).to_be_visible()
    page.wait_for_function("() => window.__benchPaint", timeout=TIMEOUT_S * 1000)
    return page.evaluate("window.__benchPaint - Number(sessionStorage.getItem('bench-press'))")


def act(page, action: str, round_: int) -> float:
    """Felt ms of one action, on the contacts list as loaded."""
    if action == "next":
        link = page.locator(".paginator a[rel=next]")
        return felt_swap(page, lambda: link.click(delay=PRESS_MS))
    if action == "sort":
        # Alternate the headings, so that each round asks for an order not just shown.
        headings = page.locator("#result_list thead th.sortable a")
        link = headings.nth(1 + round_ % 2)
        return felt_swap(page, lambda: link.click(delay=PRESS_MS))
    names = page.locator("#result_list [data-row-link]")
    if action == "open":
        link = names.nth(round_ % ROWS)
        return felt_load(page, lambda: link.click(delay=PRESS_MS))

    def keys():
        page.keyboard.press("j")
        expect(page.locator("tr[data-row].selected")).to_have_count(1)
        page.keyboard.press("Enter", delay=PRESS_MS)

    return felt_load(page, keys)


def log_in(page) -> None:
    page.goto("/contacts/")
    page.get_by_label("Username").fill(STAFF)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()


# --- Reporting --------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def report(felt: dict, raw: dict, calls: dict) -> None:
    print()
    print(
        f"{REPEAT} rounds, sandbox at {LATENCY_MS} ms a call, a press held {PRESS_MS} ms "
        f"(felt: from the mousedown or the keydown of Enter to the paint)"
    )
    print(
        f"  {'mode':<5} {'action':<6} {'felt median':>11} {'felt p95':>9} {'raw API median':>14} "
        f"{'overhead':>9} {'API calls (median, max)':>24}"
    )
    for action in ACTIONS:
        raw_median = statistics.median(raw[action])
        for mode in MODES:
            felt_median = statistics.median(felt[mode, action])
            counted = calls[mode, action]
            print(
                f"  {mode:<5} {action:<6} {felt_median:>9.0f}ms {p95(felt[mode, action]):>7.0f}ms "
                f"{raw_median:>12.0f}ms {felt_median - raw_median:>7.0f}ms "
                f"{statistics.median(counted):>16g}, {max(counted)}"
            )


# --- Running ----------------------------------------------------------------------------


def measure(host: str, api: str, sandbox) -> None:
    raw_api = Raw(api)
    first = raw_api.call("contacts", "index", {"page": 1, "limit": ROWS, "sort": "last_name"})
    contact_ids = [int(item["id"]) for item in first["items"]]
    felt = {(mode, action): [] for mode in MODES for action in ACTIONS}
    calls = {(mode, action): [] for mode in MODES for action in ACTIONS}
    raw = {action: [] for action in ACTIONS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pages = {}
            for mode in MODES:
                context = browser.new_context(
                    base_url=host, locale="en-US", viewport={"width": 1600, "height": 900}
                )
                context.add_init_script(INIT_SCRIPT)
                if mode == "click":
                    context.add_init_script(CLICK_MODE_SCRIPT)
                pages[mode] = context.new_page()
                pages[mode].set_default_timeout(TIMEOUT_S * 1000)
                log_in(pages[mode])
            print(f"Timing {REPEAT} rounds (and one not counted) of {', '.join(ACTIONS)}")
            for round_ in range(REPEAT + 1):
                # Each round in the other mode first: neither always follows the other.
                modes = MODES if round_ % 2 else MODES[::-1]
                for action in ACTIONS:
                    for mode in modes:
                        page = pages[mode]
                        open_list(page)
                        before = load.settled_call_lines(sandbox)
                        ms = act(page, action, round_)
                        made = load.settled_call_lines(sandbox) - before
                        if round_:
                            felt[mode, action].append(ms)
                            calls[mode, action].append(made)
                    raw_ms = raw_api.timed(action, contact_ids[round_ % ROWS])
                    if round_:
                        raw[action].append(raw_ms)
                if round_:
                    print(
                        f"  round {round_}: "
                        + ", ".join(
                            f"{action} {felt['click', action][-1]:.0f}/"
                            f"{felt['press', action][-1]:.0f}ms"
                            for action in ACTIONS
                        )
                        + " (click/press)",
                        flush=True,
                    )
                else:
                    print("  round 0 (not counted)", flush=True)
        finally:
            browser.close()
    report(felt, raw, calls)


# As bench/load/run.py serves them: the sandbox with room for calls that sleep, the app as
# the Procfile has it.
SANDBOX_OPTIONS = [
    "--workers",
    "2",
    "--threads",
    "32",
    "--keep-alive",
    "75",
    "--access-logfile",
    "-",
    "--access-logformat",
    SANDBOX_ACCESS_FORMAT,
    *load.NO_CONTROL_SOCKET,
]
APP_OPTIONS = ["--workers", "2", "--threads", "8", "--keep-alive", "75", *load.NO_CONTROL_SOCKET]


def serve(cleanup: ExitStack, out: Path, name: str, port: int, env: dict, options: list):
    server = load.serve(name, port, env, options, out)
    cleanup.callback(server.stop)
    return server


def wait_until_serving(api_call: str, host: str) -> None:
    """Both answer (the first answers can be slow on a busy machine: a minute at most)."""
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    deadline = time.monotonic() + 60
    while True:
        try:
            api = requests.post(api_call, json={}, headers=headers, timeout=30)
            if api.ok and requests.get(f"{host}/accounts/login/", timeout=30).ok:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("The sandbox or the app did not answer within a minute.")
        time.sleep(0.5)


def main() -> int:
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp, ExitStack() as cleanup:
        load.DATABASE_URL = f"sqlite:///{tmp}/bench.sqlite3"
        load.LATENCY_MS = LATENCY_MS
        out = Path(os.environ.get("BENCH_OUTPUT") or tmp)
        out.mkdir(parents=True, exist_ok=True)
        set_up()
        sandbox_port, app_port = load.free_port(), load.free_port()
        api = f"http://127.0.0.1:{sandbox_port}/sandbox/api/"
        host = f"http://127.0.0.1:{app_port}"
        sandbox = serve(cleanup, out, "sandbox", sandbox_port, load.sandbox_env(), SANDBOX_OPTIONS)
        serve(cleanup, out, "app", app_port, load.app_env(sandbox_port), APP_OPTIONS)
        wait_until_serving(f"{api}groups/index.json", host)
        print(f"Serving: app {host}/, sandbox {api} ({LATENCY_MS} ms a call)", flush=True)
        measure(host, api, sandbox)
    return 0


if __name__ == "__main__":
    sys.exit(main())
