"""What the cleanup scan keeps in memory while it reads a large account.

The scan reads every group's members and the contacts in no group, page by page. It keeps
only the few facts the detectors need of each contact, never the records themselves, so
its memory grows by a few hundred bytes a contact whatever its groups. Measured over an
account in memory (tests/account_in_memory.py), with no HTTP or database to blur it:
object lifetimes and traced allocations are exact in CPython, never timings.
"""

import json
import tracemalloc

from contacts_ui.cleanup import detectors
from tests.account_in_memory import AccountInMemory

# What the scan may keep of each contact (README, Cleanup). Below, it is measured at about
# 570 bytes with one page of records; keeping every record, as it once did, took 2,180.
MOST_BYTES_PER_CONTACT = 800


def test_the_scan_keeps_no_contact_once_its_page_is_read(monkeypatch):
    monkeypatch.setattr(detectors, "PAGE_LIMIT", 100)
    account = AccountInMemory(contacts=3_000, groups=10, per_contact=3, ungrouped=200)
    found = detectors.scan(account)
    assert found["counts"] == {"groups": 10, "contacts": 3_200}
    # While a page is asked for, only the page before it is still alive.
    assert account.most_alive <= 100
    assert account.alive() == 0


def test_the_scans_memory_is_a_few_hundred_bytes_a_contact():
    contacts = 6_000
    account = AccountInMemory(contacts=contacts, groups=10, per_contact=3, ungrouped=600)
    # Read once first: the phone library loads its metadata on the first number it parses.
    detectors.scan(AccountInMemory(contacts=10))
    tracing_already = tracemalloc.is_tracing()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _peak = tracemalloc.get_traced_memory()
    try:
        found = detectors.scan(account)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        if not tracing_already:
            tracemalloc.stop()
    assert found["counts"]["contacts"] == contacts + 600
    # One page of records at a time, as the service client parses it, comes on top.
    page = detectors.PAGE_LIMIT * 2_000
    assert peak - before < (contacts + 600) * MOST_BYTES_PER_CONTACT + page
    assert len(json.dumps(found)) < 400_000


def test_the_findings_stay_small_however_many_duplicates_the_account_holds():
    # Every second contact has the phone of the one before it, in the one group: 2,000 pairs.
    account = AccountInMemory(
        contacts=4_001, groups=1, per_contact=1, phone_twin_every=2, email_twin_every=10**9
    )
    found = detectors.scan(account)
    assert found["phone_duplicates_count"] == 2_000
    assert len(found["phone_duplicates"]) == detectors.FINDINGS_LISTED
