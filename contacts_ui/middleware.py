"""Middleware of our own: one job each."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRedirectMiddleware:
    """Send the whole page, not a fragment, to the login form when an htmx request needs it.

    A session that has expired answers an htmx request with a redirect to the login
    page; htmx would follow it and swap the login form into the part of the page it
    was updating. A client-side redirect takes the browser there instead, and back
    to the page the person was on after logging in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.htmx
            and response.status_code == 302
            and response["Location"].startswith(settings.LOGIN_URL)
        ):
            back_to = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(
                f"{settings.LOGIN_URL}?{urlencode({'next': back_to})}"
            )
        return response
