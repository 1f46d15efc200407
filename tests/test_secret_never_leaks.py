"""The API secret shows nowhere: no page, header, cookie, message, log line, cache entry,
database row in clear, admin page or error report, whatever fails on the way.

Every page and action is driven through every sandbox fault and with a secret SerwerSMS
rejects, for both sign-in methods; everything the app said or stored is then searched.
"""

import logging
import pickle
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.utils.log import AdminEmailHandler

from contacts_ui.models import ApiCredentials
from contacts_ui.sandbox.models import Group
from tests.conftest import make_sandbox_account
from tests.db_snapshot import every_row
from tests.helpers import make_contact, make_user
from tests.identity_provider import CLIENT_SECRET

pytestmark = pytest.mark.django_db(transaction=True)

# Plain letters and digits, so that no escaping (HTML, URL, JSON) could hide them from a search.
TOKEN = "tokenSECRETq7w3e9r1"
PASSWORD = "passwordSECRETz8x2c4v6"
REJECTED = "rejectedSECRETm5n1b7"
MISTYPED = "mistypedSECRETk2j4h6"
SECRETS = {"token": TOKEN, "password": PASSWORD}
API_USERNAME = "acme"


@pytest.fixture(autouse=True)
def _a_cache_we_can_look_into(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "secret-never-leaks",
        }
    }
    caches["default"].clear()


@pytest.fixture(autouse=True)
def _quick_failures(settings):
    # The "timeout" fault need only outlast the app's wait (set below for that fault).
    settings.SANDBOX_TIMEOUT_SECONDS = 0.5
    settings.SERWERSMS_READ_RETRIES = 0
    settings.SERWERSMS_RETRY_BACKOFF = 0


@pytest.fixture
def logs(caplog):
    """Every log record at DEBUG, the live server's request lines included."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    server = logging.getLogger("django.server")  # does not propagate to the root logger
    server.addHandler(caplog.handler)
    yield caplog
    server.removeHandler(caplog.handler)


@pytest.fixture
def account(api_url):
    return make_sandbox_account(API_USERNAME, password=PASSWORD, token=TOKEN)


@pytest.fixture
def records(account):
    group = Group.objects.create(account=account, name="Klienci")
    other_group = Group.objects.create(account=account, name="Dostawcy")
    contact = make_contact(account, phone="+48500600700", first_name="Jan", groups=[group])
    other_contact = make_contact(account, phone="+48500600701", first_name="Ewa", groups=[group])
    return {
        "group": group.id,
        "other_group": other_group.id,
        "contact": contact.id,
        "other_contact": other_contact.id,
    }


def sign_in(client, auth_style: str, secret: str) -> ApiCredentials:
    user = make_user("alice")
    stored = ApiCredentials(
        user=user,
        auth_style=auth_style,
        username=API_USERNAME if auth_style == ApiCredentials.PASSWORD else "",
    )
    stored.set_secret(secret)
    stored.save()
    client.force_login(user)
    return stored


# --- What the app said and kept ----------------------------------------------------------


def _messages_in(response) -> str:
    cookie = response.cookies.get("messages")
    if not cookie or not cookie.value:
        return ""
    messages = CookieStorage(response.wsgi_request)._decode(cookie.value) or []
    return "\n".join(str(message) for message in messages)


def _said(response) -> str:
    """Everything a response carries: body, headers, cookies, queued messages, redirects."""
    return "\n".join(
        [
            response.content.decode(errors="replace"),
            "\n".join(f"{name}: {value}" for name, value in response.items()),
            response.cookies.output(),
            _messages_in(response),
            "\n".join(url for url, _ in getattr(response, "redirect_chain", [])),
        ]
    )


def _logged(logs) -> str:
    return logs.text + "\n".join(repr(vars(record)) for record in logs.records)


def _cached() -> str:
    cache = caches["default"]
    assert isinstance(cache, LocMemCache)
    return "\n".join(
        f"{key} {value!r} {pickle.loads(value)!r}"  # noqa: S301 (our own cache)
        for key, value in cache._cache.items()
    )


def _stored_in_clear() -> str:
    rows = every_row(leave_out=())
    sessions = [session.get_decoded() for session in Session.objects.all()]
    return repr(rows) + repr(sessions)


def _mailed() -> str:
    return "\n".join(
        f"{m.subject}\n{m.body}\n{getattr(m, 'alternatives', '')}" for m in mail.outbox
    )


def places_holding(text: str, said: dict[str, str], logs) -> list[str]:
    kept = {
        "logs": _logged(logs),
        "cache": _cached(),
        "database in clear": _stored_in_clear(),
        "mail": _mailed(),
    }
    return [where for where, words in {**said, **kept}.items() if text in words]


# --- Every page and action ---------------------------------------------------------------

# (method, url, fields, htmx); deletes last, so that the pages before them have records.
ACTIONS = [
    ("get", "/", {}, False),
    ("get", "/contacts/", {}, False),
    ("get", "/contacts/?q=Jan&g={group}&o=-phone&n=25", {}, False),
    ("get", "/contacts/?q=Jan", {}, True),
    ("get", "/contacts/add/", {}, False),
    ("post", "/contacts/add/", {"phone": "+48500600702", "group_id": ["{group}"]}, False),
    ("post", "/contacts/add/", {"phone": "not-a-phone"}, False),
    ("get", "/contacts/{contact}/change/", {}, False),
    (
        "post",
        "/contacts/{contact}/change/",
        {"phone": "+48500600700", "first_name": "Janek", "groups_shown": "1"},
        False,
    ),
    ("get", "/contacts/{contact}/delete/", {}, False),
    ("post", "/contacts/columns/", {"columns": ["tax_id", "city"]}, False),
    ("post", "/contacts/page-size/", {"n": "100"}, False),
    ("get", "/find/?phone=500600700", {}, False),
    ("get", "/groups/", {}, False),
    ("get", "/groups/?q=Kl", {}, True),
    ("get", "/groups/add/", {}, False),
    ("post", "/groups/add/", {"name": "Nowa"}, True),
    ("post", "/groups/add/", {"name": "Nowa2"}, False),
    ("get", "/groups/{group}/change/", {}, False),
    ("post", "/groups/{group}/change/", {"name": "Klienci VIP"}, True),
    ("get", "/groups/{other_group}/delete/", {}, False),
    ("get", "/settings/credentials/", {}, False),
    ("post", "/contacts/{other_contact}/delete/row/", {}, True),
    ("post", "/contacts/{contact}/delete/", {}, False),
    ("post", "/groups/{other_group}/delete/", {"delete_contacts": "on"}, False),
    ("get", "/groups/", {}, False),
]


def _filled(value, ids):
    if isinstance(value, list):
        return [_filled(item, ids) for item in value]
    return value.format(**ids)


def drive_every_page(client, ids: dict) -> dict[str, str]:
    said = {}
    for method, url, fields, htmx in ACTIONS:
        url = url.format(**ids)
        fields = {name: _filled(value, ids) for name, value in fields.items()}
        headers = {"HX-Request": "true"} if htmx else {}
        response = getattr(client, method)(url, fields, headers=headers, follow=not htmx)
        assert response.status_code < 500
        said[f"{method.upper()} {url}{' (htmx)' if htmx else ''}"] = _said(response)
    return said


def save_credentials(client, auth_style: str, secret: str | None) -> dict[str, str]:
    """Post the credentials form with a secret typed, or with none to keep the stored one."""
    fields = {"auth_style": auth_style}
    if auth_style == ApiCredentials.PASSWORD:
        fields["username"] = API_USERNAME
    if secret is not None:
        fields["secret"] = secret
    response = client.post("/settings/credentials/", fields, follow=True)
    assert response.status_code == 200
    return {f"POST /settings/credentials/ ({secret or 'kept'})": _said(response)}


MODES = [None, "http500", "api_error", "timeout", "malformed", "disconnect"]


@pytest.mark.parametrize("auth_style", ["token", "password"])
@pytest.mark.parametrize("mode", MODES, ids=[mode or "working" for mode in MODES])
def test_no_page_action_or_failure_shows_the_secret(
    client, logs, records, faults, settings, auth_style, mode
):
    stored = sign_in(client, auth_style, SECRETS[auth_style])
    if mode == "timeout":
        settings.SERWERSMS_READ_TIMEOUT = 0.1
    if mode:
        faults(mode)
    said = drive_every_page(client, records)
    said |= save_credentials(client, auth_style, None)
    said |= save_credentials(client, auth_style, MISTYPED)
    said |= save_credentials(client, auth_style, SECRETS[auth_style])
    assert places_holding(SECRETS[auth_style], said, logs) == []
    assert places_holding(MISTYPED, said, logs) == []
    # The search does see the pages, the logs of both threads, and the database.
    assert "<strong>alice</strong>" in said["GET /groups/"]
    assert "groups/index" in _logged(logs)
    if mode is None:
        assert '"POST /sandbox/api/groups/index.json HTTP/1.1" 200' in _logged(logs)
    stored.refresh_from_db()
    assert places_holding(stored.encrypted_secret, said, logs) == ["database in clear"]


@pytest.mark.parametrize("auth_style", ["token", "password"])
def test_a_rejected_secret_is_shown_nowhere(client, logs, records, auth_style):
    sign_in(client, auth_style, REJECTED)
    said = drive_every_page(client, records)
    assert "SerwerSMS rejected the saved API credentials" in said["GET /groups/"]
    said |= save_credentials(client, auth_style, None)
    said |= save_credentials(client, auth_style, MISTYPED)
    assert places_holding(REJECTED, said, logs) == []
    assert places_holding(MISTYPED, said, logs) == []


@pytest.mark.parametrize("auth_style", ["token", "password"])
def test_a_user_entering_credentials_for_the_first_time_sees_no_secret_come_back(
    client, logs, account, auth_style
):
    user = make_user("charlie")
    client.force_login(user)
    said = save_credentials(client, auth_style, MISTYPED)
    said |= save_credentials(client, auth_style, SECRETS[auth_style])
    assert ApiCredentials.objects.get(user=user).get_secret() == SECRETS[auth_style]
    said["GET /groups/"] = _said(client.get("/groups/"))
    assert places_holding(SECRETS[auth_style], said, logs) == []
    assert places_holding(MISTYPED, said, logs) == []


@pytest.mark.parametrize("auth_style", ["token", "password"])
def test_a_superuser_entering_a_persons_credentials_sees_no_secret_come_back(
    client, logs, account, auth_style
):
    person = make_user("ewa")
    client.force_login(User.objects.create_superuser("root", password="pass-for-tests"))
    url = f"/people/{person.pk}/credentials/"
    fields = {"auth_style": auth_style, "username": API_USERNAME}
    said = {}
    for secret in (MISTYPED, SECRETS[auth_style], ""):
        response = client.post(url, {**fields, "secret": secret}, follow=True)
        said[f"POST {url} ({secret or 'kept'})"] = _said(response)
    said[f"GET {url}"] = _said(client.get(url))
    said["GET admin"] = _said(client.get(f"/admin/auth/user/{person.pk}/change/"))
    assert ApiCredentials.objects.get(user=person).get_secret() == SECRETS[auth_style]
    assert "were checked with SerwerSMS and saved" in said[f"POST {url} ({SECRETS[auth_style]})"]
    assert places_holding(SECRETS[auth_style], said, logs) == []
    assert places_holding(MISTYPED, said, logs) == []


# --- The admin ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/contacts_ui/apicredentials/",
        "/admin/contacts_ui/apicredentials/?q=acme",
        "/admin/contacts_ui/apicredentials/{id}/change/",
        "/admin/contacts_ui/apicredentials/{id}/history/",
        "/admin/contacts_ui/apicredentials/{id}/delete/",
        "/admin/auth/user/{user}/change/",
        "/admin/auth/user/{user}/delete/",
    ],
)
def test_the_admin_shows_neither_the_secret_nor_its_ciphertext(client, logs, account, url):
    stored = sign_in(Client(), ApiCredentials.PASSWORD, PASSWORD)
    client.force_login(User.objects.create_superuser("root", password="pass-for-tests"))
    response = client.get(url.format(id=stored.id, user=stored.user_id))
    assert response.status_code == 200
    said = {url: _said(response)}
    assert places_holding(PASSWORD, said, logs) == []
    assert stored.encrypted_secret not in said[url]


def test_the_admin_cannot_change_the_stored_secret(client, account):
    stored = sign_in(Client(), ApiCredentials.TOKEN, TOKEN)
    client.force_login(User.objects.create_superuser("root", password="pass-for-tests"))
    page = client.get(f"/admin/contacts_ui/apicredentials/{stored.id}/change/").content.decode()
    assert 'name="encrypted_secret"' not in page
    assert 'name="secret"' not in page


# --- Error reports -----------------------------------------------------------------------


@pytest.fixture
def error_reports(settings, monkeypatch):
    """Errors mailed to the admins as production sends them, with the HTML version
    (which also lists each frame's local variables)."""
    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@example.com")]
    handlers = [h for h in logging.getLogger("django").handlers if isinstance(h, AdminEmailHandler)]
    assert handlers, "Django's mail_admins handler is configured"
    for handler in handlers:
        monkeypatch.setattr(handler, "include_html", True)
    return Client(raise_request_exception=False)


def _break_the_http_client(monkeypatch):
    """Fail deep inside requests, as an unforeseen bug would: not with a requests error.

    The frames above it (the service module's, requests' own) hold the headers and body.
    """

    def send(adapter, request, **kwargs):
        raise RuntimeError("an unforeseen failure")

    monkeypatch.setattr("requests.adapters.HTTPAdapter.send", send)


def _report(response) -> tuple[str, str]:
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    html = report.alternatives[0][0] if report.alternatives else ""
    return report.body, html


def _post_credentials(browser, auth_style: str):
    fields = {"auth_style": auth_style, "secret": SECRETS[auth_style]}
    if auth_style == ApiCredentials.PASSWORD:
        fields["username"] = API_USERNAME
    browser.force_login(make_user("charlie"))
    return browser.post("/settings/credentials/", fields)


def _get_groups(browser, auth_style: str):
    sign_in(browser, auth_style, SECRETS[auth_style])
    return browser.get("/groups/")


CRASHES = {"saving credentials": _post_credentials, "listing groups": _get_groups}


@pytest.mark.parametrize("auth_style", ["token", "password"])
@pytest.mark.parametrize("crash", CRASHES)
def test_the_error_report_of_a_crash_in_an_api_call_leaves_out_the_secret(
    error_reports, account, monkeypatch, caplog, crash, auth_style
):
    # Every level the configured loggers let through (Django's own stop at INFO).
    caplog.set_level(logging.DEBUG)
    _break_the_http_client(monkeypatch)
    text, _html = _report(CRASHES[crash](error_reports, auth_style))
    assert "an unforeseen failure" in text
    assert "POST:" in text and "GET:" in text  # the report lists the request's data
    assert SECRETS[auth_style] not in text
    assert "Internal Server Error" in caplog.text
    assert SECRETS[auth_style] not in _logged(caplog)


@pytest.mark.parametrize("auth_style", ["token", "password"])
@pytest.mark.parametrize("crash", CRASHES)
def test_the_local_variables_in_an_error_report_leave_out_the_secret(
    error_reports, account, monkeypatch, crash, auth_style
):
    _break_the_http_client(monkeypatch)
    _text, html = _report(CRASHES[crash](error_reports, auth_style))
    assert "local vars" in html.lower()
    assert SECRETS[auth_style] not in html


# Frames of our own that hold the plaintext secret as a local variable, each made to fail as
# an unforeseen error (or a malformed key in CREDENTIALS_KEYS) would while credentials are saved.
def _malformed_key(monkeypatch, settings):
    settings.CREDENTIALS_KEYS = ["not-a-fernet-key"]


def _account_key_fails(monkeypatch, settings):
    def fail(*args, **kwargs):
        raise RuntimeError("an unforeseen failure")

    monkeypatch.setattr("contacts_ui.group_list.salted_hmac", fail)


def _form_clean_fails(monkeypatch, settings):
    def fail(*args, **kwargs):
        raise RuntimeError("an unforeseen failure")

    monkeypatch.setattr("contacts_ui.forms.token_is_sendable", fail)


FRAMES_HOLDING_THE_SECRET = {
    "crypto.encrypt and ApiCredentials.set_secret": (_malformed_key, ["token", "password"]),
    "group_list.account_key": (_account_key_fails, ["token", "password"]),
    "CredentialsForm.clean": (_form_clean_fails, ["token"]),
}


@pytest.mark.parametrize(
    ("frames", "auth_style"),
    [
        (frames, auth_style)
        for frames, (_fail, styles) in FRAMES_HOLDING_THE_SECRET.items()
        for auth_style in styles
    ],
)
def test_an_error_in_a_frame_of_ours_holding_the_secret_leaves_it_out_of_the_report(
    error_reports, account, monkeypatch, settings, frames, auth_style
):
    fail, _styles = FRAMES_HOLDING_THE_SECRET[frames]
    fail(monkeypatch, settings)
    text, html = _report(_post_credentials(error_reports, auth_style))
    assert "local vars" in html.lower()
    assert SECRETS[auth_style] not in text
    assert SECRETS[auth_style] not in html


# --- The company's sign-in ----------------------------------------------------------------

# A JSON Web Token: header, claims and signature, each base64url, the first two JSON objects.
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")


def test_the_company_sign_in_keeps_its_client_secret_and_the_persons_tokens_to_itself(
    client, logs, company_sign_in, settings
):
    """Its client secret (OIDC_RP_CLIENT_SECRET) and the tokens the provider gives for the
    person (an ID token is a JWT) show nowhere and are kept nowhere, whether the
    sign-in succeeds or the provider fails at its token endpoint."""
    said = {}
    for attempt, token_endpoint in [
        ("signed in", settings.OIDC_OP_TOKEN_ENDPOINT),
        ("provider failing", "http://127.0.0.1:9/token"),
    ]:
        browser = Client()
        start = browser.get("/oidc/authenticate/")
        said[f"{attempt}: start"] = _said(start)
        back = urlsplit(company_sign_in.sign_in(start["Location"], "anna"))
        settings.OIDC_OP_TOKEN_ENDPOINT = token_endpoint
        said[attempt] = _said(browser.get(f"{back.path}?{back.query}", follow=True))
        said[f"{attempt}: home"] = _said(browser.get("/", follow=True))
    assert "Welcome" in said["signed in: home"]
    assert "could not be reached" in said["provider failing"]
    assert places_holding(CLIENT_SECRET, said, logs) == []
    sessions = "\n".join(str(session.get_decoded()) for session in Session.objects.all())
    for kept in (sessions, _stored_in_clear(), _logged(logs), *said.values()):
        assert JWT.search(kept) is None
