"""Home page and the health endpoints Cloud Run probes."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.health import readiness
from core.models import Currency


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"currencies": Currency.objects.all()})


def _build() -> dict[str, str]:
    return {"version": settings.APP_VERSION, "revision": settings.K_REVISION}


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process serves requests. Touches nothing external, so a database outage never
    makes Cloud Run restart healthy instances."""
    return JsonResponse({"status": "ok", **_build()})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """The database answers and every migration is applied; else 503 naming what failed."""
    results = readiness()
    failed = [result.name for result in results if not result.ok]
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {result.name: "ok" if result.ok else "failed" for result in results},
        "failed": failed,
        **_build(),
    }
    return JsonResponse(body, status=503 if failed else 200)
