"""`manage.py contract_check` (`make contract`): the API's open behaviours, as a table.

With SERWERSMS_CONTRACT_URL and a test account's SERWERSMS_CONTRACT_TOKEN (or
SERWERSMS_CONTRACT_USERNAME and SERWERSMS_CONTRACT_PASSWORD) in the environment, it asks
that API; without them, this application's own sandbox, served for the run on a free port
of 127.0.0.1 with an account of its own (CI runs it so, holding the sandbox to the same
contract as the provider). It exits with status 1 when an answer is incompatible.
"""

import contextlib
import os
import secrets
import signal
import threading
from dataclasses import asdict

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from contacts_ui import contract, provider
from contacts_ui.api_access import api_base_url
from contacts_ui.models import ContractCheck
from contacts_ui.sandbox import variants
from contacts_ui.serwersms import Credentials, SerwerSMSClient, SerwerSMSError

SANDBOX_ACCOUNT = "contract-check"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def _sandbox():
    """This application's sandbox on a free port, with an account for the check: its API
    address and credentials."""
    from contacts_ui.sandbox.models import Account

    token = secrets.token_urlsafe(24)
    account, _created = Account.objects.get_or_create(name=SANDBOX_ACCOUNT)
    account.set_password(secrets.token_urlsafe(24))
    account.set_token(token)
    account.save()
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/sandbox/api/", Credentials("token", "", token)
    finally:
        server.shutdown()
        server.server_close()


def _credentials_from_environment() -> Credentials:
    token = os.environ.get("SERWERSMS_CONTRACT_TOKEN", "")
    username = os.environ.get("SERWERSMS_CONTRACT_USERNAME", "")
    password = os.environ.get("SERWERSMS_CONTRACT_PASSWORD", "")
    if token:
        return Credentials("token", "", token)
    if username and password:
        return Credentials(username=username, password=password)
    raise CommandError(
        "SERWERSMS_CONTRACT_URL is set, but no test account: set SERWERSMS_CONTRACT_TOKEN, "
        "or SERWERSMS_CONTRACT_USERNAME and SERWERSMS_CONTRACT_PASSWORD."
    )


@contextlib.contextmanager
def _interrupt_on_sigterm():
    """A stop asked for by SIGTERM unwinds like Ctrl-C, so that what was made is deleted."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Command(BaseCommand):
    help = (
        "Answer the API's open questions (api/CONTRACT.md) from what the API does, against "
        "SERWERSMS_CONTRACT_URL with a test account, or this application's sandbox."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--save",
            action="store_true",
            help="Keep the answers for this API address: the diagnostics page shows them.",
        )

    def handle(self, **options):
        url = os.environ.get("SERWERSMS_CONTRACT_URL", "").strip()
        if url:
            where = url
            target = contextlib.nullcontext((url, _credentials_from_environment()))
        elif settings.SANDBOX:
            where = "this application's sandbox"
            playing = variants.in_force()
            if playing:
                where += " playing the provider variant " + ", ".join(playing)
            target = _sandbox()
        else:
            raise CommandError(
                "Set SERWERSMS_CONTRACT_URL and a test account's credentials, "
                "or SANDBOX=true to check the sandbox."
            )
        with target as (base_url, credentials), _interrupt_on_sigterm():
            client = SerwerSMSClient(credentials, base_url)
            try:
                answers, left = contract.run(client)
            except SerwerSMSError as exc:
                raise CommandError(f"The check could not go on: {exc.message}") from None
        if options["save"]:
            saved_url = url or api_base_url(None)
            ContractCheck.objects.create(
                api_url=saved_url, answers=[asdict(answer) for answer in answers]
            )
            # What the app refuses up front from now on with this API (contacts_ui.provider).
            for answer in answers:
                for behaviour in answer.behaviours:
                    provider.remember(
                        saved_url, behaviour, f"The contract check: {answer.observed}"
                    )
            self.stdout.write(f"Saved for {saved_url}: the diagnostics page shows it.\n")
        self.stdout.write(f"The API's open behaviours, as {where} shows them:\n")
        self.stdout.write(table(answers))
        if left:
            self.stderr.write("Not deleted (delete them by hand): " + "; ".join(left))
        incompatible = [a.number for a in answers if a.compatible is False]
        if incompatible:
            raise CommandError(
                "Incompatible with this application: question "
                + ", ".join(map(str, incompatible))
                + "."
            )


def _verdict(answer: contract.Answer) -> str:
    return {True: "yes", False: "NO", None: "not shown"}[answer.compatible]


def table(answers: list[contract.Answer]) -> str:
    """A plain-text table: question, what we assume, what the API did, compatible."""
    rows = [("#", "question", "we assume", "the API did", "compatible")]
    rows += [(str(a.number), a.question, a.assumed, a.observed, _verdict(a)) for a in answers]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines) + "\n"
