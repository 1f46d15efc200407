"""A real SMTP server for the tests (aiosmtpd on loopback), so that e-mail is proven to leave
through Django's SMTP backend, as EMAIL_URL=smtp://... sends it, not only into its outbox."""

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class _Inbox:
    """What the server was given: each message parsed, with its envelope's recipients."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse_with: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def body(self, index: int = -1) -> str:
        return self.messages[index].get_body(preferencelist=("plain",)).get_content()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    """The server on a free loopback port while in use, its inbox the value of `with`."""

    def __enter__(self) -> _Inbox:
        self.inbox = _Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=_free_port())
        self.controller.start()
        self.port = self.controller.port
        return self.inbox

    def __exit__(self, *exc_info):
        self.controller.stop()
