"""Shared fixtures: sandbox accounts, and the app pointed at the sandbox over real HTTP."""

import os
import pathlib
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from contacts_ui import serwersms
from contacts_ui.sandbox.models import Account, Group
from contacts_ui.serwersms import ContactData
from tests.helpers import make_contact, make_user
from tests.history_entries import contact_delete, jobs_and_uploads
from tests.identity_provider import IdentityProvider
from tests.smtp_server import SMTPServer


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cached group lists are keyed by user id, which a rolled-back test gives again.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_limit_learned():
    # The largest limit an API takes is learned per process and base URL, and the test
    # server's URL is the same for every test.
    serwersms._largest_limits.clear()
    yield
    serwersms._largest_limits.clear()


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    # A request in Polish leaves Polish active in the test's thread; start each test in English.
    translation.activate("en")
    yield
    translation.deactivate()


def make_sandbox_account(name: str, password: str | None = None, token: str | None = None):
    account = Account(name=name)
    account.set_password(password or f"{name}-password")
    account.set_token(token or f"{name}-token")
    account.save()
    return account


@pytest.fixture
def alice_account(db):
    """Alice's sandbox account: API user `alice`, password `alice-password`, token `alice-token`."""
    return make_sandbox_account("alice")


@pytest.fixture
def bob_account(db):
    return make_sandbox_account("bob")


@pytest.fixture
def api_url(live_server, settings):
    """The sandbox served over real HTTP, and the app configured to call it."""
    url = f"{live_server.url}/sandbox/api/"
    settings.SERWERSMS_API_URL = url
    return url


@pytest.fixture
def faults(settings):
    """Make every sandbox call fail in the given way."""

    def set_mode(mode):
        settings.SANDBOX_FAILURE_RATE = 1.0
        settings.SANDBOX_FAILURE_MODES = [mode]

    return set_mode


@pytest.fixture
def alice(client, alice_account, api_url):
    """Alice, logged in to the test client, with her working API token saved."""
    user = make_user("alice", token="alice-token")
    client.force_login(user)
    return user


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    # Each login hashes a password twice (making the user, then checking it); Django's default
    # hasher is slow on purpose and would make up a good part of every test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bob():
    """Bob's user, not signed in, with no API credentials."""
    return make_user("bob")


@pytest.fixture
def bob_client(bob_account):
    """Bob, with his working API token saved, signed in on a test client of his own."""
    bob = Client()
    bob.force_login(make_user("bob", token="bob-token"))
    return bob


@pytest.fixture
def charlie(client, db):
    """Charlie, signed in, with no API credentials saved."""
    user = make_user("charlie")
    client.force_login(user)
    return user


@pytest.fixture
def root(client):
    """A superuser, signed in."""
    user = User.objects.create_superuser("root", password="pass-for-tests")
    client.force_login(user)
    return user


@pytest.fixture
def groups(alice_account):
    """Three of Alice's groups, empty: Klienci, Dostawcy, Newsletter."""
    return [
        Group.objects.create(account=alice_account, name=name)
        for name in ("Klienci", "Dostawcy", "Newsletter")
    ]


@pytest.fixture
def dostawcy(alice_account):
    """Alice's group Dostawcy, empty."""
    return Group.objects.create(account=alice_account, name="Dostawcy")


@pytest.fixture
def wire(monkeypatch):
    """Record each call the app makes to the API, and what came back; the call goes through."""
    sent = []
    session_post = serwersms.requests.Session.post

    def recording_post(self, url, **kwargs):
        response = session_post(self, url, **kwargs)
        sent.append({"url": url, **kwargs, "status": response.status_code})
        return response

    monkeypatch.setattr(serwersms.requests.Session, "post", recording_post)
    return sent


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, tmp_path_factory):
    """On SQLite, a test database in a file rather than in memory, so that each thread
    (the test server's, the job runner's) has a connection of its own, as in production;
    an in-memory database would be one connection shared by every thread."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        shm = pathlib.Path("/dev/shm")
        folder = shm if shm.is_dir() else tmp_path_factory.getbasetemp()
        database.setdefault("TEST", {})["NAME"] = str(
            folder / f"serwersms-test-{os.getpid()}.sqlite3"
        )
    request.getfixturevalue("django_db_modify_db_settings_parallel_suffix")


@pytest.fixture
def url_data(alice_account, bob_account):
    """The records the placeholders of tests.every_url name: a group and a contact of
    alice's, a deletion in her history, a job and an upload of hers, another person."""
    group = Group.objects.create(account=alice_account, name="Klienci")
    contact = make_contact(alice_account, first_name="Jan", groups=[group])
    # A deletion of a contact of alice's, as the history records it: undo would re-create it.
    deleted = make_contact(alice_account, "+48500600799", first_name="Ewa")
    entry = contact_delete(
        User.objects.get(username="alice"),
        ContactData(phone=deleted.phone, first_name="Ewa"),
        contact_id=deleted.id,
        batch=uuid.uuid4(),
    )
    deleted.delete()
    alice = User.objects.get(username="alice")
    return {
        "group": group.id,
        "contact": contact.id,
        "entry": entry.id,
        "batch": entry.batch,
        # Someone whose API credentials a superuser may enter.
        "person": make_user("ewa", role=None).id,
        # An invitation link no invitation has.
        "uid": "MQ",
        "token": "no-such-token",
        **jobs_and_uploads(alice),
    }


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on loopback (tests.smtp_server), with Django sending to it: what it
    was given."""
    server = SMTPServer()
    with server as inbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield inbox


@pytest.fixture(scope="session")
def identity_provider():
    """A real OpenID Connect provider on loopback (tests.identity_provider), calling back the
    test client's server."""
    provider = IdentityProvider(["http://testserver/oidc/callback/"])
    yield provider
    provider.stop()


@pytest.fixture
def company_sign_in(settings, identity_provider):
    """The application set up, as its environment would, to sign people in there too."""
    for name, value in identity_provider.settings().items():
        setattr(settings, name, value)
    return identity_provider
