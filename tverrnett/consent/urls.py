from django.urls import path

from tverrnett.consent import request_views, views

app_name = "consent"

# The case pages live beside the case's own under saker/<pk>/.
urlpatterns = [
    path("saker/<int:pk>/samtykke/", views.overview, name="overview"),
    path("saker/<int:pk>/samtykke/ny/", views.prepare, name="prepare"),
    path("saker/<int:pk>/samtykke/<int:consent_pk>/", views.detail, name="detail"),
    path("saker/<int:pk>/samtykke/<int:consent_pk>/svar/", views.answer, name="answer"),
    path(
        "saker/<int:pk>/samtykke/<int:consent_pk>/trekk-tilbake/", views.withdraw, name="withdraw"
    ),
    path(
        "saker/<int:pk>/samtykke/<int:consent_pk>/erklaering-<str:language>.pdf",
        views.declaration,
        name="declaration",
    ),
    path(
        "saker/<int:pk>/samtykke/<int:consent_pk>/signert/",
        views.signed_declaration,
        name="signed_declaration",
    ),
    path("saker/<int:pk>/del/", views.share, name="share"),
    path("saker/<int:pk>/oppfolging/<int:follow_up_pk>/", views.follow_up, name="follow_up"),
    path(
        "saker/<int:pk>/utlevering/<int:disclosure_pk>/eget-grunnlag/",
        views.own_basis,
        name="own_basis",
    ),
    path(
        "saker/<int:pk>/foresporsler/ny/",
        request_views.ask,
        name="ask_information",
    ),
    path("saker/<int:pk>/innsyn/", views.access_report, name="access_report"),
    path(
        "saker/<int:pk>/innsyn/<int:report_pk>.<str:file_format>",
        views.access_report_file,
        name="access_report_file",
    ),
    # Outside a case.
    path("meldinger/<int:notice_pk>/lest/", views.acknowledge_notice, name="acknowledge_notice"),
    path(
        "taushetserklaering/", views.confidentiality_declaration, name="confidentiality_declaration"
    ),
    path("hjemler/", views.legal_bases, name="legal_bases"),
    # Requests for information: the asked agency sees the request, not the case.
    path("foresporsler/", request_views.inbox, name="information_requests"),
    path(
        "foresporsler/<int:request_pk>/",
        request_views.detail,
        name="information_request",
    ),
    path(
        "foresporsler/<int:request_pk>/svar/",
        request_views.answer,
        name="answer_information_request",
    ),
    path(
        "foresporsler/<int:request_pk>/avslag/",
        request_views.decline,
        name="decline_information_request",
    ),
    path(
        "foresporsler/<int:request_pk>/trekk-tilbake/",
        request_views.withdraw,
        name="withdraw_information_request",
    ),
]
