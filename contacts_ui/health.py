"""Health endpoints for load balancers and platforms (issue 20).

/healthz says the process answers: nothing else is touched (no database, cache or network),
so a restart is never triggered by a database outage that a restart would not cure.

/readyz says whether this instance can serve: the database answers a trivial query, the
cache stores and returns a key, every migration on disk is applied, and a task worker was
seen within WORKER_SEEN_SECONDS. It runs on django-health-check; 200 when all pass, 503
otherwise. Each check fails with a fixed sentence of ours, never the exception's text, which
can hold a host name, a port or a DSN.

Both answer before SecurityMiddleware (ProbeMiddleware below): a load balancer probes over
plain HTTP, with the instance's IP address as Host. The views are in the views package (health.py);
the checks, the middleware and the worker's heartbeat here.
"""

import datetime
import os
import socket

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.urls import resolve
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from contacts_ui.cache import UNREACHABLE, ForgivingRedisCache
from contacts_ui.logs import PROBE_PATHS
from contacts_ui.models import WorkerHeartbeat

# --- Answering before the host and HTTPS checks ------------------------------------------


class ProbeMiddleware:
    """Answers /healthz and /readyz before SecurityMiddleware and CommonMiddleware.

    A load balancer probes each instance over plain HTTP with its IP address as Host: with
    HTTPS_ONLY on, SecurityMiddleware would answer 301, and with a strict ALLOWED_HOSTS,
    request.get_host() would answer 400. SECURE_REDIRECT_EXEMPT would cure only the first,
    and adding every instance's address to ALLOWED_HOSTS is brittle (addresses change with
    each deploy). Answering here cures both without loosening either for any other URL: the
    probes never read the Host header, and they set no cookie, use no session, need no CSRF
    token and are never cached. Neither endpoint says anything a stranger could use.

    The views stay mounted in webapp/urls.py, where a reader looks for URLs; this only calls
    them early. Placed just after contacts_ui.logs.RequestLogMiddleware (the request id).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PROBE_PATHS:
            return resolve(request.path_info).func(request)
        return self.get_response(request)


# --- /readyz: the checks --------------------------------------------------------------------


class _RequestThreadCheck(HealthCheck):
    """A check named `name`, whose `check()` runs in the request's own thread (sync_to_async,
    thread_sensitive), where Django's database connection for this request lives, rather
    than in a thread of a pool that would open connections of its own and keep them. The
    checks are not dataclasses: a dataclass's __repr__ would replace the name, which the
    library's answers show."""

    name = ""
    timeout = datetime.timedelta(seconds=3)

    def __repr__(self) -> str:
        return self.name

    async def run(self) -> None:
        await sync_to_async(self.check, thread_sensitive=True)()

    def check(self) -> None:
        raise NotImplementedError


class DatabaseAnswers(_RequestThreadCheck):
    name = "database"

    def check(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                answer = cursor.fetchone()
        except DatabaseError as error:
            raise ServiceUnavailable("the database cannot be reached") from error
        if answer != (1,):
            raise ServiceUnavailable("the database answered something unexpected")


class CacheAnswers(_RequestThreadCheck):
    name = "cache"

    def check(self) -> None:
        cache = caches["default"]
        # ForgivingRedisCache answers like an empty cache while Redis is down, so that pages
        # go on: asking it would always pass. Redis is asked directly, through Django's own
        # RedisCache methods, which let the connection error through.
        asking = RedisCache if isinstance(cache, ForgivingRedisCache) else type(cache)
        key = f"readyz:{process_name()}"
        value = timezone.now().isoformat()
        try:
            asking.set(cache, key, value, 10)
            stored = asking.get(cache, key)
        except UNREACHABLE as error:
            raise ServiceUnavailable("the cache cannot be reached") from error
        if stored != value:
            raise ServiceUnavailable("the cache did not return what was stored")


# What is on disk does not change while the process runs: read once (imports every
# migration module). Each probe then asks the database only which ones it has applied.
_migrations_on_disk: set[tuple[str, str]] | None = None


def _migrations_in_code() -> set[tuple[str, str]]:
    global _migrations_on_disk
    if _migrations_on_disk is None:
        # Without a connection, a squashed migration stands for the ones it replaces.
        _migrations_on_disk = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    return _migrations_on_disk


class MigrationsApplied(_RequestThreadCheck):
    name = "migrations"

    def check(self) -> None:
        try:
            applied = set(MigrationRecorder(connection).applied_migrations())
        except DatabaseError as error:
            raise ServiceUnavailable("the applied migrations cannot be read") from error
        unapplied = _migrations_in_code() - applied
        if unapplied:
            # How many, not which: the names say which versions run here.
            raise ServiceUnavailable(f"{len(unapplied)} migration(s) not applied")


class WorkerSeen(_RequestThreadCheck):
    name = "worker"

    def check(self) -> None:
        since = timezone.now() - datetime.timedelta(seconds=settings.WORKER_SEEN_SECONDS)
        try:
            seen = WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()
        except DatabaseError as error:
            raise ServiceUnavailable("the workers cannot be read") from error
        if not seen:
            raise ServiceUnavailable(
                f"no task worker seen in the last {settings.WORKER_SEEN_SECONDS} s"
            )


# --- The worker's heartbeat ------------------------------------------------------------------

# A row left by a worker that was killed (no clean exit) is deleted after this long.
FORGET_WORKERS_AFTER = datetime.timedelta(days=1)


def process_name() -> str:
    """This process, as host:pid: a worker's heartbeat row, the cache check's own key."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive(name: str) -> None:
    """Records that the worker `name` is alive now, and forgets workers long gone."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": now})
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_WORKERS_AFTER).delete()


def worker_stopped(name: str) -> None:
    WorkerHeartbeat.objects.filter(name=name).delete()
