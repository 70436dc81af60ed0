from django.urls import include, path

from tverrnett.accounts.language import set_language_view

urlpatterns = [
    path("", include("tverrnett.core.urls")),
    path("", include("tverrnett.accounts.urls")),
    path("", include("tverrnett.networks.urls")),
    path("", include("tverrnett.agencies.urls")),
    path("kunngjoringer/", include("tverrnett.announcements.urls")),
    path("arrangementer/", include("tverrnett.events.urls")),
    path("", include("tverrnett.guidance.urls")),
    path("saker/", include("tverrnett.cases.urls")),
    path("oppgaver/", include("tverrnett.cases.task_urls")),
    path("", include("tverrnett.consent.urls")),
    path("", include("tverrnett.measures.urls")),
    path("", include("tverrnett.conversations.urls")),
    path("", include("tverrnett.exitwork.urls")),
    path("", include("tverrnett.plans.urls")),
    path("", include("tverrnett.assessments.urls")),
    path("", include("tverrnett.documents.urls")),
    path("varsler/", include("tverrnett.notices.urls")),
    path("moter/", include("tverrnett.meetings.urls")),
    path("mulige-duplikater/", include("tverrnett.duplicates.urls")),
    path("logg/gjennomgang/", include("tverrnett.logreview.urls")),
    path("arkiv/", include("tverrnett.records.urls")),
    path("", include("tverrnett.useradmin.urls")),
    path("", include("tverrnett.ownaccess.urls")),
    path("i18n/setlang/", set_language_view, name="set_language"),
]
