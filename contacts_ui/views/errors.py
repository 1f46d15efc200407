"""The page for a server error: a plain 503 while the database cannot be reached (a restart
of PostgreSQL, say), Django's own 500 page otherwise."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

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
