"""The pages for errors: a plain 503 while the database cannot be reached (a restart of
PostgreSQL, say), a plain 500 otherwise; a 403 that names the person's role. Each shows the
request's id (contacts_ui.logs), for the person to quote when they report it: the logs'
lines of that request carry it."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from .. import logs, roles

# Long enough for a database restart; a browser or a proxy may ask again after it.
RETRY_AFTER_SECONDS = 30


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    error = sys.exc_info()[1]
    # Both rendered without the request, as Django renders its 500 page: its user and
    # messages would be read from the database, which may be what failed.
    context = {"request_id": logs.current_request_id()}
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html", context), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(render_to_string(template_name, context))


def permission_denied(request, exception=None) -> HttpResponse:
    """A plain 403 page, in the admin's look, naming the person's role: what a role may not do
    is not offered, so this is reached by a URL typed by hand or a page left open while the
    role changed."""
    user = getattr(request, "user", None)
    role = roles.role_of(user) if user is not None and user.is_authenticated else None
    context = {
        "title": _("You may not do this"),
        "role": roles.ROLE_LABELS.get(role) if role else None,
        "request_id": logs.current_request_id(),
    }
    return render(request, "403.html", context, status=403)
