"""The admin's "forgotten password" flow: Django's own views, throttled per client IP.

Django's PasswordResetView already answers the same way whether or not the address
belongs to a user (no enumeration through the page) and logs, rather than raises, a mail
the server refused. What it lacks is a limit: every POST may send a mail, so a script
could flood an inbox or burn the provider's quota. Each POST is counted before the form is
read, per client IP and per requested address, with the admin login throttle's counters
(core/login_throttle.py: the same shared file cache, the same exact cross-worker count,
the same proxy-aware client address); past either limit the answer is 429 and nothing is
sent. The per-address limit bounds mails to one inbox from many addresses; it cannot lock
the owner out, since the mails it lets through carry working links.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

# _count is the login throttle's locked counter; sharing it keeps one counting mechanism.
from core.login_throttle import _count, client_ip

logger = logging.getLogger(__name__)

DEFAULTS = {"requests_per_ip": 10, "requests_per_address": 3, "window_seconds": 3600}


def _limits() -> dict[str, int]:
    return {**DEFAULTS, **getattr(settings, "PASSWORD_RESET_THROTTLE", {})}


def _too_many(window: int) -> HttpResponse:
    response = HttpResponse(
        "Too many password reset requests. Try again later.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(window)
    return response


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """PasswordResetView whose POST is counted first (after CSRF: dispatch checks it)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limits = _limits()
        window = limits["window_seconds"]
        ip = client_ip(request)
        address = str(request.POST.get("email", "")).strip().lower()
        # Hashed: the address is caller-controlled text, and cache keys stay short and safe.
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        per_ip = _count(f"reset:ip:{ip}", window)
        per_address = _count(f"reset:to:{digest}", window)
        if per_ip > limits["requests_per_ip"] or per_address > limits["requests_per_address"]:
            logger.warning(
                "password reset throttled for %s (%d requests from it, %d for the address)",
                ip,
                per_ip,
                per_address,
            )
            return _too_many(window)
        return super().post(request, *args, **kwargs)


def urlpatterns() -> list[URLPattern]:
    """The routes under the names the admin's templates look up; the login page shows its
    "forgotten" link only while ``admin_password_reset`` resolves, so without e-mail
    (settings.PASSWORD_RESET_ENABLED false) there are none: no link, and 404s. Outside
    /admin/: the admin sends an anonymous caller of any unknown path there to its login
    page, so a switched-off route under it would never answer 404."""
    if not getattr(settings, "PASSWORD_RESET_ENABLED", False):
        return []
    return [
        path(
            "password-reset/",
            ThrottledPasswordResetView.as_view(),
            name="admin_password_reset",
        ),
        path(
            "password-reset/done/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "password-reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            "password-reset/complete/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ]
