from django.urls import path

from tverrnett.networks import views

app_name = "networks"

urlpatterns = [
    path("nettverk/", views.network_list, name="list"),
    path("nettverk/<int:pk>/", views.network_detail, name="detail"),
    path("nettverk/<int:pk>/helse/", views.network_health, name="health"),
    path("roller/<int:pk>/", views.role_detail, name="role"),
]
