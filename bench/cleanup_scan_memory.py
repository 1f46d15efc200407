"""How much memory the cleanup scan takes at 100,000 contacts in 3 groups each.

`.venv/bin/python bench/cleanup_scan_memory.py [CONTACTS ...]` runs the scan
(contacts_ui.cleanup.detectors.scan) over an account in memory
(tests/account_in_memory.py: no HTTP, no database; each page's records made afresh,
as the service client parses them), each contact in 3 of 10 groups, 1% more in no
group, one in 50 with the phone of another and one in 70 with its e-mail, and prints
the peak of the memory Python allocated during the scan (tracemalloc), in all and
per contact, with the size of the findings as stored. Not part of the test suite.
"""

import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from contacts_ui.cleanup import detectors  # noqa: E402
from tests.account_in_memory import AccountInMemory  # noqa: E402


def measure(contacts: int) -> None:
    ungrouped = contacts // 100
    account = AccountInMemory(contacts=contacts, groups=10, per_contact=3, ungrouped=ungrouped)
    tracemalloc.start()
    started = time.perf_counter()
    found = detectors.scan(account)
    seconds = time.perf_counter() - started
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = contacts + ungrouped
    print(
        f"{total:>9,} contacts ({contacts:,} in 3 groups each): peak {peak / 1e6:7.1f} MB, "
        f"{peak / total:6.0f} bytes a contact; findings {len(json.dumps(found)) / 1e3:6.1f} kB "
        f"({seconds:.0f} s under tracemalloc)"
    )


if __name__ == "__main__":
    # The phone library loads its metadata on the first number it parses: not the scan's.
    detectors.scan(AccountInMemory(contacts=10))
    for size in [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]:
        measure(size)
