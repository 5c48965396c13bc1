"""Content-Security-Policy and Permissions-Policy on every response that lacks them.

Django 5.2 has no CSP support of its own (it arrives in 6.0). The default policy allows
only this origin's scripts, styles, images and fonts, no plugins, no framing, forms posted
only here: the admin works under it (its templates carry no inline script or style; the
one inline <style> in change_list.html only renders when a model has no actions), which
tests/app/test_security_headers.py checks in headless Chromium. Both are settings
(CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY) so a page that needs more widens them
in one place.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.middleware import Handler

DEFAULT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Powerful browser features this service never uses, switched off for every frame.
DEFAULT_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP),
            "Permissions-Policy": getattr(
                settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY
            ),
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in self.headers.items():
            if value and not response.has_header(name):
                response[name] = value
        return response
