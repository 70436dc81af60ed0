from django.urls import path

from tverrnett.cases import task_views

app_name = "tasks"

urlpatterns = [
    path("", task_views.inbox, name="inbox"),
    path("<int:task_pk>/tildel/", task_views.assign, name="assign"),
]
