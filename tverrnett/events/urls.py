from django.urls import path

from tverrnett.events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("ny/", views.event_create, name="create"),
    path("<int:event_id>/", views.event_detail, name="detail"),
    path("<int:event_id>/endre/", views.event_edit, name="edit"),
    path("<int:event_id>/pamelding/", views.register, name="register"),
    path("<int:event_id>/avmelding/", views.cancel_registration, name="cancel"),
    path("<int:event_id>/materiale/", views.material_upload, name="material_upload"),
    path("<int:event_id>/deltakere/", views.participants, name="participants"),
    path("materiale/<int:material_id>/", views.material_download, name="material"),
]
