from django.urls import path

from tverrnett.agencies import views

app_name = "agencies"

urlpatterns = [
    path("etater/", views.agency_list, name="list"),
    path("etater/hvem-kontakter-jeg/", views.who_to_contact_view, name="who_to_contact"),
    path("etater/<int:pk>/", views.agency_detail, name="detail"),
    path("etater/<int:pk>/endre/", views.agency_edit, name="edit"),
    path(
        "etater/<int:pk>/saerlige-kategorier/",
        views.special_categories,
        name="special_categories",
    ),
    path(
        "etater/<int:pk>/saerlige-kategorier/<int:membership_pk>/gi/",
        views.grant_special_categories,
        name="grant_special_categories",
    ),
    path(
        "etater/<int:pk>/saerlige-kategorier/tilgang/<int:permission_pk>/trekk-tilbake/",
        views.revoke_special_categories,
        name="revoke_special_categories",
    ),
]
