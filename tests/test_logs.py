"""The logs: one JSON object a line, one line per request and per API call, each with the id
the response's X-Request-ID header and the error pages show; never a secret, a phone number
or an e-mail address.

The lines are those of the handler settings.LOGGING configures, written to a buffer: requests
go through the test client, their API calls to the sandbox over real HTTP (live_server).
"""

import io
import json
import logging
import re

import pytest
from django.db import OperationalError
from structlog.stdlib import ProcessorFormatter

from contacts_ui import roles
from contacts_ui.models import ApiCredentials, Job
from tests import bulk_actions
from tests.bulk_actions import A, B, C, D, choose, confirm
from tests.helpers import make_contact, make_user, settings_loaded
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

groups = bulk_actions.groups
people = bulk_actions.people

PHONE = "+48500600777"
EMAIL = "jan.kowalski@example.com"
TOKEN = "tokenSECRETp4o8i2u6"
HEX_ID = re.compile(r"[0-9a-f]{32}")


class Lines:
    """What the configured handler wrote, parsed: one JSON object a line."""

    def __init__(self, buffer: io.StringIO):
        self.buffer = buffer

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def all(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines()]

    def of(self, request_id: str, **fields) -> list[dict]:
        return [
            line
            for line in self.all()
            if line.get("request_id") == request_id
            and all(line.get(name) == value for name, value in fields.items())
        ]


@pytest.fixture
def lines():
    root = logging.getLogger()
    configured = [h for h in root.handlers if isinstance(h.formatter, ProcessorFormatter)]
    assert len(configured) == 1, "settings.LOGGING gives the root logger one structlog handler"
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(configured[0].formatter)
    root.addHandler(handler)
    yield Lines(buffer)
    root.removeHandler(handler)


# --- Lines and their request id --------------------------------------------------------------


def test_every_line_is_a_json_object_with_time_level_logger_and_event(alice, client, lines):
    client.get("/contacts/")
    client.get("/groups/")
    found = lines.all()
    assert len(found) >= 4  # two requests, their API calls, the sandbox's own requests
    for line in found:
        assert {"timestamp", "level", "logger", "event"} <= set(line)


def test_a_page_view_logs_one_request_line_with_the_id_of_its_header_and_the_user(
    alice, client, lines
):
    response = client.get("/contacts/?q=Jan")
    request_id = response["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    [line] = lines.of(request_id, event="request")
    assert line["user_id"] == alice.pk
    assert line["method"] == "GET"
    assert line["route"] == "contacts_ui:contact_list"
    assert line["path"] == "/contacts/"
    assert line["status"] == 200
    assert line["duration_ms"] > 0
    assert line["level"] == "info"


def test_each_request_has_an_id_of_its_own(alice, client):
    first, second = client.get("/groups/"), client.get("/groups/")
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_lists_api_call_logs_a_line_with_the_requests_id(alice, client, lines):
    # The list's call runs on a pool thread (views.shared.in_background): its line still
    # carries the request's id and user.
    request_id = client.get("/contacts/")["X-Request-ID"]
    [call] = lines.of(request_id, event="api_call", api_action="contacts/index")
    assert call["api_outcome"] == "done"
    assert call["api_detail"] == ""
    assert call["user_id"] == alice.pk
    assert call["logger"] == "contacts_ui.api"
    assert call["duration_ms"] > 0


def test_a_failing_call_logs_its_outcome(alice, client, lines, faults, settings):
    settings.SERWERSMS_READ_RETRIES = 0
    faults("http500")
    request_id = client.get("/groups/")["X-Request-ID"]
    [call] = lines.of(request_id, event="api_call", api_action="groups/index")
    assert (call["api_outcome"], call["api_detail"]) == ("unknown", "http_500")
    assert call["level"] == "warning"


def test_a_jobs_api_calls_carry_the_jobs_id(client, alice, people, groups, lines):
    confirmation = choose(client, "add_to_group", [people[A], people[B], people[C], people[D]])
    confirm(client, confirmation, group=groups["VIP"])
    run_worker()
    job = Job.objects.get()
    # Its writes, made on the job's item threads, one a contact.
    calls = [line for line in lines.all() if line.get("job_id") == str(job.pk)]
    assert [line["api_action"] for line in calls].count("contacts/edit") == 4


# --- Whose id ----------------------------------------------------------------------------------


def test_an_id_sent_by_a_client_is_ignored_without_a_proxy(alice, client, lines):
    response = client.get("/groups/", headers={"X-Request-ID": "chosen-by-the-client"})
    assert response["X-Request-ID"] != "chosen-by-the-client"
    assert HEX_ID.fullmatch(response["X-Request-ID"])
    assert lines.of("chosen-by-the-client") == []


def test_behind_a_proxy_its_id_is_kept(alice, client, lines, settings):
    settings.BEHIND_PROXY = True
    response = client.get("/groups/", headers={"X-Request-ID": "nginx.0123456789abcdef"})
    assert response["X-Request-ID"] == "nginx.0123456789abcdef"
    assert len(lines.of("nginx.0123456789abcdef", event="request")) == 1


@pytest.mark.parametrize(
    "offered", ["short", "x" * 65, "with space 12345", "quote\"'<b>123", "line\nbreak123"]
)
def test_behind_a_proxy_an_id_of_another_shape_is_replaced(alice, client, settings, offered):
    settings.BEHIND_PROXY = True
    response = client.get("/groups/", headers={"X-Request-ID": offered})
    assert HEX_ID.fullmatch(response["X-Request-ID"])


def test_every_response_carries_the_id_even_a_redirect_or_a_static_file(client):
    assert HEX_ID.fullmatch(client.get("/contacts/")["X-Request-ID"])  # to the login page
    assert HEX_ID.fullmatch(client.get("/accounts/login/")["X-Request-ID"])


# --- The error pages ---------------------------------------------------------------------------


def _break_the_list(monkeypatch):
    from contacts_ui.views import contacts

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(contacts, "_all_groups_beside", broken)


def test_the_500_page_shows_the_code_of_its_header_and_the_error_is_logged_once_with_it(
    alice, client, lines, monkeypatch
):
    _break_the_list(monkeypatch)
    client.raise_request_exception = False
    response = client.get("/contacts/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    page = response.content.decode()
    assert f"If you report this, quote this code: <code>{request_id}</code>" in page
    assert "admin/css/base.css" in page
    [error] = [line for line in lines.of(request_id) if "exception" in line]
    assert error["logger"] == "django.request"
    assert "RuntimeError: a bug of ours" in error["exception"]
    [line] = lines.of(request_id, event="request")
    assert (line["status"], line["level"]) == (500, "error")


def test_the_500_page_is_in_the_persons_language(alice, client, monkeypatch):
    _break_the_list(monkeypatch)
    client.raise_request_exception = False
    client.cookies["django_language"] = "pl"
    response = client.get("/contacts/")
    page = response.content.decode()
    assert f"Zgłaszając to, podaj ten kod: <code>{response['X-Request-ID']}</code>" in page


def test_the_503_page_shows_the_code_of_its_header(alice, client, monkeypatch):
    from django.contrib.sessions.backends import db as session_db

    def unreachable(self):
        raise OperationalError("the database is gone")

    monkeypatch.setattr(session_db.SessionStore, "load", unreachable)
    client.raise_request_exception = False
    response = client.get("/contacts/")
    assert response.status_code == 503
    assert f"<code>{response['X-Request-ID']}</code>" in response.content.decode()


def test_the_403_page_shows_the_code_of_its_header(client, alice_account, api_url):
    client.force_login(make_user("vera", token="alice-token", role=roles.VIEWER))
    response = client.get("/contacts/add/")
    assert response.status_code == 403
    assert f"<code>{response['X-Request-ID']}</code>" in response.content.decode()


# --- Nothing personal or secret ------------------------------------------------------------------


def test_searches_for_a_phone_and_an_email_and_saving_credentials_log_neither(
    alice, alice_account, client, lines
):
    make_contact(alice_account, phone=PHONE, first_name="Jan", email=EMAIL)
    client.get("/contacts/", {"q": PHONE})
    client.get("/contacts/", {"q": EMAIL})
    client.get("/find/", {"phone": PHONE})
    client.get(f"/contacts/?q={EMAIL}", headers={"HX-Request": "true"})
    response = client.post(
        "/settings/credentials/",
        {"auth_style": ApiCredentials.TOKEN, "secret": TOKEN},
        follow=True,
    )
    assert response.status_code == 200
    # The lines are there: one for each request, the searches' API calls among them.
    assert len([line for line in lines.all() if line["event"] == "request"]) >= 6
    assert any(line.get("api_action") == "contacts/index" for line in lines.all())
    for said in (PHONE, PHONE[3:], EMAIL, "jan.kowalski", TOKEN):
        assert said not in lines.text


def test_a_phone_email_or_secret_that_slips_into_a_line_is_masked(lines):
    log = logging.getLogger("contacts_ui.somewhere")
    log.warning("found %s and %s", PHONE, EMAIL)
    log.warning("sent Authorization: Bearer %s, password=%s", TOKEN, TOKEN)
    log.warning("called 500 600 777 and +48 500-600-777 and %s", "jan%40example.com")
    try:
        raise ValueError(f"no contact {PHONE} <{EMAIL}>")
    except ValueError:
        log.exception("lookup failed")
    text = lines.text
    for said in ("500600777", "500 600 777", "500-600-777", EMAIL, "jan%40example", TOKEN):
        assert said not in text
    assert text.count("[scrubbed]") >= 8
    assert "ValueError: no contact [scrubbed] <[scrubbed]>" in lines.all()[-1]["exception"]


# --- The settings ------------------------------------------------------------------------------


def test_log_format_json_writes_json_lines_on_stderr_leaving_stdout_to_commands():
    loaded = settings_loaded(
        {"LOG_FORMAT": "json"},
        "__import__('logging').getLogger('contacts_ui').warning('hello %s', 'there') or 'end'",
    )
    assert loaded.stdout == "end\n"
    line = json.loads(loaded.stderr.splitlines()[-1])
    assert (line["event"], line["level"], line["logger"]) == (
        "hello there",
        "warning",
        "contacts_ui",
    )


def test_log_format_console_writes_readable_lines():
    loaded = settings_loaded(
        {"LOG_FORMAT": "console"},
        "__import__('logging').getLogger('contacts_ui').warning('hello') or 'end'",
    )
    last = loaded.stderr.splitlines()[-1]
    assert "[warning" in last and "hello" in last and not last.startswith("{")


def test_the_log_format_defaults_to_json_without_debug_and_console_with_it():
    without_debug = settings_loaded({}, "s.LOG_FORMAT", cleared=["LOG_FORMAT", "DEBUG"])
    assert without_debug.stdout == "json\n"
    with_debug = settings_loaded({"DEBUG": "true"}, "s.LOG_FORMAT", cleared=["LOG_FORMAT"])
    assert with_debug.stdout == "console\n"


def test_another_log_format_is_refused():
    loaded = settings_loaded({"LOG_FORMAT": "xml"}, "s.LOG_FORMAT")
    assert loaded.returncode != 0
    assert "LOG_FORMAT must be json or console" in loaded.stderr


def test_a_passing_probe_leaves_no_line_and_a_failing_one_a_warning(client, lines, settings):
    client.get("/healthz")
    client.get("/readyz")  # no worker has been seen: not ready

    found = [line for line in lines.all() if line.get("event") == "request"]
    assert [(line["path"], line["status"], line["level"]) for line in found] == [
        ("/readyz", 503, "warning")
    ]
