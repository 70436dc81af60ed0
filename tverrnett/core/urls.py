from django.urls import path

from tverrnett.core import metrics, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Behind a bearer token; a 404 without it (core.metrics, docs/operations.md).
    path("metrics", metrics.metrics_view, name="metrics"),
    path("tilgjengelighet/", views.accessibility_statement, name="accessibility"),
]
