"""/metrics: the Prometheus metrics (contacts_ui.metrics), closed to the public.

Answered to a client whose address (as the login throttling sees it: behind BEHIND_PROXY, the
proxy's X-Forwarded-For entry, never nginx's loopback) is in METRICS_ALLOWED_IPS, or that sends
`Authorization: Bearer <METRICS_TOKEN>` over HTTPS. The token is refused over plain HTTP, where
anyone on the way could read it: /metrics is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT)
so that a Prometheus on the office network may scrape an instance directly, by the allow-list.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from contacts_ui import metrics
from contacts_ui.auth import client_address


def _allowed_address(request) -> bool:
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in settings.METRICS_ALLOWED_NETWORKS)


def _good_token(request) -> bool:
    if not settings.METRICS_TOKEN or not request.is_secure():
        return False
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        offered.strip().encode(), settings.METRICS_TOKEN.encode()
    )


@never_cache
@require_GET
def metrics_view(request) -> HttpResponse:
    if not (_allowed_address(request) or _good_token(request)):
        # Nothing said of why: a stranger learns neither the allow-list nor the token's use.
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain")
    return HttpResponse(generate_latest(metrics.registry()), content_type=CONTENT_TYPE_LATEST)
