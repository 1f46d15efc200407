"""Bulk work in Chromium: contacts ticked on the list, an action confirmed, and its
progress followed live until it is done, the task worker running beside the server."""

import pytest
from playwright.sync_api import Page, expect

from contacts_ui.sandbox.models import Group, Membership
from tests.helpers import make_contact
from tests.jobs import worker_in_background

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    with worker_in_background() as running:
        yield running


@pytest.fixture
def klienci_and_vip(alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    vip = Group.objects.create(account=alice_account, name="VIP")
    people = [
        make_contact(alice_account, f"+485006007{n:02d}", [klienci], first_name=f"Osoba{n:02d}")
        for n in range(8)
    ]
    return klienci, vip, people


def test_ticked_contacts_are_added_to_a_group_with_live_progress(
    logged_in_page: Page, klienci_and_vip, worker, settings
):
    klienci, vip, people = klienci_and_vip
    # Slow enough that the progress is seen moving, one item at a time.
    settings.SANDBOX_LATENCY_MS = 150
    settings.BULK_CONCURRENCY = 1
    page = logged_in_page
    page.goto("/contacts/")
    page.get_by_label("Select every contact on this page").check()
    # Every row ticked: the admin's offer to take every contact the search finds, counted.
    expect(
        page.get_by_role("button", name="Apply to all 8 contacts this search finds")
    ).to_be_visible()
    page.get_by_label("Select Osoba03").uncheck()
    expect(page.get_by_text("7 of 8 selected")).to_be_visible()
    page.get_by_label("Action:").select_option(label="Add selected contacts to a group")
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_text("7 contacts will be added to")).to_be_visible()
    expect(page.locator("#action-contacts li")).to_have_count(7)
    page.get_by_label("Group:").select_option(label="VIP (0)")
    page.get_by_role("button", name="Yes, I’m sure").click()

    progress = page.locator("#job-progress progress")
    expect(progress).to_be_visible()
    expect(page.get_by_text("Left: 0")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Finished")).to_be_visible()
    expect(page.get_by_text("Done: 7")).to_be_visible()
    assert progress.get_attribute("value") == "7"
    in_vip = set(Membership.objects.filter(group=vip).values_list("contact__first_name", flat=True))
    assert in_vip == {p.first_name for p in people} - {"Osoba03"}
    # Their other group stays.
    assert Membership.objects.filter(group=klienci).count() == 8

    page.get_by_role("link", name="See it in the history").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(7)


def test_a_large_group_is_deleted_and_restored_with_live_progress(
    logged_in_page: Page, klienci_and_vip, worker, settings
):
    klienci, _vip, people = klienci_and_vip
    settings.SANDBOX_LATENCY_MS = 100
    settings.BULK_CONCURRENCY = 1
    page = logged_in_page
    page.goto(f"/groups/{klienci.id}/delete/")
    expect(page.get_by_text("the work runs in the background")).to_be_visible()
    page.get_by_role("button", name="Yes, I’m sure").click()

    expect(page.get_by_text("Finished")).to_be_visible(timeout=20_000)
    assert not Group.objects.filter(id=klienci.id).exists()

    page.goto("/trash/")
    page.get_by_role("link", name="Klienci").click()
    page.get_by_role("link", name="Undo…").click()
    expect(page.get_by_text("its contacts are then restored in the background")).to_be_visible()
    page.get_by_role("button", name="Yes, undo it").click()

    expect(page.get_by_text("its 8 contacts are being restored in the background")).to_be_visible()
    expect(page.get_by_text("Left: 0")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Done: 8")).to_be_visible()
    restored = Group.objects.get(name="Klienci")
    assert {c.first_name for c in restored.contacts.all()} == {p.first_name for p in people}
