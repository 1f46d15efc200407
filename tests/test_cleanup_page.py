"""The cleanup page (cleanup/): what the last scan found, or an offer to look."""

import pytest

from contacts_ui.cleanup import detectors
from tests import cleanup_findings
from tests.cleanup_findings import _findings_of, _page, _scan, _scanned
from tests.helpers import make_user, table_rows

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the cleanup modules (tests/cleanup_findings.py).
account = cleanup_findings.account


def test_with_no_scan_yet_it_offers_to_look(client, alice):
    page = _page(client)
    assert 'value="Look for what needs tidying"' in page
    assert 'action="/cleanup/scan/"' in page
    assert "Empty groups" not in page


def test_the_page_says_when_the_scan_was_made_and_offers_another(client, alice, account):
    _scan(client)
    page = _page(client)
    assert "What the scan of " in page
    assert "found among 4 groups and 4 contacts" in page
    assert 'value="Scan again"' in page


def test_the_page_explains_what_counts_as_the_same_person(client, alice, account):
    _scan(client)
    page = _page(client)
    assert "share a phone number (compared in the international form)" in page
    assert "share an e-mail address (capital letters aside)" in page


def test_another_users_scan_is_not_shown(client, alice, account):
    _scanned(make_user("bob"), _findings_of(account))
    assert 'value="Look for what needs tidying"' in _page(client)


def test_a_list_cut_short_says_how_many_were_found(client, alice, account, monkeypatch):
    monkeypatch.setattr(detectors, "FINDINGS_LISTED", 1)
    monkeypatch.setattr(detectors, "MOST_IN_A_SET", 1)
    _scanned(alice, _findings_of(account))
    page = _page(client)
    # Two groups are empty: one is listed.
    assert "2 found; the first 1 are listed here. Fix them and scan again to see the rest." in page
    assert [row[-1] for row in table_rows(page, "empty-groups")] == ["“klienci ”"]
    [phone_row] = table_rows(page, "phone-duplicates")
    assert phone_row[2] == "Anna; and more: 2 contacts in all"
