from django.urls import path

from tverrnett.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("ny/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sak/", views.link_case, name="link_case"),
    path("<int:pk>/sak/fjern/", views.unlink_case, name="unlink_case"),
    path("varsel/<int:notice_pk>/bekreft/", views.acknowledge, name="acknowledge"),
    path("varsel/<int:notice_pk>/send-videre/", views.forward, name="forward"),
    path("varsel/<int:notice_pk>/beslutning/", views.decide, name="decide"),
    path(
        "koordinator/<int:change_pk>/lest/",
        views.coordinator_change_read,
        name="coordinator_change_read",
    ),
]
