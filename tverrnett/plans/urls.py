from django.urls import path

from tverrnett.plans import views

app_name = "plans"

_PLAN = "saker/<int:pk>/plan/<int:plan_pk>/"

# Beside the case's own pages under saker/<pk>/.
urlpatterns = [
    path("saker/<int:pk>/plan/", views.for_case, name="for_case"),
    path("saker/<int:pk>/plan/ny/", views.create, name="create"),
    path(_PLAN, views.detail, name="detail"),
    path(_PLAN + "endre/", views.edit, name="edit"),
    path(_PLAN + "mal/nytt/", views.add_goal, name="add_goal"),
    path(_PLAN + "mal/<int:goal_pk>/fjern/", views.remove_goal, name="remove_goal"),
    path(_PLAN + "tiltak/nytt/", views.add_measure, name="add_measure"),
    path(_PLAN + "tiltak/<int:entry_pk>/endre/", views.edit_measure, name="edit_measure"),
    path(_PLAN + "tiltak/<int:entry_pk>/fjern/", views.remove_measure, name="remove_measure"),
    path(_PLAN + "angre/<int:removal_pk>/", views.undo_removal, name="undo_removal"),
    path(_PLAN + "revisjon/ny/", views.add_revision, name="add_revision"),
    path(_PLAN + "bidrag/", views.contribution, name="contribution"),
    path(_PLAN + "fastsett/", views.finalise, name="finalise"),
    path(_PLAN + "avslutt/", views.end, name="end"),
    path(_PLAN + "mote/", views.participation, name="participation"),
    path(_PLAN + "versjoner/<int:number>/", views.version, name="version"),
    path(_PLAN + "sammenlign/", views.compare, name="compare"),
    path(_PLAN + "individuell-plan.pdf", views.pdf, name="pdf"),
]
