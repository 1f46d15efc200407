"""The service module against the sandbox over real HTTP (live_server)."""

import json
import logging

import pytest

from contacts_ui import serwersms
from contacts_ui.serwersms import ContactData, Credentials, SerwerSMSClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token_client(api_url, alice_account):
    return SerwerSMSClient(Credentials("token", "", "alice-token"), api_url)


@pytest.fixture
def password_client(api_url, alice_account):
    return SerwerSMSClient(Credentials("password", "alice", "alice-password"), api_url)


# --- Every call, both auth styles ---------------------------------------------


@pytest.mark.parametrize("client_name", ["token_client", "password_client"])
def test_it_makes_every_group_call(request, client_name):
    client = request.getfixturevalue(client_name)
    group_id = client.groups_add("Klienci VIP")
    assert client.groups_edit(group_id, "Klienci – Kraków") == group_id
    assert client.groups_view(group_id) == serwersms.Group(group_id, "Klienci – Kraków", 0)
    client.contacts_add(ContactData(phone="+48500600700"), [group_id])

    page = client.groups_index(search="kraków", sort="name", order="asc", page=1, limit=10)
    assert page.items == [serwersms.Group(group_id, "Klienci – Kraków", 1)]
    assert (page.page, page.pages, page.has_next) == (1, 1, False)

    checked = client.groups_check("500 600 700")
    assert [(m.group_id, m.group_name) for m in checked] == [(group_id, "Klienci – Kraków")]

    client.groups_delete(group_id)
    assert client.groups_index().items == []
    assert len(client.contacts_index().items) == 1  # its contact stays


@pytest.mark.parametrize("client_name", ["token_client", "password_client"])
def test_it_makes_every_contact_call(request, client_name):
    client = request.getfixturevalue(client_name)
    first = client.groups_add("Dostawcy")
    second = client.groups_add("Newsletter")
    data = ContactData(
        phone="500600700",
        email="jan@example.pl",
        first_name="Łukasz",
        last_name="Wójcik",
        company="Wójcik sp. z o.o.",
        tax_id="5260250274",
        address="ul. Mickiewicza 12/4",
        city="Łódź",
        description="Stały klient",
    )
    contact_id = client.contacts_add(data, [first, second])

    contact = client.contacts_view(contact_id)
    assert contact.data == ContactData(**{**data.__dict__, "phone": "+48500600700"})
    assert contact.blacklist is False

    page = client.contacts_index(search="ŁÓDŹ", group_id=second, sort="last_name", order="desc")
    assert [(c.id, c.group_id, c.group_name) for c in page.items] == [
        (contact_id, second, "Newsletter")
    ]

    changed = ContactData(**{**contact.data.__dict__, "city": "Kraków"})
    assert client.contacts_edit(contact_id, changed, [first]) == contact_id
    assert client.contacts_view(contact_id).data == changed
    assert [m.group_id for m in client.groups_check(changed.phone)] == [first]

    client.contacts_delete(contact_id)
    with pytest.raises(serwersms.NotFound):
        client.contacts_view(contact_id)


def test_it_lists_contacts_in_no_group(token_client):
    group_id = token_client.groups_add("Hurtownie")
    in_group = token_client.contacts_add(ContactData(phone="+48501000001"), [group_id])
    loose = token_client.contacts_add(ContactData(phone="+48501000002"), [])
    assert [c.id for c in token_client.contacts_index(group_id="none").items] == [loose]
    assert {c.id for c in token_client.contacts_index().items} == {in_group, loose}


def test_edit_sends_the_whole_record_so_nothing_is_cleared(token_client):
    # The sandbox clears any field left out of contacts/edit.
    contact_id = token_client.contacts_add(
        ContactData(phone="+48502000000", email="a@b.pl", company="Firma", description="x"), []
    )
    contact = token_client.contacts_view(contact_id)
    token_client.contacts_edit(
        contact_id, ContactData(**{**contact.data.__dict__, "city": "Opole"}), []
    )
    after = token_client.contacts_view(contact_id)
    assert (after.email, after.company, after.description, after.city) == (
        "a@b.pl",
        "Firma",
        "x",
        "Opole",
    )


# --- The request on the wire ----------------------------------------------------


def test_a_token_call_has_the_official_clients_shape(token_client, api_url, wire):
    token_client.groups_index(search="VIP")
    (call,) = wire
    assert call["url"] == f"{api_url}groups/index.json"
    assert call["headers"]["Authorization"] == "Bearer alice-token"
    assert call["json"] == {"search": "VIP", "system": "serwersms_contacts"}


def test_a_password_call_carries_username_and_password(password_client, api_url, wire):
    with pytest.raises(serwersms.NotFound):
        password_client.contacts_view(123456)
    (call,) = wire
    assert call["url"] == f"{api_url}contacts/view.json"
    assert "Authorization" not in call["headers"]
    assert call["json"] == {
        "id": 123456,
        "username": "alice",
        "password": "alice-password",
        "system": "serwersms_contacts",
    }


def test_it_reuses_one_session_per_base_url(token_client, password_client, api_url):
    assert serwersms._session_for(api_url) is serwersms._session_for(api_url)
    assert serwersms._session_for(api_url) is not serwersms._session_for(api_url + "other/")


def test_it_uses_the_timeouts_from_settings(token_client, settings, wire):
    settings.SERWERSMS_CONNECT_TIMEOUT = 1.5
    settings.SERWERSMS_READ_TIMEOUT = 7.0
    token_client.groups_index()
    assert wire[0]["timeout"] == (1.5, 7.0)


# --- Failures -------------------------------------------------------------------


def test_wrong_credentials_are_rejected_with_a_useful_message(api_url, alice_account):
    client = SerwerSMSClient(Credentials("token", "", "wrong-token"), api_url)
    with pytest.raises(serwersms.CredentialsRejected) as caught:
        client.groups_index()
    assert caught.value.code == 1001
    assert caught.value.type == "InvalidUser"
    assert "My API credentials" in str(caught.value)


def test_an_unknown_id_is_not_found(token_client):
    with pytest.raises(serwersms.NotFound) as caught:
        token_client.groups_view(987654)
    assert caught.value.code == 1004


def test_refused_data_carries_the_apis_own_message(token_client):
    with pytest.raises(serwersms.InvalidData) as caught:
        token_client.groups_add("x" * 101)
    assert caught.value.code == 1006
    assert caught.value.api_message in str(caught.value)


def test_a_bad_phone_is_invalid_data(token_client):
    with pytest.raises(serwersms.InvalidData) as caught:
        token_client.contacts_add(ContactData(phone="abc"), [])
    assert caught.value.code == 2001


@pytest.mark.parametrize(
    "code, cls, words",
    [
        (1002, serwersms.AccessDenied, "no HTTPS API permission"),
        (1003, serwersms.AccessDenied, "IP address"),
        (1005, serwersms.AccessDenied, "no permission for this action"),
        (1007, serwersms.AccessDenied, "not fully activated"),
        (1008, serwersms.AccessDenied, "may not see phone numbers"),
        (2000, serwersms.InvalidData, "required field is missing: Pole name"),
        (4321, serwersms.ApiError, "Coś poszło nie tak (code 4321)"),
    ],
)
def test_each_provider_code_maps_to_an_actionable_message(code, cls, words):
    error = serwersms.error_from_answer(
        {
            "code": code,
            "type": "X",
            "message": "Pole name" if code == 2000 else "Coś poszło nie tak",
        }
    )
    assert type(error) is cls
    assert words in str(error)


def test_an_http_error_is_a_bad_response(token_client, faults):
    faults("http500")
    with pytest.raises(serwersms.BadResponse) as caught:
        token_client.groups_index()
    assert "HTTP 500" in str(caught.value)


def test_an_api_error_with_an_unknown_code_keeps_its_message(token_client, faults):
    faults("api_error")
    with pytest.raises(serwersms.ApiError) as caught:
        token_client.groups_index()
    assert caught.value.code == 9999
    assert "Wystąpił błąd wewnętrzny" in str(caught.value)


def test_an_answer_that_is_not_json_is_a_bad_response(token_client, faults):
    faults("malformed")
    with pytest.raises(serwersms.BadResponse):
        token_client.groups_index()


def test_an_answer_of_the_wrong_shape_is_a_bad_response(token_client, monkeypatch):
    monkeypatch.setattr(serwersms.SerwerSMSClient, "_call", lambda *args: {"items": "nope"})
    with pytest.raises(serwersms.BadResponse):
        token_client.groups_index()


def test_a_slow_answer_times_out(token_client, faults, settings):
    faults("timeout")
    settings.SANDBOX_TIMEOUT_SECONDS = 1.5
    settings.SERWERSMS_READ_TIMEOUT = 0.3
    with pytest.raises(serwersms.TimedOut) as caught:
        token_client.groups_add("Spóźnieni")
    assert caught.value.request_sent is True


def test_a_dropped_connection_is_reported_as_maybe_sent(token_client, faults):
    faults("disconnect")
    with pytest.raises(serwersms.ConnectionLost) as caught:
        token_client.groups_add("Zerwani")
    assert caught.value.request_sent is True


def test_a_refused_connection_is_reported_as_not_sent(alice_account, live_server):
    # A port that nothing listens on: the live server's port plus one is not guaranteed
    # free, so bind one and close it.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = SerwerSMSClient(Credentials("token", "", "alice-token"), f"http://127.0.0.1:{port}/")
    with pytest.raises(serwersms.ConnectionFailed) as caught:
        client.groups_index()
    assert caught.value.request_sent is False


# --- Reads are retried, writes never ---------------------------------------------


@pytest.fixture
def sandbox_answers(monkeypatch):
    """Script the sandbox's faults call by call: a list of modes (None answers); records calls."""
    from contacts_ui.sandbox import views as sandbox_views

    calls = []

    def script(*modes):
        remaining = list(modes)

        def pick(*call):
            calls.append(remaining[0] if remaining else None)
            return remaining.pop(0) if remaining else None

        monkeypatch.setattr(sandbox_views, "_pick_fault", pick)
        return calls

    return script


@pytest.fixture
def quick_timeouts(settings):
    settings.SANDBOX_TIMEOUT_SECONDS = 1.0
    settings.SERWERSMS_READ_TIMEOUT = 0.3


READS = {
    "groups_index": lambda client: client.groups_index(),
    "groups_view": lambda client: client.groups_view(1),
    "groups_check": lambda client: client.groups_check("+48500600700"),
    "contacts_index": lambda client: client.contacts_index(),
    "contacts_view": lambda client: client.contacts_view(1),
}
WRITES = {
    "groups_add": lambda client: client.groups_add("Nowa"),
    "groups_edit": lambda client: client.groups_edit(1, "Nowa"),
    "groups_delete": lambda client: client.groups_delete(1),
    "contacts_add": lambda client: client.contacts_add(ContactData(phone="+48500600700"), []),
    "contacts_edit": lambda client: client.contacts_edit(1, ContactData(phone="+48500600700"), []),
    "contacts_delete": lambda client: client.contacts_delete(1),
}
RETRIED_FAULTS = ["http500", "timeout", "disconnect"]


@pytest.mark.parametrize("mode", RETRIED_FAULTS)
def test_a_read_that_fails_on_the_way_is_asked_again_until_it_answers(
    token_client, sandbox_answers, quick_timeouts, mode
):
    token_client.groups_add("Stali")
    calls = sandbox_answers(mode, mode)
    page = token_client.groups_index()
    assert [group.name for group in page.items] == ["Stali"]
    assert calls == [mode, mode, None]


@pytest.mark.parametrize("mode", RETRIED_FAULTS)
@pytest.mark.parametrize("read", READS)
def test_a_read_gives_up_after_two_retries(
    token_client, sandbox_answers, quick_timeouts, read, mode
):
    calls = sandbox_answers(mode, mode, mode, mode)
    with pytest.raises(serwersms.TransportError):
        READS[read](token_client)
    assert len(calls) == 3


@pytest.mark.parametrize("mode", ["api_error", "malformed"])
def test_a_read_refused_or_answered_oddly_is_not_asked_again(token_client, sandbox_answers, mode):
    calls = sandbox_answers(mode, mode)
    with pytest.raises(serwersms.SerwerSMSError):
        token_client.groups_index()
    assert len(calls) == 1


@pytest.mark.parametrize("mode", ["http500", "timeout", "disconnect", "malformed", "api_error"])
@pytest.mark.parametrize("write", WRITES)
def test_a_write_is_never_sent_twice(token_client, sandbox_answers, quick_timeouts, write, mode):
    calls = sandbox_answers(mode, mode)
    with pytest.raises(serwersms.SerwerSMSError):
        WRITES[write](token_client)
    assert len(calls) == 1


def test_a_failed_write_through_a_dropped_connection_made_its_change_once(
    token_client, sandbox_answers, alice_account
):
    from contacts_ui.sandbox.models import Group

    sandbox_answers("disconnect")
    with pytest.raises(serwersms.ConnectionLost):
        token_client.groups_add("Raz")
    assert Group.objects.filter(account=alice_account, name="Raz").count() == 1


def test_retries_wait_longer_each_time(token_client, sandbox_answers, settings, monkeypatch):
    settings.SERWERSMS_RETRY_BACKOFF = 0.2
    waits = []
    monkeypatch.setattr(serwersms.time, "sleep", waits.append)
    sandbox_answers("http500", "http500", "http500")
    with pytest.raises(serwersms.BadResponse):
        token_client.groups_index()
    assert waits == [0.2, 0.4]


def test_the_number_of_retries_comes_from_settings(token_client, sandbox_answers, settings):
    settings.SERWERSMS_READ_RETRIES = 0
    calls = sandbox_answers("http500", "http500")
    with pytest.raises(serwersms.BadResponse):
        token_client.groups_index()
    assert len(calls) == 1


def test_a_refused_connection_is_retried_for_a_read(alice_account, live_server, monkeypatch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sent = []
    real_post = serwersms.requests.Session.post
    monkeypatch.setattr(
        serwersms.requests.Session,
        "post",
        lambda self, url, **kw: sent.append(url) or real_post(self, url, **kw),
    )
    client = SerwerSMSClient(Credentials("token", "", "alice-token"), f"http://127.0.0.1:{port}/")
    with pytest.raises(serwersms.ConnectionFailed):
        client.groups_index()
    assert len(sent) == 3


# --- The secret stays secret ----------------------------------------------------


SECRET = "alice-password"


@pytest.mark.parametrize("mode", ["http500", "api_error", "malformed", "timeout", "disconnect"])
def test_no_failure_shows_the_secret(password_client, faults, settings, caplog, mode):
    faults(mode)
    settings.SANDBOX_TIMEOUT_SECONDS = 1.0
    settings.SERWERSMS_READ_TIMEOUT = 0.3
    caplog.set_level(logging.DEBUG)
    with pytest.raises(serwersms.SerwerSMSError) as caught:
        password_client.groups_index()
    error = caught.value
    for text in (str(error), repr(error), json.dumps(error.__dict__, default=str), caplog.text):
        assert SECRET not in text
    assert SECRET not in repr(password_client) and SECRET not in repr(password_client.credentials)


def test_rejected_credentials_do_not_show_the_secret(api_url, alice_account, caplog):
    caplog.set_level(logging.DEBUG)
    client = SerwerSMSClient(Credentials("token", "", "a-wrong-secret-token"), api_url)
    with pytest.raises(serwersms.CredentialsRejected) as caught:
        client.groups_index()
    assert "a-wrong-secret-token" not in str(caught.value) + repr(caught.value) + caplog.text


# --- Redirects: never followed ------------------------------------------------------------


@pytest.fixture
def redirecting_api(request):
    """An "API" on loopback that answers every call with a redirect (the status given) to a
    second server, which
    notes every request that reaches it (a redirect would resend the body, password and all)."""
    import http.server
    import threading

    reached = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            reached.append((self.path, dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(request.param)
            self.send_header("Location", f"http://127.0.0.1:{elsewhere.server_port}/steal")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    for server in (api, elsewhere):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{api.server_port}/api/", reached
    for server in (api, elsewhere):
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("redirecting_api", [301, 302, 307, 308], indirect=True)
def test_a_redirect_is_not_followed_and_the_password_goes_nowhere_else(redirecting_api):
    base_url, reached = redirecting_api
    client = SerwerSMSClient(Credentials("password", "acme", "secret-password-1"), base_url)

    with pytest.raises(serwersms.BadResponse) as caught:
        client.groups_index(limit=1)

    assert reached == []
    assert "redirect" in caught.value.message


def test_error_3000_is_said_as_the_eco_limit_it_means(token_client, monkeypatch):
    from contacts_ui.sandbox import api as sandbox_api

    def limit_used_up(account, params):
        raise sandbox_api.ApiError(3000, "LimitError", "Limit SMS ECO+ wyczerpany.")

    monkeypatch.setitem(sandbox_api.ACTIONS, ("groups", "index"), limit_used_up)
    with pytest.raises(serwersms.AccessDenied) as caught:
        token_client.groups_index()
    assert caught.value.code == 3000
    assert "SMS ECO+ limit is used up" in str(caught.value)


def _view_answering_blacklist(monkeypatch, value):
    from contacts_ui.sandbox import api as sandbox_api

    def view(account, params):
        return {**sandbox_api.contacts_view(account, params), "blacklist": value}

    monkeypatch.setitem(sandbox_api.ACTIONS, ("contacts", "view"), view)


@pytest.mark.parametrize(
    "value, meant",
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("1", True),
        ("0", False),
        ("true", True),
        ("False", False),
        (None, False),
    ],
)
def test_the_blacklist_flag_is_read_as_the_api_means_it(
    token_client, alice_account, monkeypatch, value, meant
):
    contact_id = token_client.contacts_add(ContactData(phone="+48500600701"), [])
    _view_answering_blacklist(monkeypatch, value)
    assert token_client.contacts_view(contact_id).blacklist is meant


@pytest.mark.parametrize("value", ["yes", "", 2, 1.0, [], {"on": True}])
def test_a_blacklist_flag_that_is_not_yes_or_no_is_an_unexpected_answer_not_a_guess(
    token_client, alice_account, monkeypatch, value
):
    contact_id = token_client.contacts_add(ContactData(phone="+48500600701"), [])
    _view_answering_blacklist(monkeypatch, value)
    with pytest.raises(serwersms.BadResponse):
        token_client.contacts_view(contact_id)


def test_an_answer_as_the_api_gives_it_is_for_reads_alone(token_client):
    with pytest.raises(ValueError):
        token_client.answer_of("contacts", "delete", {"id": 1})
    assert token_client.answer_of("groups", "index", {})["items"] == []
