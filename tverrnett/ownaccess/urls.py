from django.urls import path

from tverrnett.ownaccess import views

app_name = "ownaccess"

urlpatterns = [
    path("min-plan/logg-inn/", views.start, name="start"),
    path("min-plan/", views.plan, name="plan"),
    path("min-plan/<str:plan_pk>/mal/", views.add_goal, name="add_goal"),
    path("min-plan/<str:plan_pk>/kommentar/", views.add_comment, name="add_comment"),
    path(
        "min-plan/<str:plan_pk>/samtykke/<str:consent_pk>/trekk-tilbake/",
        views.request_withdrawal,
        name="request_withdrawal",
    ),
    path("min-plan/logg-ut/", views.logout, name="logout"),
]
