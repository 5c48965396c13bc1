"""Outgoing e-mail from one secret: DJANGO_EMAIL_URL -> Django's own SMTP backend settings.

https://docs.djangoproject.com/en/5.2/topics/email/#smtp-backend

Accepted forms (user and password percent-encoded, e.g. ``urllib.parse.quote(p, safe="")``):

- ``smtp+starttls://user:password@host:587``: submission with STARTTLS (port 587 default)
- ``smtps://user:password@host:465``: implicit TLS (port 465 default)
- ``smtp://127.0.0.1:1025``: plain SMTP, loopback hosts only (a relay beside the app)
- ``console://``: mail printed to stdout, local settings only

Nothing else: plain SMTP to another host would send the password and every reset link in
clear text. Google Cloud blocks outbound connections to port 25, so a provider is reached
on 587 or 465. Errors name the variable and the accepted forms, never the value (it holds
the password).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.env import env_str

URL_VARIABLE = "DJANGO_EMAIL_URL"
FROM_VARIABLE = "DJANGO_DEFAULT_FROM_EMAIL"
# Per socket operation (connect, TLS handshake, each SMTP command): a dead or slow server
# costs a request at most this long instead of holding a gunicorn thread indefinitely.
TIMEOUT_SECONDS = 10
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
_FORMS = (
    "smtp+starttls://user:password@host:587 (STARTTLS), "
    "smtps://user:password@host:465 (implicit TLS), "
    "smtp://127.0.0.1:port (plain, loopback only)"
)
_DEFAULT_PORTS = {"smtp+starttls": 587, "smtps": 465, "smtp": 25}
_GCP_PORT_25 = (
    "Google Cloud blocks outbound connections to port 25: use your provider's submission "
    "port, 587 with smtp+starttls:// or 465 with smtps://"
)


@dataclass(frozen=True)
class EmailServer:
    """What Django's SMTP (or console) backend needs."""

    backend: str
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = field(default="", repr=False)
    use_tls: bool = False
    use_ssl: bool = False

    def settings(self) -> dict[str, Any]:
        """The EMAIL_* settings for this server."""
        return {
            "EMAIL_BACKEND": self.backend,
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": self.user,
            "EMAIL_HOST_PASSWORD": self.password,
            "EMAIL_USE_TLS": self.use_tls,
            "EMAIL_USE_SSL": self.use_ssl,
            "EMAIL_TIMEOUT": TIMEOUT_SECONDS,
        }


def _refuse(problem: str, *, forms: str = _FORMS) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{URL_VARIABLE} {problem}; accepted forms: {forms}")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(parts: SplitResult, scheme: str) -> int:
    try:
        port = parts.port
    except ValueError:
        # Never echo it: a '/', '?', '#' or ':' left unencoded in the password lands here.
        raise _refuse(
            "has a port that is not a number from 1 to 65535 (percent-encode the user and "
            "password if they contain : / ? # @)"
        ) from None
    if port == 0:
        raise _refuse("has port 0")
    return port or _DEFAULT_PORTS[scheme]


def parse_email_url(url: str, *, allow_console: bool, allow_plain_remote: bool) -> EmailServer:
    """The server ``url`` names (see the module docstring), or ImproperlyConfigured."""
    scheme, separator, _ = url.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in {*_DEFAULT_PORTS, "console"}:
        raise _refuse("has an unknown scheme (expected smtp+starttls, smtps, smtp or console)")
    if scheme == "console":
        if not allow_console:
            raise _refuse("is console://, which only prints mail: local settings only")
        return EmailServer(backend=CONSOLE_BACKEND)
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _refuse(
            "has a path, query or fragment after the host: nothing may follow host:port "
            "(percent-encode the user and password if they contain : / ? # @)"
        )
    host = parts.hostname or ""
    if not host:
        raise _refuse("has no host")
    port = _port(parts, scheme)
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if bool(user) != bool(password):
        # Django logs in only with both: one alone would silently send unauthenticated.
        raise _refuse("has a user without a password or a password without a user")
    if not is_loopback(host):
        if port == 25:
            raise _refuse(f"uses port 25 to {host}: {_GCP_PORT_25}")
        if scheme == "smtp" and not allow_plain_remote:
            raise _refuse(
                f"is plain smtp:// to {host}, which would send the password and reset links "
                "unencrypted: use smtp+starttls:// (587) or smtps:// (465)"
            )
    if scheme == "smtp+starttls" and port == 465:
        raise _refuse("uses STARTTLS on port 465, which speaks implicit TLS: use smtps://")
    if scheme == "smtps" and port == 587:
        raise _refuse("uses implicit TLS on port 587, which speaks STARTTLS: use smtp+starttls://")
    return EmailServer(
        backend=SMTP_BACKEND,
        host=host,
        port=port,
        user=user,
        password=password,
        use_tls=scheme == "smtp+starttls",
        use_ssl=scheme == "smtps",
    )


def from_address(default: str) -> str:
    """DJANGO_DEFAULT_FROM_EMAIL (``Name <address>`` or ``address``), else ``default``."""
    value = env_str("DJANGO_DEFAULT_FROM_EMAIL") or default
    if "@" not in parseaddr(value)[1] or "\n" in value or "\r" in value:
        raise ImproperlyConfigured(
            f"{FROM_VARIABLE}={value!r} is not an e-mail address: give the sender the "
            "provider accepts, e.g. no-reply@example.com or 'Acme <no-reply@example.com>'"
        )
    return value


def email_settings(*, local: bool) -> dict[str, Any]:
    """Every e-mail setting from the environment, plus PASSWORD_RESET_ENABLED.

    Production (``local=False``): without DJANGO_EMAIL_URL nothing can be sent, so the
    password reset is switched off rather than offered and silently dropped; with it, the
    sender address must be set too (a provider refuses Django's webmaster@localhost).
    Locally the console backend is the default, so the reset flow works and prints its mail.
    """
    url = env_str("DJANGO_EMAIL_URL")
    if not url and not local:
        return {"PASSWORD_RESET_ENABLED": False}
    server = (
        parse_email_url(url, allow_console=local, allow_plain_remote=local)
        if url
        else EmailServer(backend=CONSOLE_BACKEND)
    )
    if not local and not env_str("DJANGO_DEFAULT_FROM_EMAIL"):
        raise ImproperlyConfigured(
            f"{FROM_VARIABLE} is not set: {URL_VARIABLE} is, so give the sender address "
            "your provider accepts, e.g. no-reply@example.com"
        )
    sender = from_address("webmaster@localhost")
    return {
        **server.settings(),
        "DEFAULT_FROM_EMAIL": sender,
        "SERVER_EMAIL": sender,
        "PASSWORD_RESET_ENABLED": True,
    }
