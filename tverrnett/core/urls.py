from django.urls import path

from tverrnett.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("tilgjengelighet/", views.accessibility_statement, name="accessibility"),
]
