from django.urls import path

from tverrnett.measures import views

app_name = "measures"

# The case pages live beside the case's own under saker/<pk>/.
urlpatterns = [
    path("saker/<int:pk>/tiltak/", views.measure_list, name="list"),
    path("saker/<int:pk>/tiltak/nytt/", views.add_measure, name="add"),
    path("saker/<int:pk>/tiltak/<int:measure_pk>/endre/", views.edit_measure, name="edit"),
    path(
        "saker/<int:pk>/tiltak/<int:measure_pk>/evaluer/",
        views.evaluate_measure,
        name="evaluate",
    ),
    # Outside a case.
    path("tiltak/typer/", views.catalogue, name="catalogue"),
]
