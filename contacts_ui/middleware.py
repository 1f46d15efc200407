"""Middleware of our own: one job each."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
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


class SessionRenewalMiddleware:
    """Move a session's expiry on, at most once every SESSION_RENEW_SECONDS.

    A session ends after SESSION_COOKIE_AGE without a request. Saving it on every
    request (SESSION_SAVE_EVERY_REQUEST) would cost a database write on every page;
    marking it changed once a minute keeps the idle limit to within that minute.
    Sits just inside SessionMiddleware, which saves it and sends the cookie again.
    """

    RENEWED_AT = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if not session.is_empty():
            now = int(time.time())
            if now - session.get(self.RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                session[self.RENEWED_AT] = now
        return response


class SecondFactorMiddleware:
    """A signed-in person who still owes the second step of signing in (contacts_ui
    .second_factor) opens nothing but it: the code page, or, where REQUIRE_2FA asks for one
    not set up yet, the set-up page. Logging out and the language switch stay open. What is
    owed was noted in the session at sign-in, so a page costs no query for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from . import second_factor

        owed = getattr(request, "session", {}).get(second_factor.OWED_SESSION_KEY)
        if owed and request.user.is_authenticated:
            step = (
                "contacts_ui:second_step"
                if owed == second_factor.VERIFY
                else "contacts_ui:two_factor_setup"
            )
            open_here = {reverse(step), reverse("logout"), reverse("set_language")}
            if request.path not in open_here:
                url = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
                if request.htmx:
                    return HttpResponseClientRedirect(url)
                return redirect(url)
        return self.get_response(request)
