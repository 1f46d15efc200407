"""The pages for errors: a plain 503 while the database cannot be reached (a restart of
PostgreSQL, say), Django's own 500 page otherwise; a 403 that names the person's role."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from .. import roles

# Long enough for a database restart; a browser or a proxy may ask again after it.
RETRY_AFTER_SECONDS = 30


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        # Rendered without the request: its user and messages would be read from the
        # database that is not there.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request, template_name)


def permission_denied(request, exception=None) -> HttpResponse:
    """A plain 403 page, in the admin's look, naming the person's role: what a role may not do
    is not offered, so this is reached by a URL typed by hand or a page left open while the
    role changed."""
    user = getattr(request, "user", None)
    role = roles.role_of(user) if user is not None and user.is_authenticated else None
    context = {
        "title": _("You may not do this"),
        "role": roles.ROLE_LABELS.get(role) if role else None,
    }
    return render(request, "403.html", context, status=403)
