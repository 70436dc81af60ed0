from django.urls import path

from tverrnett.accounts import oidc_views, views

app_name = "accounts"

urlpatterns = [
    path("logg-inn/", views.login_view, name="login"),
    path("logg-inn/kode/", views.mfa_view, name="mfa"),
    path("logg-inn/oidc/utlogget/", oidc_views.frontchannel_logout_view, name="oidc_logout"),
    path("logg-inn/oidc/<slug:slug>/", oidc_views.oidc_start_view, name="oidc_start"),
    path("logg-inn/oidc/<slug:slug>/tilbake/", oidc_views.oidc_callback_view, name="oidc_callback"),
    path("logg-ut/", views.logout_view, name="logout"),
    path("hold-innlogget/", views.keep_alive_view, name="keep_alive"),
    path("okt/", views.session_status_view, name="session_status"),
    path("bytt-etat/", views.switch_agency_view, name="switch_agency"),
]
