from django.urls import path

from tverrnett.meetings import views

app_name = "meetings"

urlpatterns = [
    path("forum/<int:forum_pk>/nytt/", views.meeting_create, name="create"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/endre/", views.meeting_edit, name="edit"),
    path("<int:pk>/saksliste/ny/", views.agenda_add, name="agenda_add"),
    path("<int:pk>/saksliste/utskrift/", views.agenda_print, name="print"),
    path("<int:pk>/saksliste/pdf/", views.agenda_pdf, name="pdf"),
    path("<int:pk>/saksliste/<int:item_pk>/referat/", views.minutes_write, name="minutes"),
    path("<int:pk>/saksliste/<int:item_pk>/vedtak/", views.decision_record, name="decision"),
]
