"""/metrics: what it counts (requests, every API call by action and outcome, jobs) and who may
read it. The figures are read before and after each step, as the registry lives as long as the
process."""

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from contacts_ui import serwersms
from contacts_ui.models import Job, JobItem
from contacts_ui.serwersms import Credentials, SerwerSMSClient
from tests.helpers import closed_port_url, make_contact, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def scrape(client, **headers) -> dict[tuple, float]:
    """Every sample of /metrics, keyed by (name, sorted labels)."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def calls(samples, action: str, outcome: str, detail: str) -> float:
    key = (
        "serwersms_api_calls_total",
        (("action", action), ("detail", detail), ("outcome", outcome)),
    )
    return samples.get(key, 0.0)


def timed(samples, action: str, outcome: str) -> float:
    key = ("serwersms_api_call_seconds_count", (("action", action), ("outcome", outcome)))
    return samples.get(key, 0.0)


# --- Every API call, by action and outcome ------------------------------------------------------

# Each fault mode of the sandbox, and what the metrics call its call.
FAULTS = [
    ("api_error", "api_error", "9999"),
    ("http500", "unknown", "http_500"),
    ("timeout", "unknown", "timed_out"),
    ("malformed", "unknown", "unreadable"),
    ("disconnect", "unknown", "connection_lost"),
]


def test_a_scripted_sequence_of_calls_is_counted_by_action_and_outcome(
    client, alice_account, api_url, faults, settings
):
    settings.SERWERSMS_READ_RETRIES = 0  # one HTTP call each, so the counts are exact
    settings.SANDBOX_TIMEOUT_SECONDS = 1.0
    settings.SERWERSMS_READ_TIMEOUT = 0.3
    make_contact(alice_account, first_name="Anna")
    api = SerwerSMSClient(Credentials("token", "", "alice-token"), api_url)
    before = scrape(client)

    api.contacts_index()
    api.groups_index()
    for mode, _, _ in FAULTS:
        faults(mode)
        with pytest.raises(serwersms.SerwerSMSError):
            api.contacts_index()
    settings.SANDBOX_FAILURE_RATE = 0.0
    with pytest.raises(serwersms.CredentialsRejected):
        SerwerSMSClient(Credentials("token", "", "wrong-token"), api_url).groups_index()
    with pytest.raises(serwersms.ConnectionFailed):
        SerwerSMSClient(Credentials("token", "", "alice-token"), closed_port_url()).groups_index()

    after = scrape(client)

    def grew(action, outcome, detail):
        return calls(after, action, outcome, detail) - calls(before, action, outcome, detail)

    assert grew("contacts/index", "done", "") == 1
    assert grew("groups/index", "done", "") == 1
    for _, outcome, detail in FAULTS:
        assert grew("contacts/index", outcome, detail) == 1, (outcome, detail)
    assert grew("groups/index", "api_error", "1001") == 1
    assert grew("groups/index", "connection_failed", "no_connection") == 1
    # The latency histogram counts every call, by action and outcome.
    assert (
        timed(after, "contacts/index", "unknown") - timed(before, "contacts/index", "unknown") == 4
    )
    assert timed(after, "groups/index", "done") - timed(before, "groups/index", "done") == 1


def test_a_page_view_is_counted_by_view_and_status(alice, client):
    def served(samples) -> float:
        return samples.get(
            (
                "django_http_responses_total_by_status_view_method_total",
                (("method", "GET"), ("status", "200"), ("view", "contacts_ui:contact_list")),
            ),
            0.0,
        )

    before = served(scrape(client))
    assert client.get("/contacts/?q=%2B48500600700").status_code == 200
    assert served(scrape(client)) - before == 1


# --- Background jobs ---------------------------------------------------------------


def test_jobs_are_reported_by_state_and_their_items_by_status(client, db):
    owner = make_user("olga")
    queued = [Job.objects.create(user=owner, kind=Job.Kind.CONTACT_DELETE, title="x") for _ in "ab"]
    running = Job.objects.create(
        user=owner, kind=Job.Kind.CONTACT_IMPORT, title="y", state=Job.State.RUNNING
    )
    statuses = ["done", "done", "done", "failed", "unknown", "pending"]
    for position, status in enumerate(statuses):
        JobItem.objects.create(
            job=running, position=position, label="item", payload={}, status=status
        )

    samples = scrape(client)

    def jobs(state, kind):
        return samples[("serwersms_contacts_jobs", (("kind", kind), ("state", state)))]

    assert jobs("queued", "contact_delete") == len(queued)
    assert jobs("running", "contact_import") == 1
    assert jobs("queued", "contact_import") == 0
    items = {
        labels[0][1]: value
        for (name, labels), value in samples.items()
        if name == "serwersms_contacts_job_items"
    }
    assert items["done"] == 3
    assert items["failed"] == 1
    assert items["unknown"] == 1
    assert items["pending"] == 1
    assert samples[("serwersms_contacts_jobs_scrape_error", ())] == 0


def test_a_database_that_cannot_be_read_makes_the_scrape_say_so_not_fail(client, monkeypatch):
    from django.db import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("the database is away")

    monkeypatch.setattr(Job.objects, "order_by", broken)
    samples = scrape(client)
    assert samples[("serwersms_contacts_jobs_scrape_error", ())] == 1
    assert not any(name == "serwersms_contacts_jobs" for name, _ in samples)


# --- Who may read it ----------------------------------------------------------------


def test_an_address_outside_the_allow_list_is_refused(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"serwersms" not in response.content


def test_a_network_of_the_allow_list_is_let_in(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = [__import__("ipaddress").ip_network("10.1.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_the_token_lets_in_from_anywhere_over_https_only(client, settings):
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    bearer = {"HTTP_AUTHORIZATION": "Bearer scrape-token-for-tests"}
    assert client.get("/metrics", secure=True, **outside, **bearer).status_code == 200
    # Over plain HTTP the token went by in clear: not taken.
    assert client.get("/metrics", **outside, **bearer).status_code == 403
    wrong = {"HTTP_AUTHORIZATION": "Bearer scrape-token-for-test"}
    assert client.get("/metrics", secure=True, **outside, **wrong).status_code == 403


def test_no_token_is_taken_when_none_is_set(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get(
        "/metrics", secure=True, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer "
    )
    assert response.status_code == 403


def test_behind_a_proxy_the_forwarded_address_is_the_one_checked(client, settings):
    settings.BEHIND_PROXY = True
    settings.PROXY_COUNT = 1
    # nginx connects from loopback; the client it forwards is outside.
    refused = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert refused.status_code == 403
    let_in = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 127.0.0.1"
    )
    assert let_in.status_code == 200


def test_metrics_set_no_cookie_are_never_cached_and_skip_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/metrics")
    assert response.status_code == 200
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_the_scrape_holds_no_phone_email_or_secret(alice, client, alice_account):
    make_contact(alice_account, phone="+48500600777", email="anna@example.com")
    client.get("/contacts/?q=anna%40example.com")
    client.get("/contacts/?q=%2B48500600777")
    text = client.get("/metrics").content.decode()
    assert "500600777" not in text
    assert "example.com" not in text
    assert "alice-token" not in text
    assert not re.search(r"/contacts/\d", text)
