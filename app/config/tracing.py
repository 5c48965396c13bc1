"""Tracing: OpenTelemetry spans for each request and each SQL statement, sent to Cloud Trace.

Off unless DJANGO_TRACE_SAMPLE_RATE is above 0 (the stack sets it; tests never do). Spans go
over OTLP/HTTP to Cloud Trace's endpoint with the runtime identity's credentials: no gRPC
stack in the image, no key. DJANGO_TRACE_ENDPOINT sends them to another OTLP collector
instead (a local one), without Google credentials.

The request log line carries the same trace id as the spans: LogTraceBridge, right after
OpenTelemetry's middleware, hands the request's span to core's request log as a W3C
traceparent, so a log line and its trace are one click apart in Cloud Logging.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from config.env import env_str

CLOUD_TRACE_OTLP = "https://telemetry.googleapis.com/v1/traces"
logger = logging.getLogger(__name__)


def sample_rate() -> float:
    """DJANGO_TRACE_SAMPLE_RATE: 0 or unset (off) up to 1 (every request)."""
    raw = env_str("DJANGO_TRACE_SAMPLE_RATE") or "0"
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ImproperlyConfigured(
            f"DJANGO_TRACE_SAMPLE_RATE={raw!r} must be a fraction from 0 (off) to 1 (every request)"
        )
    return rate


def _google_session():
    import google.auth
    from google.auth.transport.requests import AuthorizedSession

    credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    return AuthorizedSession(credentials)


def start_tracing() -> None:
    """Install the tracer provider and instrument Django and psycopg (once per process tree:
    gunicorn preloads the app, and the batch exporter restarts its thread after each fork).
    OpenTelemetry is imported here, not at module level: production settings import this
    module for sample_rate() on every start, traced or not (make bench: ~5 ms)."""
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter,
    )
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    resource = Resource.create(
        {
            "service.name": env_str("K_SERVICE", "django-app"),
            "service.version": str(getattr(settings, "APP_VERSION", "dev")),
            # Cloud Trace files OTLP spans under this project.
            "gcp.project_id": str(getattr(settings, "GOOGLE_CLOUD_PROJECT", "")),
        }
    )
    # ParentBased: a caller's sampling decision (Cloud Run's front end) is kept.
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(TraceIdRatioBased(sample_rate()))
    )
    endpoint = env_str("DJANGO_TRACE_ENDPOINT")
    session = None
    if not endpoint:
        import google.auth.exceptions

        try:
            session = _google_session()
        except google.auth.exceptions.DefaultCredentialsError:
            # Cloud Run always has the runtime identity; without credentials this is a run
            # elsewhere with production settings. Tracing is observability: the app serves
            # without it instead of refusing to start.
            logger.warning(
                "tracing off: no Google credentials for Cloud Trace "
                "(set DJANGO_TRACE_ENDPOINT for a local OTLP collector, or run with ADC)"
            )
            return
    exporter = OTLPSpanExporter(endpoint=endpoint or CLOUD_TRACE_OTLP, session=session, timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument(tracer_provider=provider, middleware_position=0)
    PsycopgInstrumentor().instrument(tracer_provider=provider)


class TracingConfig(AppConfig):
    """Added to INSTALLED_APPS by production settings when a sample rate is set."""

    name = "config"
    label = "config_tracing"
    verbose_name = "Tracing"

    def ready(self) -> None:
        start_tracing()


class LogTraceBridge:
    """Gives core's request log the current span's trace (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from opentelemetry import trace

        self.get_response = get_response
        self._current_span = trace.get_current_span

    def __call__(self, request: HttpRequest) -> HttpResponse:
        span = self._current_span().get_span_context()
        if span.is_valid:
            flags = int(span.trace_flags)
            request.META["HTTP_TRACEPARENT"] = (
                f"00-{span.trace_id:032x}-{span.span_id:016x}-{flags:02x}"
            )
            request.__dict__.pop("headers", None)  # a cached view of META, if already built
        return self.get_response(request)
