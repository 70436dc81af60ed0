from django.urls import path

from tverrnett.logreview import views

app_name = "logreview"

urlpatterns = [
    path("", views.review, name="review"),
    path("<int:entry_id>/", views.mark_reviewed, name="mark"),
]
