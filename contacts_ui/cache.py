"""Django's Redis cache, which Redis being down degrades instead of breaking.

The cache holds nothing that is not kept elsewhere: sessions are written through to the
database (SESSION_ENGINE cached_db), the group list is read again from the API, version
checks live in the database. So when Redis cannot be reached, every operation answers as a
cache that holds nothing would (a read misses, a write is dropped), and pages go on.

One warning is logged when Redis is lost, and one line when it is back; while it is down,
it is left alone for RETRY_SECONDS at a time, so that a page does not wait on a connection
time-out at each of its cache calls. After that, the next call tries Redis again: it is used
again as soon as it answers, without a restart.

A session deleted (a logout) while Redis is down is deleted from it once it is back, before
anything else is read there: a session ended must not come back from a Redis that kept it.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Outage:
    """This process's view of whether Redis answers, shared by its threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0
        # Keys deleted while Redis was down, to delete there once it is back.
        self.unsent_deletes: set[str] = set()

    def skipping(self) -> bool:
        return self.down and time.monotonic() < self.retry_at

    def lost(self, location: str, error: Exception) -> None:
        with self.lock:
            first, self.down = not self.down, True
            self.retry_at = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "The cache (Redis at %s) cannot be reached (%s): pages go on without it, "
                "reading from the database and the API; trying again every %s s.",
                location,
                error.__class__.__name__,
                RETRY_SECONDS,
            )

    def answered(self) -> None:
        """Redis answered: said once, when it was down until now."""
        if not self.down:
            return
        with self.lock:
            was_down, self.down = self.down, False
        if was_down:
            logger.warning("The cache (Redis) answers again and is used again.")


_MISSING = object()
_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        # Django makes a cache object per thread: the outage is the process's, per server.
        with _outages_lock:
            self._outage = _outages.setdefault(str(server), _Outage())

    def _try(self, operation, *args, default=None):
        if self._outage.skipping():
            return default
        try:
            self._send_unsent_deletes()
            result = operation(*args)
        except UNREACHABLE as error:
            self._outage.lost(",".join(self._servers), error)
            return default
        self._outage.answered()
        return result

    def _send_unsent_deletes(self) -> None:
        if not self._outage.unsent_deletes:
            return
        with self._outage.lock:
            keys, self._outage.unsent_deletes = self._outage.unsent_deletes, set()
        try:
            self._cache.delete_many(list(keys))  # keys made already
        except UNREACHABLE:
            with self._outage.lock:
                self._outage.unsent_deletes |= keys
            raise

    # Each operation as a cache holding nothing answers it, when Redis cannot be reached.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().add, key, value, timeout, version, default=False)

    def get(self, key, default=None, version=None):
        return self._try(super().get, key, default, version, default=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._try(super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().touch, key, timeout, version, default=False)

    def get_many(self, keys, version=None):
        return self._try(super().get_many, keys, version, default={})

    def has_key(self, key, version=None):
        return self._try(super().has_key, key, version, default=False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().set_many, data, timeout, version, default=list(data))

    def incr(self, key, delta=1, version=None):
        result = self._try(super().incr, key, delta, version, default=_MISSING)
        if result is _MISSING:
            # As for a key that is not there: the caller starts its count again.
            raise ValueError(f"Key '{key}' not found (the cache cannot be reached).")
        return result

    def delete(self, key, version=None):
        deleted = self._try(super().delete, key, version, default=_MISSING)
        if deleted is _MISSING:
            made = self.make_and_validate_key(key, version=version)
            with self._outage.lock:
                self._outage.unsent_deletes.add(made)
            return False
        return deleted

    def delete_many(self, keys, version=None):
        for key in keys:
            self.delete(key, version)

    def clear(self):
        return self._try(super().clear, default=False)
