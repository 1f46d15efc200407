"""A slow or hanging API never holds a page longer than SERWERSMS_REQUEST_BUDGET: every
call of a page, retries included, ends within it; past it the page says so plainly, keeps
what was typed, and sends nothing more (a write is never started past the budget)."""

import re
import time

import pytest

from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import ANNA, form_values, make_contact, sandbox_fails_on

pytestmark = pytest.mark.django_db(transaction=True)

BUDGET = 1.0


@pytest.fixture
def hanging_api(settings, faults):
    """Every call hangs far longer than the page may wait; the read time-out is the usual."""
    settings.SERWERSMS_REQUEST_BUDGET = BUDGET
    settings.SERWERSMS_READ_TIMEOUT = 30.0
    settings.SANDBOX_TIMEOUT_SECONDS = 6.0
    return lambda: faults("timeout")


@pytest.fixture
def anna(alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    return make_contact(alice_account, groups=[klienci], **ANNA)


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_the_list_answers_within_the_budget_saying_so(client, alice, anna, hanging_api):
    hanging_api()
    response, seconds = timed(lambda: client.get("/contacts/"))
    assert response.status_code == 200
    assert seconds < BUDGET + 1.5, seconds
    assert "did not answer in time" in response.content.decode() or (
        "answering too slowly" in response.content.decode()
    )


def test_a_save_past_the_budget_keeps_the_input_and_sends_no_write(
    client, alice, anna, hanging_api, wire
):
    page = client.get(f"/contacts/{anna.id}/change/").content.decode()
    form = form_values(page, "contact-form")
    hanging_api()
    response, seconds = timed(
        lambda: client.post(f"/contacts/{anna.id}/change/", {**form, "city": ["Kraków"]})
    )
    assert response.status_code == 200
    assert seconds < BUDGET + 1.5, seconds
    assert 'value="Kraków"' in response.content.decode()
    assert not [sent for sent in wire if re.search(r"/edit\.json$", sent["url"])]
    assert Contact.objects.get(id=anna.id).city == "Łódź"


def test_reads_are_retried_only_within_the_budget(client, alice, anna, hanging_api, wire, settings):
    settings.SERWERSMS_READ_RETRIES = 5
    hanging_api()
    _response, seconds = timed(lambda: client.get(f"/contacts/{anna.id}/change/"))
    assert seconds < BUDGET + 1.5, seconds


def test_background_work_has_no_page_budget(alice):
    from contacts_ui.api_access import client_for
    from contacts_ui.serwersms import Credentials, SerwerSMSClient

    assert SerwerSMSClient(Credentials("token", "", "t"), "http://x/").deadline is None
    assert client_for(None, Credentials("token", "", "t")).deadline is not None


def test_work_done_within_the_request_ends_within_the_budget_too(
    client, alice, alice_account, hanging_api, monkeypatch, settings
):
    settings.BULK_CONCURRENCY = 1  # one call at a time, so that one is never sent
    from contacts_ui.models import Job
    from tests.bulk_actions import choose, confirm

    klienci = Group.objects.create(account=alice_account, name="Klienci")
    people = [
        make_contact(alice_account, f"+4850060070{n}", [klienci], first_name=f"K{n}")
        for n in range(2)
    ]
    confirmation = choose(client, "delete", people)
    sandbox_fails_on(monkeypatch, "timeout", "contacts/delete")  # the deletions hang
    response, seconds = timed(lambda: confirm(client, confirmation))
    assert seconds < BUDGET + 1.5, seconds
    job = Job.objects.get()  # two items: done within the request
    assert response.status_code == 302
    statuses = sorted(job.items.values_list("status", flat=True))
    # The first went out and got no answer in time; the second was not sent at all.
    assert statuses == ["failed", "unknown"]
    assert "answering too slowly" in job.items.get(status="failed").message
