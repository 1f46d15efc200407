"""The health endpoints, /healthz and /readyz (contacts_ui.health says what each checks).
Mounted in webapp/urls.py, answered early by contacts_ui.health.ProbeMiddleware."""

from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from health_check.views import HealthCheckView

from contacts_ui.health import CacheAnswers, DatabaseAnswers, MigrationsApplied, WorkerSeen

# --- /healthz ------------------------------------------------------------------------------


@never_cache
def healthz(request) -> HttpResponse:
    """The process answers; nothing else is touched."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


class ReadinessView(HealthCheckView):
    """django-health-check's view with our four checks, answering 503 (not its 500) when
    one fails: a load balancer takes 503 for "not ready", and a 500 would read as a bug."""

    checks = (DatabaseAnswers, CacheAnswers, MigrationsApplied, WorkerSeen)

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response


_readiness = ReadinessView.as_view()


def readyz(request) -> HttpResponse:
    """The instance can serve. A plain function view, so that ProbeMiddleware can call it
    under WSGI: the library's view is asynchronous."""
    response = async_to_sync(_readiness)(request)
    # Rendered here: ProbeMiddleware returns it before Django's handler would render it.
    if hasattr(response, "render"):
        response.render()
    # A 503 here is an answer, not a fault of the server: no "Service Unavailable" error line
    # from django.request (nor a mail to ADMINS) every few seconds while a check fails. The
    # request line and health_check's warning for the failed check still say it.
    response._has_been_logged = True
    return response
