"""Which SerwerSMS API a request talks to, and a client for it with given credentials."""

import time

from django.conf import settings
from django.http import HttpRequest

from .serwersms import Credentials, SerwerSMSClient


def api_base_url(request: HttpRequest) -> str:
    """SERWERSMS_API_URL; if unset, the embedded sandbox on this very server, or production.

    The request is not read: its Host header is the client's to choose, and an address
    built from it would let a signed-in user point the server's calls (and a job's, which
    keeps the address) at any port of an allowed host name. SANDBOX_API_URL comes from
    configuration (webapp/settings.py)."""
    if settings.SERWERSMS_API_URL:
        return settings.SERWERSMS_API_URL
    if settings.SANDBOX:
        return settings.SANDBOX_API_URL
    return settings.SERWERSMS_PRODUCTION_URL


def client_for(request: HttpRequest, credentials: Credentials) -> SerwerSMSClient:
    """A page's client: all its calls end within SERWERSMS_REQUEST_BUDGET seconds, so that
    a slow or hanging API never holds a server thread longer (reads are retried within it)."""
    deadline = time.monotonic() + settings.SERWERSMS_REQUEST_BUDGET
    return SerwerSMSClient(credentials, api_base_url(request), deadline=deadline)
