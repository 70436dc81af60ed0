from django.urls import path

from tverrnett.useradmin import views

app_name = "useradmin"

urlpatterns = [
    path("etater/<int:pk>/brukere/", views.members_view, name="members"),
    path("etater/<int:pk>/brukere/inviter/", views.invite_view, name="invite"),
    path("etater/<int:pk>/brukere/<int:membership_pk>/", views.member_view, name="member"),
    path(
        "etater/<int:pk>/brukere/<int:membership_pk>/avslutt/",
        views.end_membership_view,
        name="end_membership",
    ),
    path(
        "etater/<int:pk>/brukere/<int:membership_pk>/nullstill-app/",
        views.reset_authenticator_view,
        name="reset_authenticator",
    ),
    path(
        "etater/<int:pk>/brukere/<int:membership_pk>/opphev-sperre/",
        views.lift_lockout_view,
        name="lift_lockout",
    ),
    # The agency's old people page, now the member list above.
    path("etater/<int:pk>/personer/", views.people_moved, name="people_moved"),
    path(
        "etater/<int:pk>/personer/<int:membership_pk>/avslutt/",
        views.end_membership_moved,
        name="end_membership_moved",
    ),
    path(
        "etater/<int:pk>/invitasjoner/<int:invitation_pk>/send-igjen/",
        views.resend_invitation_view,
        name="resend_invitation",
    ),
    path(
        "etater/<int:pk>/invitasjoner/<int:invitation_pk>/trekk-tilbake/",
        views.revoke_invitation_view,
        name="revoke_invitation",
    ),
    path("invitasjon/<str:token>/", views.accept_view, name="accept"),
    path("min-konto/", views.own_account_view, name="own_account"),
    path("min-konto/passord/", views.own_password_view, name="own_password"),
    path("min-konto/autentisering/", views.own_authenticator_view, name="own_authenticator"),
]
