from django.urls import path

from tverrnett.networks import views

app_name = "networks"

urlpatterns = [
    path("nettverk/", views.network_list, name="list"),
    path("nettverk/<int:pk>/", views.network_detail, name="detail"),
    path("nettverk/<int:pk>/helse/", views.network_health, name="health"),
    path("nettverk/<int:pk>/endre/", views.network_edit, name="edit"),
    path("nettverk/<int:pk>/medlemmer/", views.network_members, name="members"),
    path(
        "nettverk/<int:pk>/medlemmer/<int:member_pk>/fjern/",
        views.network_member_remove,
        name="member_remove",
    ),
    path(
        "nettverk/<int:pk>/medlemmer/<int:member_pk>/bekreft/",
        views.network_member_confirm,
        name="member_confirm",
    ),
    path("nettverk/<int:pk>/roller/ny/", views.role_create, name="role_create"),
    path(
        "nettverk/<int:pk>/nytt-undernettverk/",
        views.network_create_child,
        name="create_child",
    ),
    path("nettverk/<int:pk>/forum/ny/", views.forum_create, name="forum_create"),
    path("nettverk/forum/<int:forum_pk>/endre/", views.forum_edit, name="forum_edit"),
    path("roller/<int:pk>/", views.role_detail, name="role"),
]
