"""Which SerwerSMS API a request talks to, and a client for it with given credentials."""

from django.conf import settings
from django.http import HttpRequest

from .serwersms import Credentials, SerwerSMSClient


def api_base_url(request: HttpRequest) -> str:
    """SERWERSMS_API_URL; if unset, the embedded sandbox on this very server, or production."""
    if settings.SERWERSMS_API_URL:
        return settings.SERWERSMS_API_URL
    if settings.SANDBOX:
        return request.build_absolute_uri("/sandbox/api/")
    return settings.SERWERSMS_PRODUCTION_URL


def client_for(request: HttpRequest, credentials: Credentials) -> SerwerSMSClient:
    return SerwerSMSClient(credentials, api_base_url(request))
