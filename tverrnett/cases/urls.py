from django.urls import path

from tverrnett.cases import summary, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("ny/", views.new_case, name="new"),
    path("ny/anonym/", views.new_anonymous, name="new_anonymous"),
    path("ny/identifisert/", views.new_identified, name="new_identified"),
    path("nodtilgang/", views.break_glass, name="break_glass"),
    path("nodtilgang/gjennomgang/", views.break_glass_reviews, name="break_glass_reviews"),
    path(
        "nodtilgang/<int:access_pk>/gjennomgatt/",
        views.review_break_glass,
        name="review_break_glass",
    ),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/utskrift/", summary.print_summary, name="print_summary"),
    path("<int:pk>/status/", views.change_state, name="change_state"),
    path("<int:pk>/gjenapne/", views.reopen, name="reopen"),
    path("<int:pk>/sikkerhetsavklaring/", views.security_clarification, name="security"),
    path("<int:pk>/identifiser/", views.convert, name="convert"),
    path("<int:pk>/sammendrag/", views.edit_summary, name="summary"),
    path("<int:pk>/koordinator/", views.change_coordinator, name="coordinator"),
    path("<int:pk>/person/", views.edit_person, name="person"),
    path("<int:pk>/person/fodselsnummer/", views.reveal_identity_number, name="reveal"),
    path("<int:pk>/team/", views.add_team_member, name="add_team_member"),
    path("<int:pk>/team/<int:member_pk>/open/", views.open_to_agency, name="open_to_agency"),
    path(
        "<int:pk>/team/<int:member_pk>/fjern/",
        views.remove_team_member,
        name="remove_team_member",
    ),
    path("<int:pk>/team/<int:member_pk>/ledelse/", views.give_lead, name="give_lead"),
    path("<int:pk>/ressurser/", views.add_resource, name="add_resource"),
    path(
        "<int:pk>/ressurser/<int:resource_pk>/fjern/",
        views.remove_resource,
        name="remove_resource",
    ),
    path("<int:pk>/angre/<int:removal_pk>/", views.undo_removal, name="undo_removal"),
    path("<int:pk>/ansvar/", views.add_responsibility, name="add_responsibility"),
    path("<int:pk>/oppgaver/", views.add_task, name="add_task"),
    path("<int:pk>/oppgaver/<int:task_pk>/status/", views.change_task_status, name="task_status"),
    path("<int:pk>/journal/", views.journal, name="journal"),
    path("<int:pk>/journal/ny/", views.write_journal, name="write_journal"),
    path(
        "<int:pk>/journal/<int:entry_pk>/korriger/",
        views.correct_journal,
        name="correct_journal",
    ),
    path(
        "<int:pk>/journal/<int:entry_pk>/historikk/",
        views.journal_history,
        name="journal_history",
    ),
    path(
        "<int:pk>/sjekkliste/<int:item_pk>/",
        views.tick_checklist_item,
        name="tick_checklist_item",
    ),
]
