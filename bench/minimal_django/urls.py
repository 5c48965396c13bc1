"""One view on the path the cold start waits for (``/health/ready/``)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path


def ready(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [path("health/ready/", ready)]
