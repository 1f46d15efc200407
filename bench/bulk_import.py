"""The bulk import benchmark (`make bench-bulk`, after the bulk delete): 10,000 rows of a
CSV file imported into a new group, both ways, the sandbox at SANDBOX_LATENCY_MS=100.

- "bulk": the file maps only what SerwerSMS's own bulk import takes (phone, e-mail, first
  and last name, company), so the rows go with contacts/import, IMPORT_BATCH_SIZE a call,
  and the group is read back;
- "rows": the same file with one more column mapped (the city), which contacts/import does
  not take, so the rows go as today's imports do, one contacts/add each, BULK_CONCURRENCY
  at a time.

Set up as the bulk delete benchmark is (bench/bulk_delete.py, whose helpers this reuses):
PostgreSQL at BENCH_DATABASE_URL, the sandbox and the app under gunicorn, one task worker;
the sandbox account "bulk" starts empty on every run. Then it does what a person does:
logs in, uploads the file, maps its columns with "Or into a new group", posts the preview,
starts the import and watches the job page until the job is finished. It prints, for each
way, the time from the start POST to the job's finished_at, the items by status, the
history entries, and the calls the sandbox served. It exits 1 when a row did not go in or
the group does not hold every row.

BENCH_IMPORT_ROWS (10,000) and BENCH_IMPORT_WAYS ("bulk,rows") change the run; with
BENCH_IMPORT_UNDO=1 each import is then undone as one from its history batch (its time and
calls printed too). Not part of the test suite.
"""

import csv
import io
import json
import os
import re
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import bulk_delete as bench
import requests
from load import run as load

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
WAYS = [way for way in os.environ.get("BENCH_IMPORT_WAYS", "bulk,rows").split(",") if way]
UNDO = os.environ.get("BENCH_IMPORT_UNDO") == "1"
# A backstop only: the run gives up on a job after this long.
bench.JOB_LIMIT_S = max(600.0, ROWS * 0.2)

EMPTY_ACCOUNT_SNIPPET = """
import os
from contacts_ui.sandbox.models import Account

account = Account.objects.get(name=os.environ["BENCH_ACCOUNT"])
account.contacts.all().delete()
account.groups.all().delete()
"""

BATCH_SNIPPET = """
import os
from contacts_ui.models import Job

print(Job.objects.get(pk=os.environ["BENCH_JOB_ID"]).batch)
"""

# The group the import made, by its name: how many contacts it holds.
GROUP_SNIPPET = """
import os
from contacts_ui.sandbox.models import Contact, Group

group = Group.objects.filter(name=os.environ["BENCH_GROUP"]).first()
print(Contact.objects.filter(membership__group=group).count() if group else -1)
"""


def the_file(rows: int) -> bytes:
    """A CSV as Polish Excel saves one: a header, then a contact a row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Imię", "Nazwisko", "Telefon", "E-mail", "Firma", "Miasto"])
    for n in range(rows):
        writer.writerow(
            [
                f"Imię{n}",
                f"Nazwisko{n}",
                f"50{n:07d}",
                f"osoba{n}@example.pl",
                f"Firma {n % 97}",
                "Łódź",
            ]
        )
    return out.getvalue().encode("utf-8")


def import_into_a_new_group(browser, host: str, content: bytes, way: str, group: str):
    """Upload, map, preview: the start form's fields, checked to import every row."""
    upload_page = bench.expect(browser.get(f"{host}/import/", timeout=30), 200, "The upload page")
    fields = bench.form_fields(upload_page, "import-upload-form")
    answer = bench.expect(
        browser.post(
            f"{host}/import/",
            data=fields,
            files={"file": ("kontakty.csv", content, "text/csv")},
            allow_redirects=False,
            timeout=120,
        ),
        302,
        "The upload",
    )
    map_url = host + answer.headers["Location"]
    mapping = bench.form_fields(
        bench.expect(browser.get(map_url, timeout=60), 200, "Mapping"), "import-map-form"
    )
    mapping |= {"header": "1", "c1": "first_name", "c2": "last_name", "c3": "phone"}
    mapping |= {"c4": "email", "c5": "company", "c6": "city" if way == "rows" else ""}
    mapping["new_group"] = group
    preview_url = map_url.rstrip("/") + "/preview/"
    preview = bench.expect(browser.post(preview_url, data=mapping, timeout=300), 200, "Preview")
    summary = re.search(r'<div id="import-summary">(.*?)</div>', preview.text, re.S)
    said = " ".join(re.sub(r"<[^>]+>", " ", summary.group(1)).split()) if summary else ""
    print(f"  the preview says: {said[:300]}")
    expected = "bulk import" if way == "bulk" else "one by one"
    count = re.search(r"([\d\s,.]+) rows? will be imported", said)
    if count is None or int(re.sub(r"\D", "", count.group(1))) != ROWS:
        sys.exit(f"The preview does not import every row: {said[:300]}")
    if expected not in said:
        sys.exit(f"The preview does not say the rows go by {expected}.")
    return preview.url, bench.form_fields(preview, "import-start-form")


def run_one(browser, host: str, sandbox, port: int, content: bytes, way: str) -> dict:
    group = f"Bench {way} {int(time.time())}"
    print(f"\nImport of {ROWS} rows into the new group “{group}” ({way})")
    preview_url, start = import_into_a_new_group(browser, host, content, way, group)
    start_url = preview_url.split("?")[0].replace("/preview/", "/start/")
    calls_before = len(sandbox.log_lines())
    started = time.time()
    job_id = bench.start_job(browser, start_url, start, "The start POST")
    start_s = time.time() - started
    bench.watch(browser, f"{host}/jobs/{job_id}/")
    env = load.app_env(port) | {"BENCH_JOB_ID": job_id, "BENCH_ACCOUNT": bench.ACCOUNT}
    result = json.loads(
        load.manage(env, "shell", "-v", "0", "-c", bench.RESULT_SNIPPET).splitlines()[-1]
    )
    held = int(
        load.manage(
            env | {"BENCH_GROUP": group}, "shell", "-v", "0", "-c", GROUP_SNIPPET
        ).splitlines()[-1]
    )
    calls, times, errors = bench.sandbox_calls(sandbox.log_lines()[calls_before:])
    elapsed = result["finished_at"] - started
    print(f"Job: {result['state']}" + (f" ({result['error']})" if result["error"] else ""))
    print(f"Start POST to the job's finished_at: {elapsed:7.1f} s (the POST: {start_s:.2f} s)")
    print("Items: " + ", ".join(f"{s} {n}" for s, n in sorted(result["items"].items())))
    print(
        "History entries: "
        + ", ".join(f"{o} {n}" for o, n in sorted(result["history"]["outcomes"].items()))
    )
    print(f"The group holds {held} contacts")
    print(f"API calls the sandbox served: {sum(calls.values())}, {errors} not HTTP 200")
    for name, n in sorted(calls.items(), key=lambda pair: -pair[1]):
        print(f"  {name:<20} {n:>6}")
    run = {"way": way, "elapsed": elapsed, "result": result, "held": held}
    if UNDO:
        run["undo"] = undo_it(browser, host, sandbox, env, group)
    return run


def undo_it(browser, host: str, sandbox, env: dict, group: str) -> float:
    """The import undone as one, from its history batch: its time from the POST."""
    batch = load.manage(env, "shell", "-v", "0", "-c", BATCH_SNIPPET).splitlines()[-1]
    url = f"{host}/history/batch/{batch}/undo/"
    confirm = bench.form_fields(
        bench.expect(browser.get(url, timeout=60), 200, "Undo"), "batch-undo-form"
    )
    calls_before = len(sandbox.log_lines())
    started = time.time()
    job_id = bench.start_job(browser, url, confirm, "The undo POST")
    bench.watch(browser, f"{host}/jobs/{job_id}/")
    undo_env = env | {"BENCH_JOB_ID": job_id}
    result = json.loads(
        load.manage(undo_env, "shell", "-v", "0", "-c", bench.RESULT_SNIPPET).splitlines()[-1]
    )
    held = load.manage(env | {"BENCH_GROUP": group}, "shell", "-v", "0", "-c", GROUP_SNIPPET)
    calls, _times, errors = bench.sandbox_calls(sandbox.log_lines()[calls_before:])
    elapsed = result["finished_at"] - started
    print(
        f"Undone as one: {elapsed:.1f} s; items "
        + ", ".join(f"{s} {n}" for s, n in sorted(result["items"].items()))
        + f"; the group holds {held.splitlines()[-1]} (-1: deleted)"
    )
    print(f"API calls the sandbox served: {sum(calls.values())}, {errors} not HTTP 200")
    for name, n in sorted(calls.items(), key=lambda pair: -pair[1]):
        print(f"  {name:<20} {n:>6}")
    return elapsed


def main() -> int:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(f"Database: {bench.DATABASE_URL}")
    bench.set_up()
    load.manage(
        load.sandbox_env() | {"BENCH_ACCOUNT": bench.ACCOUNT},
        "shell",
        "-v",
        "0",
        "-c",
        EMPTY_ACCOUNT_SNIPPET,
    )
    content = the_file(ROWS)
    sandbox_port, app_port = load.free_port(), load.free_port()
    host = f"http://127.0.0.1:{app_port}"
    runs = []
    with tempfile.TemporaryDirectory(prefix="serwersms-import-") as tmp, ExitStack() as cleanup:
        out = Path(os.environ.get("BENCH_OUTPUT") or tmp)
        out.mkdir(parents=True, exist_ok=True)
        worker = bench.start_worker(load.app_env(sandbox_port), out)
        cleanup.callback(bench.stop_worker, worker)
        sandbox, _app = load.serve_both(
            cleanup,
            out,
            sandbox_port,
            app_port,
            bench.API_TOKEN,
            sandbox_log=[
                "--access-logfile",
                "-",
                "--access-logformat",
                bench.SANDBOX_ACCESS_FORMAT,
            ],
        )
        browser = requests.Session()
        bench.log_in(browser, host)
        for way in WAYS:
            runs.append(run_one(browser, host, sandbox, sandbox_port, content, way))

    problems = []
    print()
    for run in runs:
        items = run["result"]["items"]
        if items.get("done", 0) != ROWS or run["held"] != ROWS:
            problems.append(f"{run['way']}: {items} and the group holds {run['held']}")
        print(f"import of {ROWS} rows into a new group, {run['way']}: {run['elapsed']:.1f} s")
        if "undo" in run:
            print(f"  undone as one: {run['undo']:.1f} s")
    if problems:
        print("Missed: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("Interrupted.")
