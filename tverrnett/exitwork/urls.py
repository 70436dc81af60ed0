from django.urls import path

from tverrnett.exitwork import views

app_name = "exitwork"

# Beside the case's own pages under saker/<pk>/.
urlpatterns = [
    path("saker/<int:pk>/exit/", views.overview, name="overview"),
    path("saker/<int:pk>/exit/start/", views.start, name="start"),
    path("saker/<int:pk>/exit/sjekkliste/", views.checklist, name="checklist"),
    path("saker/<int:pk>/exit/sjekkliste/<int:item_pk>/", views.step, name="step"),
    path("saker/<int:pk>/exit/politikontakt/", views.police_contact, name="police_contact"),
    path("saker/<int:pk>/exit/nav/", views.nav, name="nav"),
    path("saker/<int:pk>/exit/forslag/", views.suggestions, name="suggestions"),
    path("saker/<int:pk>/exit/bakgrunn/", views.background, name="background"),
    path(
        "saker/<int:pk>/exit/bakgrunn/sammenlign/",
        views.compare_background,
        name="compare_background",
    ),
    path(
        "saker/<int:pk>/exit/bakgrunn/<str:topic>/ny/", views.add_background, name="add_background"
    ),
    path("saker/<int:pk>/exit/rvts/", views.ask_rvts, name="ask_rvts"),
    path("saker/<int:pk>/exit/barn/", views.child_case, name="child_case"),
    path("saker/<int:pk>/exit/avslutt/", views.close, name="close"),
    path(
        "saker/<int:pk>/exit/oppfolging/<int:review_pk>/",
        views.follow_up_review,
        name="follow_up_review",
    ),
]
