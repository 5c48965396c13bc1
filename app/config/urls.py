"""URL routes. The health paths are also answered by HealthProbeMiddleware before the host
and HTTPS checks; listing them here keeps them reversible and testable as ordinary views.
The password-reset routes (/password-reset/...) exist only when e-mail is configured
(core/password_reset.py)."""

from django.contrib import admin
from django.urls import path

from core import password_reset, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/live/", views.live, name="health-live"),
    path("health/ready/", views.ready, name="health-ready"),
    *password_reset.urlpatterns(),
    path("admin/", admin.site.urls),
]
