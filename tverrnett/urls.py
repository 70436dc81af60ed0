from django.urls import include, path
from django.views.i18n import set_language

from tverrnett.access.rules import public

urlpatterns = [
    path("", include("tverrnett.core.urls")),
    path("", include("tverrnett.accounts.urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
]
