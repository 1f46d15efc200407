"""Named users for view tests: alice and bob each own a sandbox account; charlie has none."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from django.contrib.auth.models import User

from contacts_ui import roles
from contacts_ui.models import ApiCredentials


def make_user(username: str, token: str | None = None, role: str | None = roles.MANAGER) -> User:
    """A user in a role (a Manager, who may do all but manage people, unless said), with an
    API token for the sandbox if given."""
    user = User.objects.create_user(username, password="pass-for-tests")
    if role is not None:
        user.groups.add(roles.role_group(role))
    if token is not None:
        credentials = ApiCredentials(user=user, auth_style=ApiCredentials.TOKEN)
        credentials.set_secret(token)
        credentials.save()
    return user


def give_role(user: User, role: str | None) -> User:
    """The user in this one role (contacts_ui.roles), or in none."""
    roles.set_role(user, role)
    return user


class _TableReader(HTMLParser):
    """The text of each cell of each body row of the table with the given id (the admin's
    action checkbox cells, which hold no text, left out)."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id = table_id
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", self.table_id) in attrs:
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("td", "th") and ("class", "action-checkbox") not in attrs:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._in_table = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, table_id: str = "result_list") -> list[list[str]]:
    """The body rows of a table (the list's, unless another id is given), as cell texts."""
    reader = _TableReader(table_id)
    reader.feed(html)
    return reader.rows


# Anna Kowalska, a contact with every field filled in, as the tests' usual example.
ANNA = {
    "phone": "+48500600700",
    "email": "anna@example.pl",
    "first_name": "Anna",
    "last_name": "Kowalska",
    "company": "Kowalscy sp. z o.o.",
    "tax_id": "526-025-02-74",
    "address": "ul. Piotrkowska 1",
    "city": "Łódź",
    "description": "Dzwonić po 16.",
}


def make_contact(account, phone: str = "+48500600700", groups=(), **fields):
    """A contact in the sandbox's own store, searchable as the API stores it, in these groups;
    `blacklist=True` puts its phone on the account's blacklist."""
    from contacts_ui.sandbox.models import BlacklistedNumber, Contact, Membership

    if fields.pop("blacklist", False):
        BlacklistedNumber.objects.get_or_create(account=account, phone=phone)
    contact = Contact(account=account, phone=phone, **fields)
    contact.refresh_search_text()
    contact.save()
    for group in groups:
        Membership.objects.create(contact=contact, group=group)
    return contact


def address_book(account) -> dict:
    """The account's whole address book, ids aside: each contact's fields and group names,
    and each group's name with its members' phones (to compare before and after)."""
    from contacts_ui.sandbox.models import Contact, Group
    from contacts_ui.serwersms import CONTACT_FIELDS

    contacts = sorted(
        (
            tuple(getattr(contact, name) for name in CONTACT_FIELDS),
            tuple(sorted(contact.groups.values_list("name", flat=True))),
        )
        for contact in Contact.objects.filter(account=account)
    )
    groups = sorted(
        (group.name, tuple(sorted(group.contacts.values_list("phone", flat=True))))
        for group in Group.objects.filter(account=account)
    )
    return {"contacts": contacts, "groups": groups}


def settings_loaded(env: dict, show: str, cleared=()) -> subprocess.CompletedProcess:
    """webapp.settings loaded in a fresh Python, as a server starts: this environment
    without the variables `cleared`, with `env` on top. It prints `show`, an expression of
    the settings `s`."""
    kept = {name: value for name, value in os.environ.items() if name not in set(cleared)}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'webapp.settings';"
        f"django.setup(); from django.conf import settings as s; print({show})"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env={**kept, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def contract_rows(output: str) -> dict[str, list[str]]:
    """The contract check's table by question number: [question, we assume, the API did,
    compatible]."""
    found = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split(" | ")]
        if len(cells) == 5 and cells[0].isdigit():
            found[cells[0]] = cells[1:]
    return found


class _FormReader(HTMLParser):
    """What a browser would send for one form, as rendered (submit buttons left out)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.values: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = attrs.get("id") == self.form_id
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select].append(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the one newline that starts a textarea's content.
            text = "".join(self._text).removeprefix("\r\n").removeprefix("\n")
            self.values.setdefault(self._textarea, []).append(text)
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    """The fields of the form with this id as a browser would post them, name to values."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.values


def sandbox_fails_after(monkeypatch, answered: int, mode: str) -> None:
    """The sandbox answers the next `answered` calls, then fails each later one in this mode.

    For a failure part-way through a run of calls (a job's), which the sandbox's random
    fault knobs cannot aim at. To fail one kind of call, see sandbox_fails_on.
    """
    import itertools

    from contacts_ui.sandbox import views as sandbox_views

    calls = itertools.count()
    monkeypatch.setattr(
        sandbox_views, "_pick_fault", lambda *call: None if next(calls) < answered else mode
    )


def sandbox_fails_on(monkeypatch, mode: str, *calls: str) -> None:
    """Every call of these kinds ("contacts/edit", "groups/index", ...) fails in this mode;
    the others answer, however many there are and in whatever order they come."""
    from contacts_ui.sandbox import views as sandbox_views

    monkeypatch.setattr(
        sandbox_views,
        "_pick_fault",
        lambda resource, action: mode if f"{resource}/{action}" in calls else None,
    )


def closed_port_url() -> str:
    """An API address where nothing listens: the port was free a moment ago."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/sandbox/api/"


def writes_fail(monkeypatch, mode: str) -> None:
    """The reads answer and every write fails in this sandbox fault mode; or, for
    "refused", the writes alone go to a closed port (the sandbox cannot refuse one)."""
    from contacts_ui.serwersms import READ_ACTIONS, SerwerSMSClient

    if mode != "refused":
        from contacts_ui.sandbox import views as sandbox_views

        monkeypatch.setattr(
            sandbox_views,
            "_pick_fault",
            lambda resource, action: None if action in READ_ACTIONS else mode,
        )
        return
    closed = closed_port_url()
    send = SerwerSMSClient._send

    def send_writes_nowhere(self, resource, action, url, body, headers):
        if action not in READ_ACTIONS:
            url = f"{closed}{resource}/{action}.json"
        return send(self, resource, action, url, body, headers)

    monkeypatch.setattr(SerwerSMSClient, "_send", send_writes_nowhere)


def post_twice_at_once(user, url: str, data=None) -> list:
    """Post the same form twice at once, as a double click or a second tab does: two
    clients signed in as `user`, each on a thread (and database connection) of its own.
    The answers, in the order they came."""
    import threading

    from django.db import connection
    from django.test import Client

    answers = []

    def post():
        browser = Client()
        browser.force_login(user)
        try:
            answers.append(browser.post(url, data or {}))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def on_ci() -> bool:
    """Whether CI runs the suite (CI set, as .ci/run sets it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip a test whose outside need (a service, a program) is missing here; fail it on CI,
    where a skip would hide that the test never ran."""
    import pytest

    if on_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def free_ports(count: int) -> list[int]:
    """`count` loopback ports free a moment ago, all different (bound at once)."""
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def run_django_script(script: str, env: dict[str, str]) -> None:
    """`script` run by `manage.py shell` in a process of its own with this environment (its
    database migrated, accounts made, ...), failing the test with its output if it fails."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"Setting up failed:\n{done.stdout}{done.stderr}"
