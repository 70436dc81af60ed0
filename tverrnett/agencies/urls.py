from django.urls import path

from tverrnett.agencies import views

app_name = "agencies"

urlpatterns = [
    path("etater/", views.agency_list, name="list"),
    path("etater/hvem-kontakter-jeg/", views.who_to_contact_view, name="who_to_contact"),
    path("etater/<int:pk>/", views.agency_detail, name="detail"),
]
