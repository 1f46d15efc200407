"""The bulk delete benchmark (`make bench-bulk`): 1,000 contacts deleted in the background.

The target: deleting 1,000 contacts against the sandbox at SANDBOX_LATENCY_MS=100
finishes in 30 seconds or less.

Set up as the load test is (bench/load/run.py, whose helpers this reuses): PostgreSQL
at BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/serwersms_bench by default,
created if missing), the sandbox API under gunicorn with 100 ms of latency on every
call, the app under gunicorn as the Procfile serves it talking to that sandbox over
HTTP, and one task worker (`manage.py jobs_worker`, as the Procfile runs it). The
sandbox account "bulk" is seeded afresh on every run, so it always starts with
exactly BENCH_CONTACTS contacts (1,000) in a few groups; the staff login load01
holds its API token.

Then it does what a person does: logs in, opens the contacts list, chooses "Delete"
and "Apply to every contact this search finds", confirms, and watches the job page
(polling its partial once a second, as htmx does) until the job is finished. It
prints the time from the confirming POST to the job's finished_at, where that time
went, the items by status, the calls the sandbox served (counted in its access log)
and the concurrency the worker used. It exits 1 when the time misses the target
(30 s per 1,000 contacts), when any item did not succeed, or when contacts remain.

BENCH_CONTACTS and BULK_CONCURRENCY change the run; BENCH_OUTPUT names a directory
that keeps the servers' and the worker's logs. Not part of the test suite.
"""

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack, suppress
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import requests

# bench/load/run.py's helpers (this script's folder, bench/, is first on sys.path).
from load import run as load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or (
    "postgres://postgres@127.0.0.1:5432/serwersms_bench"
)
CONTACTS = int(os.environ.get("BENCH_CONTACTS", "1000"))
GROUPS = 8
LATENCY_MS = 100
TARGET_S_PER_1000 = 30
TARGET_S = TARGET_S_PER_1000 * CONTACTS / 1000
# A backstop only: the run gives up on the job after this long.
JOB_LIMIT_S = max(300.0, 10 * TARGET_S)

# run.py's helpers read the database and the latency from its module globals.
load.DATABASE_URL = DATABASE_URL
load.LATENCY_MS = LATENCY_MS

# Throwaway values for a throwaway database on loopback.
ACCOUNT = "bulk"
API_TOKEN = "bulk-sandbox-token"
API_PASSWORD = "bulk-sandbox-password"
STAFF_USERNAME = "load01"  # the first login STAFF_SNIPPET makes
STAFF_PASSWORD = "bulk-bench-password"

# Jobs left queued or running by an earlier run that was stopped half-way would be
# taken first by the worker (and call a sandbox that is gone): they are cancelled.
LEFTOVERS_SNIPPET = """
from django.utils import timezone
from contacts_ui.models import Job, JobItem

stale = Job.objects.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING])
JobItem.objects.filter(job__in=stale, status=JobItem.Status.PENDING).update(
    status=JobItem.Status.CANCELLED
)
count = stale.update(state=Job.State.CANCELLED, finished_at=timezone.now())
if count:
    print(f"Cancelled {count} jobs left unfinished by an earlier run.")
"""

# The job's figures, exactly, from the database (run with the worker's environment).
RESULT_SNIPPET = """
import json
import os
from django.conf import settings
from django.db.models import Count, Max, Min
from django_tasks_db.models import DBTaskResult
from contacts_ui.models import HistoryEntry, Job
from contacts_ui.sandbox.models import Account


def epoch(moment):
    return moment.timestamp() if moment else None


job = Job.objects.get(pk=os.environ["BENCH_JOB_ID"])
task = (
    DBTaskResult.objects.filter(args_kwargs__args__0=str(job.pk)).order_by("enqueued_at").last()
)
entries = HistoryEntry.objects.filter(batch=job.batch)
span = entries.aggregate(first=Min("at"), last=Max("at"))
print(json.dumps({
    "state": job.state,
    "error": job.error,
    "created_at": epoch(job.created_at),
    "started_at": epoch(job.started_at),
    "finished_at": epoch(job.finished_at),
    "items": dict(job.items.values_list("status").order_by().annotate(n=Count("id"))),
    "task": task and {
        "status": task.status,
        "enqueued_at": epoch(task.enqueued_at),
        "started_at": epoch(task.started_at),
        "finished_at": epoch(task.finished_at),
    },
    "history": {
        "outcomes": dict(entries.values_list("outcome").order_by().annotate(n=Count("id"))),
        "first_at": epoch(span["first"]),
        "last_at": epoch(span["last"]),
    },
    "remaining": Account.objects.get(name=os.environ["BENCH_ACCOUNT"]).contacts.count(),
    "concurrency": settings.BULK_CONCURRENCY,
}))
"""

# The sandbox's access log: when, which call, its status and how long it took (ms).
SANDBOX_ACCESS_FORMAT = '%(t)s "%(r)s" %(s)s %(M)s'
SANDBOX_CALL = re.compile(r'"POST /sandbox/api/(\w+)/(\w+)\.json[^"]*" (\d{3}) (\d+)$')


# --- Setting up -----------------------------------------------------------------------


def set_up() -> None:
    load.create_database()
    env = load.sandbox_env()
    load.manage(env, "migrate", "--no-input")
    load.manage(env, "sandbox_account", ACCOUNT, "--password", API_PASSWORD, "--token", API_TOKEN)
    # Without --if-empty the account's contacts and groups are replaced: a fresh start.
    seed = ["--account", ACCOUNT, "--contacts", str(CONTACTS), "--groups", str(GROUPS)]
    print(load.manage(env, "seed_sandbox", *seed))
    staff_env = env | {
        "LOAD_STAFF_COUNT": "1",
        "LOAD_STAFF_PASSWORD": STAFF_PASSWORD,
        "LOAD_API_TOKEN": API_TOKEN,
    }
    load.manage(staff_env, "shell", "-v", "0", "-c", load.STAFF_SNIPPET)
    leftovers = load.manage(env, "shell", "-v", "0", "-c", LEFTOVERS_SNIPPET)
    if leftovers:
        print(leftovers)
    # DEBUG off serves static files through whitenoise's manifest, which collectstatic makes.
    load.manage(load.app_env(0), "collectstatic", "--no-input")


def start_worker(env: dict[str, str], logs: Path) -> "load.Server":
    """One task worker, as the Procfile runs it."""
    log = logs / "worker.log"
    with open(log, "wb") as output:  # the child keeps its own copy of the file open
        process = subprocess.Popen(
            [sys.executable, "manage.py", "jobs_worker"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return load.Server("worker", process, log)


def stop_worker(worker: "load.Server") -> None:
    """A first SIGTERM lets the worker finish the job under way; a second one ends it,
    so that a run stopped half-way does not wait for the job."""
    for signal_to_send in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
        if worker.process.poll() is not None:
            return
        worker.process.send_signal(signal_to_send)
        with suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=3)


# --- The person at the browser ----------------------------------------------------------


class FormFields(HTMLParser):
    """The named inputs a browser would submit from the form with the given id
    (text, hidden and ticked ones; selects and buttons are the caller's to add)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.fields: dict[str, str] = {}
        self.found = False
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._inside = attrs.get("id") == self.form_id
            self.found = self.found or self._inside
        elif tag == "input" and self._inside and attrs.get("name"):
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def form_fields(response: requests.Response, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(response.text)
    parser.close()
    if not parser.found:
        page = " ".join(re.sub(r"<[^>]+>", " ", response.text).split())[:1500]
        sys.exit(f"No form #{form_id} on {response.url} (status {response.status_code}):\n{page}")
    return parser.fields


def expect(response: requests.Response, status: int, what: str) -> requests.Response:
    if response.status_code != status:
        where = response.headers.get("Location", "")
        sys.exit(f"{what}: status {response.status_code}, not {status} {where}".rstrip())
    return response


def log_in(browser: requests.Session, host: str) -> None:
    fields = form_fields(
        expect(browser.get(f"{host}/accounts/login/", timeout=30), 200, "The login page"),
        "login-form",
    )
    fields |= {"username": STAFF_USERNAME, "password": STAFF_PASSWORD}
    answer = expect(
        browser.post(f"{host}/accounts/login/", data=fields, allow_redirects=False, timeout=30),
        302,
        "The login",
    )
    if "/accounts/login/" in answer.headers.get("Location", ""):
        sys.exit("The login was refused.")


def ask_to_delete_everything(browser: requests.Session, host: str) -> dict[str, str]:
    """The contacts list, "Delete" with "Apply to every contact this search finds":
    the confirmation page's form, checked to concern every contact."""
    listing = expect(browser.get(f"{host}/contacts/", timeout=30), 200, "The contacts list")
    fields = form_fields(listing, "changelist-form") | {"action": "delete", "select_across": "1"}
    page = expect(
        browser.post(f"{host}/contacts/action/", data=fields, timeout=60),
        200,
        "The confirmation page",
    )
    confirm = form_fields(page, "action-confirm")
    description = re.search(r'<p id="action-description">(.*?)</p>', page.text, re.S)
    count = re.search(r"\d[\d,.\s]*", unescape(description.group(1))) if description else None
    if count is None or int(re.sub(r"\D", "", count.group())) != CONTACTS:
        sys.exit(
            f"The confirmation page does not speak of {CONTACTS} contacts: "
            f"{unescape(description.group(1)) if description else '(no description)'}"
        )
    if confirm.get("post") != "yes" or confirm.get("select_across") != "1":
        sys.exit(f"The confirmation form is not what was expected: {sorted(confirm)}")
    return confirm


def start_job(browser: requests.Session, url: str, data: dict, what: str) -> str:
    """POST the form that starts a job: the job's id, from the page it leads to."""
    answer = expect(browser.post(url, data=data, allow_redirects=False, timeout=300), 302, what)
    job = re.search(r"/jobs/([0-9a-f-]{36})/", answer.headers.get("Location", ""))
    if job is None:
        sys.exit(f"{what} did not lead to a job: {answer.headers.get('Location')}")
    return job.group(1)


def watch(browser: requests.Session, job_url: str) -> None:
    """Poll the job page's partial once a second, as htmx does, until the job is
    finished (the partial then stops asking to be polled)."""
    started = last_shown = time.monotonic()
    while time.monotonic() - started < JOB_LIMIT_S:
        partial = expect(
            browser.get(job_url, headers={"HX-Request": "true"}, timeout=30), 200, "The job page"
        ).text
        if 'id="job-progress"' not in partial:
            sys.exit(f"The job page has no progress: {partial[:500]}")
        if "hx-trigger" not in partial:
            return
        if time.monotonic() - last_shown >= 5:
            last_shown = time.monotonic()
            state = re.search(r'class="job-state">\s*<strong>([^<]*)</strong>', partial)
            percent = re.search(r"</progress>\s*(\d+)%", partial)
            print(
                f"  {last_shown - started:5.1f} s: {state.group(1) if state else '?'}"
                + (f", {percent.group(1)}%" if percent else "")
            )
        time.sleep(1)
    sys.exit(f"The job was not finished after {JOB_LIMIT_S:.0f} s.")


# --- Reporting ------------------------------------------------------------------------


def sandbox_calls(lines: list[str]) -> tuple[Counter, list[int], int]:
    """The API calls in these access log lines: by resource/action, their times (ms),
    and how many were not HTTP 200."""
    calls, times, errors = Counter(), [], 0
    for line in lines:
        match = SANDBOX_CALL.search(line)
        if match:
            resource, action, status, took = match.groups()
            calls[f"{resource}/{action}"] += 1
            times.append(int(took))
            errors += status != "200"
    return calls, times, errors


def report(result: dict, confirmed_at: float, confirm_s: float, calls, times, call_errors):
    items = result["items"]
    total_items = sum(items.values())
    finished, started = result["finished_at"], result["started_at"]
    elapsed = finished - confirmed_at
    task, history = result["task"] or {}, result["history"]

    print()
    print(f"Job: {result['state']}" + (f" ({result['error']})" if result["error"] else ""))
    print(f"Confirming POST to the job's finished_at:   {elapsed:6.1f} s")
    print(f"  the confirming POST (answered with a 302): {confirm_s:6.2f} s")
    if task.get("enqueued_at") and started:
        print(f"  queued until the worker took the job:     {started - task['enqueued_at']:6.2f} s")
    print(f"Job's own started_at to finished_at:        {finished - started:6.1f} s")
    if history["first_at"]:
        items_s = history["last_at"] - history["first_at"]
        print(f"  preparing (started to the first item):    {history['first_at'] - started:6.2f} s")
        print(f"  the items (first item to the last begun): {items_s:6.1f} s")
        print(f"  the last item begun to finished_at:       {finished - history['last_at']:6.2f} s")
    print(
        "Items: "
        + ", ".join(f"{status} {n}" for status, n in sorted(items.items()))
        + f" (of {total_items})"
    )
    print(
        "History entries: "
        + (", ".join(f"{o} {n}" for o, n in sorted(history["outcomes"].items())) or "none")
    )
    print(f"Contacts left in the sandbox account: {result['remaining']}")
    print(f"Concurrency (BULK_CONCURRENCY): {result['concurrency']}")
    per_item = sum(calls.values()) / total_items if total_items else 0
    print(
        f"API calls the sandbox served from the confirming POST on: {sum(calls.values())} "
        f"({per_item:.2f} an item), {call_errors} not HTTP 200"
    )
    for name, n in sorted(calls.items(), key=lambda pair: -pair[1]):
        print(f"  {name:<20} {n:>6}")
    if times:
        print(
            f"  time in the sandbox a call: median {statistics.median(times):.0f} ms, "
            f"max {max(times)} ms (of which {LATENCY_MS} ms is the set latency)"
        )
    return elapsed


# --- Running -------------------------------------------------------------------------------


def main() -> int:
    # A plain `kill` stops the servers too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(f"Database: {DATABASE_URL}")
    set_up()
    sandbox_port, app_port = load.free_port(), load.free_port()
    host = f"http://127.0.0.1:{app_port}"

    # Processes stop (ExitStack) before their logs go (the temporary directory), on any exit.
    with tempfile.TemporaryDirectory(prefix="serwersms-bulk-") as tmp, ExitStack() as cleanup:
        out = Path(os.environ.get("BENCH_OUTPUT") or tmp)
        out.mkdir(parents=True, exist_ok=True)
        worker = start_worker(load.app_env(sandbox_port), out)
        cleanup.callback(stop_worker, worker)
        sandbox, app = load.serve_both(
            cleanup,
            out,
            sandbox_port,
            app_port,
            API_TOKEN,
            # An access log: one line a call, to count them.
            sandbox_log=["--access-logfile", "-", "--access-logformat", SANDBOX_ACCESS_FORMAT],
        )

        browser = requests.Session()
        log_in(browser, host)
        confirm = ask_to_delete_everything(browser, host)
        if worker.process.poll() is not None:
            sys.exit(
                f"The worker stopped (exit {worker.process.returncode}):\n"
                + "\n".join(worker.log_lines()[-30:])
            )

        print(f"Deleting every contact ({CONTACTS}), confirmed now")
        calls_before = len(sandbox.log_lines())
        load_before = os.getloadavg()[0]
        confirmed_at = time.time()
        job_id = start_job(browser, f"{host}/contacts/action/", confirm, "The confirming POST")
        confirm_s = time.time() - confirmed_at
        watch(browser, f"{host}/jobs/{job_id}/")

        result_env = load.app_env(sandbox_port) | {
            "BENCH_JOB_ID": job_id,
            "BENCH_ACCOUNT": ACCOUNT,
        }
        result = json.loads(
            load.manage(result_env, "shell", "-v", "0", "-c", RESULT_SNIPPET).splitlines()[-1]
        )
        calls, times, call_errors = sandbox_calls(sandbox.log_lines()[calls_before:])
        elapsed = report(result, confirmed_at, confirm_s, calls, times, call_errors)
        # Other work on the machine slows every call; the figures are worth less then.
        print(
            f"Load average (1 min) at the confirming POST / at the end: "
            f"{load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )

        for server in (app, sandbox, worker):
            lines = [line for line in server.log_lines() if "ERROR" in line or "Traceback" in line]
            if lines:
                print(f"\nThe {server.name} log has {len(lines)} error lines; the first:")
                print("\n".join(lines[:10]))

    items = result["items"]
    succeeded = items.get("done", 0) + items.get("skipped", 0)
    problems = []
    if result["state"] != "done":
        problems.append(f"the job ended {result['state']}")
    if sum(items.values()) != CONTACTS:
        problems.append(f"the job had {sum(items.values())} items, not {CONTACTS}")
    if succeeded != sum(items.values()):
        problems.append(f"{sum(items.values()) - succeeded} items not done")
    if result["remaining"]:
        problems.append(f"{result['remaining']} contacts remain")
    if elapsed > TARGET_S:
        problems.append(f"{elapsed - TARGET_S:.1f} s over the target")
    print()
    if problems:
        print("Missed: " + "; ".join(problems))
    print(
        f"bulk delete of {CONTACTS} contacts: {elapsed:.1f} s (target {TARGET_S:g} s): "
        f"{'FAIL' if problems else 'PASS'}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the processes are stopped by then
        sys.exit("Interrupted.")
