from django.urls import path

from tverrnett.accounts import views

app_name = "accounts"

urlpatterns = [
    path("logg-inn/", views.login_view, name="login"),
    path("logg-inn/kode/", views.mfa_view, name="mfa"),
    path("logg-ut/", views.logout_view, name="logout"),
    path("bytt-etat/", views.switch_agency_view, name="switch_agency"),
]
