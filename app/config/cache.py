"""The shared cache: Django's built-in RedisCache when the stack has Memorystore, made to
degrade instead of fail.

A cache is an optimisation: when Redis is down or unreachable, reads miss, writes are
dropped and the request goes on (to the database), with one WARNING per outage rather than
a 500 per request. Short socket timeouts keep a vanished host from holding a request, and
after a failure Redis is left alone for RETRY_SECONDS so a dead cache costs nothing per call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import (  # pyright: ignore[reportMissingImports] (no stub)
    RedisCache,
    RedisCacheClient,
)

from config.env import env_str

logger = logging.getLogger("config.cache")
RETRY_SECONDS = 5.0
_FALLBACK: dict[str, Callable[..., Any]] = {
    "add": lambda *a: False,
    "get": lambda key, default: default,
    "set": lambda *a: None,
    "touch": lambda *a: False,
    "delete": lambda *a: False,
    "get_many": lambda *a: {},
    "has_key": lambda *a: False,
    "set_many": lambda data, timeout: list(data),  # every key failed
    "delete_many": lambda *a: None,
    "clear": lambda *a: False,
}


class DegradingRedisClient(RedisCacheClient):
    """RedisCacheClient whose failures are cache misses (incr: a missing key, ValueError)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _call(self, name: str, *args: Any) -> Any:
        if time.monotonic() < self._down_until:
            return self._fallback(name, *args)
        try:
            result = getattr(super(), name)(*args)
        except self._lib.RedisError as error:
            with self._lock:
                first = self._down_until == 0.0
                self._down_until = time.monotonic() + RETRY_SECONDS
            if first:
                logger.warning("cache unavailable, serving without it: %s", error)
            return self._fallback(name, *args)
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.warning("cache available again")
        return result

    @staticmethod
    def _fallback(name: str, *args: Any) -> Any:
        if name == "incr":
            raise ValueError("cache unavailable: nothing to increment")
        return _FALLBACK[name](*args)

    def add(self, key, value, timeout):
        return self._call("add", key, value, timeout)

    def get(self, key, default):
        return self._call("get", key, default)

    def set(self, key, value, timeout):
        return self._call("set", key, value, timeout)

    def touch(self, key, timeout):
        return self._call("touch", key, timeout)

    def delete(self, key):
        return self._call("delete", key)

    def get_many(self, keys):
        return self._call("get_many", keys)

    def has_key(self, key):
        return self._call("has_key", key)

    def incr(self, key, delta):
        return self._call("incr", key, delta)

    def set_many(self, data, timeout):
        return self._call("set_many", data, timeout)

    def delete_many(self, keys):
        return self._call("delete_many", keys)

    def clear(self):
        return self._call("clear")


class DegradingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = DegradingRedisClient


def redis_cache() -> dict[str, Any] | None:
    """The CACHES["default"] entry for DJANGO_CACHE_URL (redis://host:port/db), or None."""
    url = env_str("DJANGO_CACHE_URL")
    if not url:
        return None
    options: dict[str, Any] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    # Memorystore's AUTH string arrives from Secret Manager, never inside the URL.
    if password := env_str("DJANGO_CACHE_PASSWORD"):
        options["password"] = password
    return {
        "BACKEND": "config.cache.DegradingRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": env_str("K_SERVICE", "app"),
        "OPTIONS": options,
    }
