from django.urls import path

from tverrnett.assessments import views

app_name = "assessments"

# The case pages live beside the case's own under saker/<pk>/.
_CASE = "saker/<int:pk>/vurderinger/"
_ONE = _CASE + "<int:assessment_pk>/"
urlpatterns = [
    path(_CASE, views.assessment_list, name="list"),
    path(_CASE + "ny/", views.start_assessment, name="start"),
    path(_CASE + "sammenlign/", views.compare_assessments, name="compare"),
    path(_CASE + "utvikling/", views.development, name="development"),
    path(_ONE, views.assessment_detail, name="detail"),
    path(_ONE + "endre/", views.edit_assessment, name="edit"),
    path(_ONE + "signer/", views.sign_assessment, name="sign"),
    path(_ONE + "forkast/", views.discard_assessment, name="discard"),
    path(_ONE + "foresla-tiltak/", views.propose_measure, name="propose_measure"),
    # Outside a case.
    path("vurderinger/instrumenter/", views.instrument_list, name="instruments"),
    path(
        "vurderinger/instrumenter/<int:instrument_pk>/",
        views.instrument_detail,
        name="instrument",
    ),
    path("vurderinger/sertifiseringer/", views.certifications, name="certifications"),
    path(
        "vurderinger/sertifiseringer/<int:certification_pk>/avslutt/",
        views.end_certification,
        name="end_certification",
    ),
]
