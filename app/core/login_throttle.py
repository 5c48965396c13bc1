"""Admin login throttling: per client IP + username, and per client IP, in a shared cache.

Every POST to the admin login page counts as an attempt before the password is checked
(so concurrent guessers are counted too, and a throttled guess costs no password hash);
a successful login clears its IP + username counter. Past the limit within the window
the answer is 429 with Retry-After. The counters live in the ``login_throttle`` cache
(settings.CACHES): a file cache under /tmp by default, shared by the instance's gunicorn
workers without Redis; each Cloud Run instance counts on its own.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import caches
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from core.middleware import Handler

logger = logging.getLogger(__name__)

CACHE_ALIAS = "login_throttle"
DEFAULTS = {"attempts_per_user": 5, "attempts_per_ip": 50, "window_seconds": 300}


def _limits() -> dict[str, int]:
    return {**DEFAULTS, **getattr(settings, "LOGIN_THROTTLE", {})}


def client_ip(request: HttpRequest) -> str:
    """The caller's address. Behind Cloud Run (SECURE_PROXY_SSL_HEADER set: the proxy is
    trusted) that is the last X-Forwarded-For entry, the one Google's front end appended;
    entries before it are whatever the client sent."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded.strip():
        return forwarded.rsplit(",", 1)[-1].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", ""))


def _keys(ip: str, username: str) -> tuple[str, str]:
    # Hashed: usernames are caller-controlled text, and cache keys must stay short and safe.
    user = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login:{ip}:{user}", f"login:{ip}"


@contextmanager
def _exclusive() -> Iterator[None]:
    """Serialise counting across the instance's workers.

    The file cache's incr() is read-then-write: 16 concurrent guessers on 4 workers got
    10 attempts through a limit of 5 without this lock. A file lock next to the cache
    files makes the count exact per instance; other backends (Redis, memcached) have an
    atomic incr and need none.
    """
    location = settings.CACHES[CACHE_ALIAS].get("LOCATION", "")
    if "filebased" not in settings.CACHES[CACHE_ALIAS]["BACKEND"] or not location:
        yield
        return
    Path(location).mkdir(parents=True, exist_ok=True)
    with (Path(location) / ".count.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _count(key: str, window: int) -> int:
    cache = caches[CACHE_ALIAS]
    with _exclusive():
        cache.add(key, 0, timeout=window)  # starts the window
        try:
            return cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            return 1


class LoginThrottleMiddleware:
    """Answers 429 to the admin login POST past the limits; listed after CsrfViewMiddleware
    so a forged request is refused before it counts against anyone."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._login_path: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method != "POST":
            return None
        if self._login_path is None:
            self._login_path = reverse("admin:login")
        if request.path_info != self._login_path:
            return None
        limits = _limits()
        window = limits["window_seconds"]
        ip = client_ip(request)
        user_key, ip_key = _keys(ip, str(request.POST.get("username", "")))
        per_user, per_ip = _count(user_key, window), _count(ip_key, window)
        if per_user <= limits["attempts_per_user"] and per_ip <= limits["attempts_per_ip"]:
            return None
        logger.warning("admin login throttled for %s (%d attempts for this user)", ip, per_user)
        response = HttpResponse(
            "Too many login attempts. Try again in a few minutes.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(window)
        return response


@receiver(user_logged_in, dispatch_uid="core.login_throttle.clear")
def clear_on_success(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is None:
        return
    user_key, _ = _keys(client_ip(request), str(request.POST.get("username", "")))
    caches[CACHE_ALIAS].delete(user_key)
