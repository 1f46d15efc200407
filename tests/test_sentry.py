"""Error reports to Sentry (contacts_ui.error_reporting): sent only when SENTRY_DSN is set,
with no secret, phone number or e-mail address in them, and tagged with the request's id.

The events are caught by a transport of the test's own: nothing goes over the network.
"""

import json
import logging

import pytest
import requests
import sentry_sdk
from sentry_sdk.transport import Transport

from contacts_ui import error_reporting
from tests.helpers import settings_loaded

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+48500600777"
EMAIL = "jan.kowalski@example.com"
TOKEN = "tokenSECRETl3k5j7h9"
DSN = "https://publicKEYq1w2e3@o1.ingest.example.com/42"


class CapturingTransport(Transport):
    """Keeps the events sent, instead of sending them."""

    def __init__(self):
        super().__init__()
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        self.events += [item.payload.json for item in envelope.items if item.type == "event"]


@pytest.fixture
def sentry():
    transport = CapturingTransport()
    error_reporting.start(DSN, environment="tests", release="1.2.3", transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: no reporting for the tests after this one


@pytest.fixture
def broken_view(monkeypatch):
    """The contact form's view fails with a secret, a phone and an e-mail in its local
    variables and in the exception's message, having logged the phone and e-mail (a
    breadcrumb)."""
    from contacts_ui.views import contacts

    def broken(*args, **kwargs):
        secret, phone, email = TOKEN, PHONE, EMAIL
        logging.getLogger("contacts_ui.somewhere").warning("looked up %s for %s", phone, email)
        raise RuntimeError(f"failed for {phone} <{email}> with password={secret}")

    monkeypatch.setattr(contacts, "_all_groups_beside", broken)


def _crash(client, live_server) -> requests.Response:
    """Post the contact form to the live server (a real WSGI request, as Sentry sees them)
    with a phone, an e-mail and a secret in the query string, the body, a cookie and the
    headers."""
    browser = requests.Session()
    browser.cookies.set("sessionid", client.cookies["sessionid"].value)
    browser.get(f"{live_server.url}/contacts/add/")  # a form: the CSRF cookie
    browser.cookies.set("extra", TOKEN)
    return browser.post(
        f"{live_server.url}/contacts/1/change/?q={PHONE}&e={EMAIL}&token={TOKEN}",
        {"phone": PHONE, "email": EMAIL, "secret": TOKEN},
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "X-Contact": EMAIL,
            "X-CSRFToken": browser.cookies["csrftoken"],
        },
        timeout=30,
    )


def test_an_error_in_a_view_is_reported_without_a_secret_phone_or_email(
    alice, client, live_server, sentry, broken_view
):
    response = _crash(client, live_server)
    assert response.status_code == 500
    [event] = sentry.events
    reported = json.dumps(event)
    # The event is the view's error, with the request it failed on.
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["request"]["method"] == "POST"
    assert event["request"]["url"].endswith("/contacts/1/change/")
    assert event["user"] == {"id": str(alice.pk)}
    for said in (TOKEN, PHONE, PHONE[3:], EMAIL, "jan.kowalski", "alice"):
        assert said not in reported
    assert "failed for [scrubbed] <[scrubbed]> with password=[scrubbed]" in reported
    # Nothing of the request but its method, path and a few plain headers.
    assert set(event["request"]) == {"method", "url", "headers"}
    assert "Authorization" not in event["request"]["headers"]
    for frame in event["exception"]["values"][-1]["stacktrace"]["frames"]:
        assert "vars" not in frame


def test_the_event_is_tagged_with_the_code_the_error_page_shows(
    alice, client, live_server, sentry, broken_view
):
    response = _crash(client, live_server)
    [event] = sentry.events
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]
    assert f"<code>{response.headers['X-Request-ID']}</code>" in response.text
    assert (event["environment"], event["release"]) == ("tests", "1.2.3")


def test_breadcrumbs_are_scrubbed_too(alice, client, live_server, sentry, broken_view):
    _crash(client, live_server)
    [event] = sentry.events
    crumbs = json.dumps(event["breadcrumbs"])
    assert "looked up [scrubbed] for [scrubbed]" in crumbs
    assert PHONE not in crumbs and EMAIL not in crumbs


def test_without_a_dsn_nothing_is_reported():
    loaded = settings_loaded(
        {}, "__import__('sentry_sdk').get_client().is_active()", cleared=["SENTRY_DSN"]
    )
    assert loaded.stdout == "False\n"


def test_with_a_dsn_reports_are_sent_and_the_dsn_is_no_setting():
    loaded = settings_loaded(
        {"SENTRY_DSN": DSN},
        "(__import__('sentry_sdk').get_client().is_active(),"
        " [n for n in dir(s) if 'SENTRY_DSN' in n or 'publicKEY' in repr(getattr(s, n))])",
    )
    assert loaded.stdout == "(True, [])\n"
    assert "publicKEY" not in loaded.stderr
