from django.urls import path

from tverrnett.guidance import views

app_name = "guidance"

urlpatterns = [
    path("veiledning/", views.resources, name="resources"),
    path("veiledning/ny/", views.new_request, name="new"),
    path("veiledning/mine/", views.my_requests, name="mine"),
    path("veiledning/innboks/", views.inbox, name="inbox"),
    path("veiledning/bibliotek/", views.library, name="library"),
    path("veiledning/bibliotek/ny/", views.library_add, name="library_add"),
    path("veiledning/bibliotek/<int:pk>/endre/", views.library_edit, name="library_edit"),
    path(
        "veiledning/bibliotek/<int:pk>/avpubliser/",
        views.library_unpublish,
        name="library_unpublish",
    ),
    path("veiledning/<int:pk>/", views.detail, name="detail"),
]
