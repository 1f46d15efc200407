"""The sandbox's HTTP face: `POST /sandbox/api/<resource>/<action>.json`.

Decodes the body (JSON or form-encoded), applies the fault knobs from
settings (SANDBOX_LATENCY_MS, SANDBOX_FAILURE_RATE, SANDBOX_FAILURE_MODES)
and answers as the provider does: HTTP 200 with a JSON object. A client
address that fails to sign in too often is refused without a check
(SANDBOX_AUTH_FAILURE_LIMIT).
"""

import contextlib
import json
import logging
import random
import socket
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ..auth import client_address
from . import api

logger = logging.getLogger(__name__)

# Faults that strike before the action runs (nothing changes) and after it
# (the change is made but the caller never learns the outcome).
FAULTS_BEFORE = ("http500", "api_error")
FAULTS_AFTER = ("timeout", "malformed", "disconnect")

# The injected internal error's code: one the provider does not document, so the app
# treats it as an unknown refusal. 3000 is the provider's "SMS ECO+ limit exhausted".
INJECTED_ERROR_CODE = 9999


def _answer(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _decode_params(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        # json.loads raises RecursionError, not ValueError, for a body nested too deep.
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise api.ApiError(1006, "InvalidData", "Treść zapytania nie jest poprawnym JSON.")
        if not isinstance(data, dict):
            raise api.ApiError(1006, "InvalidData", "Treść zapytania musi być obiektem JSON.")
        return data
    params = {}
    for key in request.POST:
        values = request.POST.getlist(key)
        if key.endswith("[]"):
            params[key[:-2]] = values
        else:
            params[key] = values if len(values) > 1 else values[0]
    return params


def _pick_fault(resource: str, action: str) -> str | None:
    """The fault this call meets, if any: at random, at SANDBOX_FAILURE_RATE (tests aim
    theirs at a call by its resource and action)."""
    rate = settings.SANDBOX_FAILURE_RATE
    modes = [m for m in settings.SANDBOX_FAILURE_MODES if m in FAULTS_BEFORE + FAULTS_AFTER]
    if rate <= 0 or not modes or random.random() >= rate:
        return None
    return random.choice(modes)


# --- Failed sign-ins, per client address ----------------------------------------------
# Counted in Django's cache (shared by every process only when that is Redis), in a window
# that starts at an address's first failure: past the limit, its calls are answered with
# the provider's "wrong login" error, unchecked, until the window ends.


def _failures_key(address: str | None) -> str:
    return f"sandbox-auth-failures:{address}"


def _locked_out(address: str | None) -> bool:
    return cache.get(_failures_key(address), 0) >= settings.SANDBOX_AUTH_FAILURE_LIMIT


def _count_failure(address: str | None) -> None:
    key, window = _failures_key(address), settings.SANDBOX_AUTH_FAILURE_WINDOW_SECONDS
    # add() starts the window; incr() keeps its end. A window that ended between the two
    # (incr finds no key) starts again.
    failures = 1
    if not cache.add(key, failures, timeout=window):
        try:
            failures = cache.incr(key)
        except ValueError:
            cache.add(key, failures, timeout=window)
    if failures == settings.SANDBOX_AUTH_FAILURE_LIMIT:
        logger.warning("Sandbox: %s failed to sign in %d times; locked out", address, failures)


def _failed_sign_in(data: dict) -> bool:
    return data.get("error", {}).get("code") == api.invalid_user().code


# SQLite takes one writer at a time, and Django's test server shares one connection
# between its request threads: there the sandbox answers one call at a time (the
# latency above still overlaps, as a remote service's would).
_SQLITE_ONE_AT_A_TIME = threading.Lock()


def _one_at_a_time():
    return _SQLITE_ONE_AT_A_TIME if connection.vendor == "sqlite" else contextlib.nullcontext()


def _drop_connection(request: HttpRequest) -> None:
    """Close the client's connection with no answer, as a failing network would."""
    sock = request.META.get("gunicorn.socket")
    if sock is None:
        # Django's development and test servers: the raw socket behind wsgi.input.
        # Django wraps that stream in a LimitedStream that keeps its bound read().
        stream = request.META.get("wsgi.input")
        stream = getattr(getattr(stream, "_read", None), "__self__", stream)
        sock = getattr(getattr(stream, "raw", None), "_sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@csrf_exempt
def api_call(request: HttpRequest, resource: str, action: str) -> HttpResponse:
    if request.method != "POST":
        return _answer(api.invalid_action().as_dict(), status=405)
    address = client_address(request)
    # At once: no latency, no database, no turn at the SQLite lock that the app's calls wait
    # for. The same answer as wrong credentials, so a guess tells nothing.
    if _locked_out(address):
        return _answer(api.invalid_user().as_dict())
    if settings.SANDBOX_LATENCY_MS > 0:
        time.sleep(settings.SANDBOX_LATENCY_MS / 1000)

    fault = _pick_fault(resource, action)
    if fault == "http500":
        return HttpResponse("<h1>Internal Server Error</h1>", status=500, content_type="text/html")
    if fault == "api_error":
        error = api.ApiError(
            INJECTED_ERROR_CODE,
            "InternalError",
            "Wystąpił błąd wewnętrzny. Spróbuj ponownie później.",
        )
        return _answer(error.as_dict())

    try:
        params = _decode_params(request)
    except api.ApiError as error:
        data = error.as_dict()
    else:
        with _one_at_a_time():
            data = api.call(request.headers.get("Authorization", ""), resource, action, params)
        if _failed_sign_in(data):
            _count_failure(address)

    if fault == "timeout":
        time.sleep(settings.SANDBOX_TIMEOUT_SECONDS)
    elif fault == "malformed":
        # A cut-off answer: starts like JSON, is not (even when the answer is short).
        text = json.dumps(data)
        return HttpResponse(text[: min(20, len(text) - 1)], content_type="application/json")
    elif fault == "disconnect":
        _drop_connection(request)
    return _answer(data)
