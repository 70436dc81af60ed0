from django.urls import path

from tverrnett.guidance import views

app_name = "guidance"

urlpatterns = [
    path("veiledning/", views.resources, name="resources"),
    path("veiledning/ny/", views.new_request, name="new"),
    path("veiledning/mine/", views.my_requests, name="mine"),
    path("veiledning/innboks/", views.inbox, name="inbox"),
    path("veiledning/<int:pk>/", views.detail, name="detail"),
]
