from django.urls import path

from tverrnett.announcements import views

app_name = "announcements"

urlpatterns = [
    path("", views.announcement_list, name="list"),
    path("ny/", views.announcement_create, name="create"),
    path("<int:pk>/", views.announcement_detail, name="detail"),
    path("<int:pk>/marker-lest/", views.announcement_mark_read, name="mark_read"),
    path("<int:pk>/lest/", views.announcement_receipts, name="receipts"),
]
