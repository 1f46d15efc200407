"""nginx in front of gunicorn, as deploy/nginx/serwersms-contacts.conf ships it: HTTPS, the
redirect from plain HTTP, secure cookies, the client's address as the login throttling sees
it, uploads too large, static files, and the headers gunicorn is given.

The module starts gunicorn with production's settings behind one proxy (DEBUG off,
HTTPS_ONLY, BEHIND_PROXY, PROXY_COUNT=1, a SQLite database of its own) and Debian's nginx as a
plain process of its own (own prefix, pid, logs and temporary folders), both on free loopback
ports. nginx runs the shipped site file with only its addresses, ports and file paths replaced
(`render_site`): the directives under test are the shipped ones.

The client connects from loopback addresses other than 127.0.0.1 (Linux answers all of
127.0.0.0/8), one a test, while nginx reaches gunicorn from 127.0.0.1: what the app records as
the client's address is then told apart from nginx's own, and one test's failed logins lock
no other test's address.

Gunicorn's access log records, for each request, the headers that reached it (ACCESS_LOG);
requests carry a `probe` of their own in the query string to be found there. Without
/usr/sbin/nginx the tests skip, except with CI set: there they fail, so that a CI run cannot
pass with none of them run (.ci/run installs Debian's nginx).
"""

import contextlib
import datetime
import http.client
import ipaddress
import json
import os
import re
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from requests.adapters import HTTPAdapter

from tests.helpers import free_ports, run_django_script, skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SITE = ROOT / "deploy" / "nginx" / "serwersms-contacts.conf"
NGINX = Path("/usr/sbin/nginx")
MIME_TYPES = Path("/etc/nginx/mime.types")

USERNAME, PASSWORD = "proxy-staff", "a-long-password-1"
# Pinned, so that the lockout test knows it; its value is not what is tested here.
FAILURE_LIMIT = 5
LOCKED = "Too many failed logins for this username or from this address"
# Documentation addresses (RFC 5737) that a client forges.
FORGED = "203.0.113.7"

# Every variable webapp/settings.py reads: none of them may leak into gunicorn from the test
# run (pytest-env sets SANDBOX, HTTPS_ONLY, ...), so that it reads production's defaults
# (IMPORT_MAX_BYTES among them) and the values set in `server_env` alone.
SETTINGS_VARIABLES = set(
    re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (ROOT / "webapp" / "settings.py").read_text())
)

# What gunicorn's access log records of each request: its line and status, then each of these
# request headers as it reached gunicorn ("-" when it did not), separated by tabs.
FORWARDED_HEADERS = [
    "host",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-request-id",
    "forwarded",
    "x-forwarded-host",
    "x-forwarded-port",
    "x-forwarded-ssl",
    "x-forwarded-protocol",
    "x-real-ip",
]
ACCESS_LOG_FORMAT = "\t".join(["%(r)s", "%(s)s"] + ["%({" + h + "}i)s" for h in FORWARDED_HEADERS])

SET_UP = f"""
from django.contrib.auth import get_user_model
from django.core.management import call_command
call_command("migrate", "--no-input", verbosity=0)
get_user_model().objects.create_user({USERNAME!r}, password={PASSWORD!r})
call_command("collectstatic", "--no-input", verbosity=0)
"""

pytestmark = pytest.mark.xdist_group("reverse_proxy")


def _nginx_installed() -> None:
    if not NGINX.exists():
        skip_or_fail("nginx is not installed: apt-get install nginx (Debian) to run these tests")


# --- The certificate, the environment, the site file -----------------------------------------


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for a day: (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_env(folder: Path) -> dict[str, str]:
    """Production's settings behind one proxy (nginx), on a database of this module's own."""
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' worker sets it; no server has
    return env | {
        "DEBUG": "false",
        "SECRET_KEY": f"test-reverse-proxy-{uuid.uuid4().hex}",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "HTTPS_ONLY": "true",
        "BEHIND_PROXY": "true",
        "PROXY_COUNT": "1",
        "SANDBOX": "false",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "LOGIN_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "LOG_LEVEL": "WARNING",
    }


def render_site(folder: Path, gunicorn_port: int, http_port: int, https_port: int) -> str:
    """The shipped site file, listening on loopback ports, with this module's certificate,
    static files, gunicorn and logs; nothing else changed. A line missing from the shipped
    file fails here, so that the test is brought up to date rather than run something else."""
    text = SITE.read_text()
    replacements = [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        # No IPv6 on loopback here (a CI container may have none).
        ("listen [::]:80;", ""),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/letsencrypt/live/contacts.example.com/fullchain.pem", str(folder / "cert.pem")),
        ("/etc/letsencrypt/live/contacts.example.com/privkey.pem", str(folder / "key.pem")),
        ("alias /srv/serwersms-contacts/staticfiles/;", f"alias {folder / 'static'}/;"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{gunicorn_port};"),
        ("/var/log/nginx/serwersms-contacts.access.log", str(folder / "nginx-access.log")),
        ("/var/log/nginx/serwersms-contacts.error.log", str(folder / "nginx-error.log")),
    ]
    for old, new in replacements:
        assert old in text, f"{SITE.name} has no {old!r} any more: update render_site"
        text = text.replace(old, new)
    return text


def nginx_conf(folder: Path, site: Path) -> str:
    """nginx.conf for a plain process of this module's own, including the site inside `http`
    as Debian's nginx.conf does (with mime.types)."""
    temp = folder / "nginx-temp"
    # Workers run as root only when nginx is started as root (CI); they read the static files
    # in this module's private temporary folder. Otherwise the directive would be ignored.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
daemon off;
{user}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"};
events {{ worker_connections 64; }}
http {{
    include {MIME_TYPES};
    # No log at nginx's compiled-in path: the site's servers name their own.
    access_log off;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""


# --- The servers ----------------------------------------------------------------------------


@dataclass
class Proxy:
    folder: Path
    https_port: int
    http_port: int
    certificate: Path

    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def database(self) -> Path:
        return self.folder / "db.sqlite3"

    def client(self, address: str) -> requests.Session:
        """A browser connecting from this loopback address, trusting the test's certificate."""
        session = requests.Session()
        session.trust_env = False  # no proxy from the environment between us and nginx
        session.verify = str(self.certificate)
        adapter = _FromAddress(address)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def gunicorn_saw(self, probe: str, wait: float = 5.0) -> list[dict[str, str]]:
        """Gunicorn's access log entries for requests carrying this probe (waited for, up to
        `wait` seconds, since gunicorn writes the line once the answer is sent)."""
        deadline = time.monotonic() + wait
        while True:
            entries = [entry for entry in self._gunicorn_log() if probe in entry["request"]]
            if entries or time.monotonic() > deadline:
                return entries
            time.sleep(0.05)

    def nginx_logged(self, request_id: str, wait: float = 5.0) -> str | None:
        """nginx's access log line with this request id."""
        log = self.folder / "nginx-access.log"
        deadline = time.monotonic() + wait
        while True:
            for line in log.read_text(errors="replace").splitlines():
                if line.endswith(f"id={request_id}"):
                    return line
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def _gunicorn_log(self) -> list[dict[str, str]]:
        log = self.folder / "gunicorn-access.log"
        entries = []
        for line in log.read_text(errors="replace").splitlines():
            fields = line.split("\t")
            if len(fields) == 2 + len(FORWARDED_HEADERS):
                entry = dict(zip(FORWARDED_HEADERS, fields[2:], strict=True))
                entries.append(entry | {"request": fields[0], "status": fields[1]})
        return entries


class _FromAddress(HTTPAdapter):
    """Connections made from this local address."""

    def __init__(self, address: str):
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def _start(command: list, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with open(log, "wb") as output:  # the child keeps its own copy of the file open
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            # A process group of its own, so that its workers can be stopped with it.
            start_new_session=True,
        )


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log.exists() else ""


def _wait_until_answering(process: subprocess.Popen, log: Path, url: str, **options) -> None:
    deadline = time.monotonic() + 30
    with requests.Session() as session:
        session.trust_env = False
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"{process.args[0]} stopped:\n{_tail(log)}")
            with contextlib.suppress(requests.ConnectionError):
                session.get(url, allow_redirects=False, timeout=5, **options)
                return
            time.sleep(0.1)
    pytest.fail(f"{url} did not answer within 30 s:\n{_tail(log)}")


def _stop(process: subprocess.Popen, stop_signal: int) -> None:
    if process.poll() is None:
        process.send_signal(stop_signal)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    # Its workers too, which share its process group: none is left running on its own.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """gunicorn and nginx in front of it, serving until the module's tests are done."""
    _nginx_installed()
    folder = tmp_path_factory.mktemp("reverse_proxy")
    (folder / "nginx-temp").mkdir()
    gunicorn_port, http_port, https_port = free_ports(3)
    certificate, _key = make_certificate(folder)
    env = server_env(folder)

    run_django_script(SET_UP, env)

    site = folder / "site.conf"
    site.write_text(render_site(folder, gunicorn_port, http_port, https_port))
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(folder, site))

    processes: list[tuple[subprocess.Popen, int]] = []
    try:
        gunicorn_log = folder / "gunicorn.log"
        gunicorn = _start(
            [BIN / "gunicorn", "webapp.wsgi", "--bind", f"127.0.0.1:{gunicorn_port}"]
            + ["--workers", "1", "--threads", "4", "--keep-alive", "75"]
            + ["--access-logfile", str(folder / "gunicorn-access.log")]
            + ["--access-logformat", ACCESS_LOG_FORMAT]
            # Gunicorn's control socket is one path in the home directory for every gunicorn.
            + ["--no-control-socket"],
            gunicorn_log,
            env,
        )
        # Gunicorn's quick shutdown: a graceful one waits for idle keep-alive connections.
        processes.append((gunicorn, signal.SIGQUIT))
        _wait_until_answering(gunicorn, gunicorn_log, f"http://127.0.0.1:{gunicorn_port}/")

        nginx_log = folder / "nginx.log"
        nginx = _start(
            [NGINX, "-p", folder, "-c", conf, "-e", folder / "nginx-error.log"], nginx_log
        )
        processes.append((nginx, signal.SIGTERM))  # nginx's fast shutdown
        proxy = Proxy(folder, https_port, http_port, certificate)
        _wait_until_answering(
            nginx, folder / "nginx-error.log", f"{proxy.https}/", verify=str(certificate)
        )
        yield proxy
    finally:
        for process, stop_signal in reversed(processes):
            _stop(process, stop_signal)


def _probe() -> str:
    return uuid.uuid4().hex


def _csrf_token(page: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"No CSRF token on {page.url}"
    return match.group(1)


def _log_in(proxy: Proxy, browser: requests.Session, username: str, password: str, **headers):
    """A login posted as a browser posts it over HTTPS: with the page's token and Origin."""
    form = browser.get(f"{proxy.https}/accounts/login/", timeout=10)
    assert form.status_code == 200, form.status_code
    return browser.post(
        f"{proxy.https}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": _csrf_token(form),
        },
        headers={"Origin": proxy.https, **headers},
        allow_redirects=False,
        timeout=30,
    )


def _recorded_failures(proxy: Proxy, usernames: list[str]) -> list[tuple[str, str]]:
    """(username, address) of each failed login django-axes recorded for these usernames."""
    with contextlib.closing(sqlite3.connect(proxy.database)) as database:
        rows = database.execute("SELECT username, ip_address FROM axes_accessattempt").fetchall()
    return sorted((username, address) for username, address in rows if username in usernames)


# --- HTTPS, the redirect, cookies -----------------------------------------------------------


def test_the_login_page_is_served_over_https_and_django_takes_it_for_secure(proxy):
    with proxy.client("127.0.0.2") as browser:
        page = browser.get(f"{proxy.https}/accounts/login/", allow_redirects=False, timeout=10)

    # Not a redirect to HTTPS (which, behind nginx, would be one to itself forever).
    assert page.status_code == 200
    assert 'name="password"' in page.text
    # HSTS comes from Django once; nginx adds no second copy.
    assert page.raw.headers.getlist("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains; preload"
    ]


def _handshake(proxy: Proxy, context: ssl.SSLContext) -> tuple[str, str | None]:
    """The TLS version and the application protocol (ALPN) nginx agrees on with this client."""
    with (
        socket.create_connection(("127.0.0.1", proxy.https_port), timeout=10) as sock,
        context.wrap_socket(sock, server_hostname="127.0.0.1") as tls,
    ):
        return tls.version(), tls.selected_alpn_protocol()


def test_tls_offers_http2_and_tls_1_3_and_1_2_and_nothing_older(proxy):
    browser = proxy.ssl_context()
    browser.set_alpn_protocols(["h2", "http/1.1"])
    older = proxy.ssl_context()
    older.maximum_version = ssl.TLSVersion.TLSv1_2
    # This client speaks TLS 1.1 (at OpenSSL's lowest security level), and nothing newer.
    oldest = proxy.ssl_context()
    oldest.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 is, which is the point
        oldest.minimum_version = ssl.TLSVersion.TLSv1_1
        oldest.maximum_version = ssl.TLSVersion.TLSv1_1

    assert _handshake(proxy, browser) == ("TLSv1.3", "h2")
    assert _handshake(proxy, older) == ("TLSv1.2", None)
    with pytest.raises(ssl.SSLError) as refused:
        _handshake(proxy, oldest)
    # The alert nginx sends, not this client's own refusal to try.
    assert refused.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION"


def test_plain_http_is_redirected_to_https_with_the_same_path_and_query(proxy):
    probe = _probe()
    with proxy.client("127.0.0.2") as browser:
        answer = browser.get(
            f"{proxy.http}/contacts/?probe={probe}", allow_redirects=False, timeout=10
        )
        posted = browser.post(f"{proxy.http}/accounts/login/", allow_redirects=False, timeout=10)

    assert answer.status_code == 301
    # The standard HTTPS port of the same host, as in production.
    assert answer.headers["Location"] == f"https://127.0.0.1/contacts/?probe={probe}"
    assert posted.status_code == 301
    assert posted.headers["Location"] == "https://127.0.0.1/accounts/login/"
    assert proxy.gunicorn_saw(probe, wait=0.5) == []


def test_the_csrf_cookie_is_secure_and_http_only(proxy):
    with proxy.client("127.0.0.2") as browser:
        browser.get(f"{proxy.https}/accounts/login/", timeout=10)
        [cookie] = [cookie for cookie in browser.cookies if cookie.name == "csrftoken"]

    assert cookie.secure
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_a_login_through_nginx_gets_a_secure_http_only_session_cookie(proxy):
    with proxy.client("127.0.0.3") as browser:
        answer = _log_in(proxy, browser, USERNAME, PASSWORD)
        [cookie] = [cookie for cookie in browser.cookies if cookie.name == "sessionid"]

        # Logged in: the login page's form (CSRF compares the Origin with https://Host:port,
        # so nginx passed the scheme and the port on) took the password.
        assert answer.status_code == 302, answer.text[:2000]
        assert cookie.secure
        assert cookie.has_nonstandard_attr("HttpOnly")
        # The session serves the next page over HTTPS.
        page = browser.get(
            f"{proxy.https}/settings/credentials/", allow_redirects=False, timeout=10
        )
        assert page.status_code == 200


# --- The client's address, as the login throttling sees it ---------------------------------


def test_a_failed_login_is_recorded_under_the_clients_address_not_nginxs(proxy):
    username = f"nobody-{_probe()[:8]}"
    with proxy.client("127.0.0.4") as browser:
        answer = _log_in(proxy, browser, username, "wrong-password")

    assert answer.status_code == 200
    assert "Please enter a correct username and password" in answer.text
    assert _recorded_failures(proxy, [username]) == [(username, "127.0.0.4")]


def test_a_forged_forwarded_for_is_not_recorded_and_does_not_dodge_the_lockout(proxy):
    """Each failure claims another address; all count against the one the client used."""
    guesses = [f"guess-{n}-{_probe()[:8]}" for n in range(FAILURE_LIMIT)]
    with proxy.client("127.0.0.5") as browser:
        first = _log_in(proxy, browser, guesses[0], "wrong", **{"X-Forwarded-For": "203.0.113.1"})
        for n, guess in enumerate(guesses[1:], start=2):
            _log_in(proxy, browser, guess, "wrong", **{"X-Forwarded-For": f"203.0.113.{n}"})
        # The right password, from a new forged address: the client's own address is locked.
        locked = _log_in(proxy, browser, USERNAME, PASSWORD, **{"X-Forwarded-For": FORGED})

    assert first.status_code == 200
    assert locked.status_code == 429
    assert LOCKED in locked.text
    assert "sessionid" not in locked.cookies
    assert _recorded_failures(proxy, guesses) == sorted((guess, "127.0.0.5") for guess in guesses)


# --- What gunicorn is told --------------------------------------------------------------------


def test_headers_a_client_sends_cannot_stand_in_for_those_nginx_sets(proxy):
    probe = _probe()
    forged = {
        "X-Forwarded-For": FORGED,
        "X-Forwarded-Proto": "http",
        "X-Request-ID": "chosen-by-the-client",
        "Forwarded": f"for={FORGED};proto=https;host=evil.example",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Port": "8443",
        "X-Forwarded-Ssl": "off",
        "X-Forwarded-Protocol": "http",
        "X-Real-IP": FORGED,
    }
    with proxy.client("127.0.0.6") as browser:
        page = browser.get(
            f"{proxy.https}/accounts/login/?probe={probe}", headers=forged, timeout=10
        )
    [seen] = proxy.gunicorn_saw(probe)

    assert page.status_code == 200
    assert seen["host"] == f"127.0.0.1:{proxy.https_port}"
    # The client's own entry kept on the left, nginx's appended: the app reads the rightmost.
    assert seen["x-forwarded-for"] == f"{FORGED}, 127.0.0.6"
    assert seen["x-forwarded-proto"] == "https"
    for header in ("forwarded", "x-forwarded-host", "x-forwarded-port"):
        assert seen[header] == "-", header
    for header in ("x-forwarded-ssl", "x-forwarded-protocol", "x-real-ip"):
        assert seen[header] == "-", header
    # nginx's own request id, the one its access log has for this request, which the app
    # takes for its own (contacts_ui.logs) and sends back.
    assert re.fullmatch(r"[0-9a-f]{32}", seen["x-request-id"])
    assert page.headers["X-Request-ID"] == seen["x-request-id"]
    logged = proxy.nginx_logged(seen["x-request-id"])
    assert logged is not None
    assert '"GET /accounts/login/ HTTP/1.1" 200' in logged
    # The query string (phone numbers, in a search) is not in nginx's log.
    assert probe not in logged


# --- Uploads -----------------------------------------------------------------------------------


def test_an_upload_far_beyond_the_import_limit_is_refused_by_nginx_before_gunicorn(proxy):
    probe = _probe()
    connection = http.client.HTTPSConnection(
        "127.0.0.1", proxy.https_port, context=proxy.ssl_context(), timeout=10
    )
    try:
        # Only the headers are sent: nginx answers on the Content-Length alone, before it
        # reads a byte of the body (else this would wait for the body, and time out).
        connection.putrequest("POST", f"/import/?probe={probe}")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(2 * settings.IMPORT_MAX_BYTES))
        connection.endheaders()
        answer = connection.getresponse()
        status = answer.status
        answer.read()
    finally:
        connection.close()

    assert status == 413
    # A request after it did reach gunicorn; the refused one never did.
    later = _probe()
    with proxy.client("127.0.0.1") as browser:
        browser.get(f"{proxy.https}/accounts/login/?probe={later}", timeout=10)
    assert proxy.gunicorn_saw(later)
    assert proxy.gunicorn_saw(probe, wait=0) == []


def test_a_file_just_over_the_apps_own_limit_still_reaches_the_app_to_be_refused_there(proxy):
    """nginx's limit leaves room above IMPORT_MAX_BYTES, so that the import's own page says
    how large the file is and what it takes, rather than nginx's bare 413."""
    probe = _probe()
    file = b"x" * (settings.IMPORT_MAX_BYTES + 1)
    with proxy.client("127.0.0.1") as browser:
        answer = browser.post(
            f"{proxy.https}/import/?probe={probe}",
            files={"file": ("contacts.csv", file, "text/csv")},
            headers={"Origin": proxy.https},
            allow_redirects=False,
            timeout=30,
        )

    assert answer.status_code != 413
    [seen] = proxy.gunicorn_saw(probe)
    # The app answered it (here 403: no CSRF token). The client gets that answer, or nginx's
    # 502 when the app answered and closed before nginx had sent the whole body: a race of
    # this test's tokenless post, which the app refuses without reading it.
    assert seen["status"] not in ("413", "502")
    assert str(answer.status_code) in (seen["status"], "502")


# --- Static files, metrics -------------------------------------------------------------------


def test_static_files_are_served_by_nginx_with_their_cache_headers(proxy):
    manifest = json.loads((proxy.folder / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    probe = _probe()
    with proxy.client("127.0.0.2") as browser:
        plain = browser.get(f"{proxy.https}/static/admin/css/base.css?probe={probe}", timeout=10)
        named = browser.get(f"{proxy.https}/static/{hashed}?probe={probe}", timeout=10)

    assert plain.status_code == 200
    assert plain.headers["Content-Type"] == "text/css"
    assert plain.headers["Cache-Control"] == "public, max-age=60"
    assert named.status_code == 200
    assert named.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # whitenoise's compressed copy, as it is.
    assert named.headers["Content-Encoding"] == "gzip"
    assert named.headers["X-Content-Type-Options"] == "nosniff"
    assert "body" in named.text
    # nginx served both: gunicorn saw neither.
    assert proxy.gunicorn_saw(probe, wait=0.5) == []


def test_metrics_are_refused_by_nginx_to_any_address_but_this_machines_own(proxy):
    probe, local = _probe(), _probe()
    with proxy.client("127.0.0.7") as outsider:
        refused = outsider.get(f"{proxy.https}/metrics?probe={probe}", timeout=10)
    with proxy.client("127.0.0.1") as prometheus:
        prometheus.get(f"{proxy.https}/metrics?probe={local}", timeout=10)

    assert refused.status_code == 403
    assert proxy.gunicorn_saw(local)
    assert proxy.gunicorn_saw(probe, wait=0) == []
