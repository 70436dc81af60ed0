from django.urls import path

from tverrnett.conversations import views

app_name = "conversations"

# The case pages live beside the case's own under saker/<pk>/.
urlpatterns = [
    path("saker/<int:pk>/kontakt/", views.agreements, name="agreements"),
    path("saker/<int:pk>/kontakt/ny/", views.add_agreement, name="add_agreement"),
    path(
        "saker/<int:pk>/kontakt/<int:agreement_pk>/endre/",
        views.edit_agreement,
        name="edit_agreement",
    ),
    path("saker/<int:pk>/samtaler/", views.conversation_list, name="list"),
    path("saker/<int:pk>/samtaler/ny/", views.plan, name="plan"),
    path("saker/<int:pk>/samtaler/<int:conversation_pk>/", views.detail, name="detail"),
    path("saker/<int:pk>/samtaler/<int:conversation_pk>/endre/", views.edit, name="edit"),
    path("saker/<int:pk>/samtaler/<int:conversation_pk>/gjennomfort/", views.held, name="held"),
]
