"""Account administration pages for an agency's administrators, the invitation link, and
the user's own account (password, authenticator). Issue 19, items 3-5.

An administration page is for an agency administrator acting for the agency
(`policy.administers_accounts_of`); everyone else gets the 404 a missing page gets.
"""

import time

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.access import policy
from tverrnett.access.rules import member, public
from tverrnett.accounts import oidc_views
from tverrnett.accounts import views as login_views
from tverrnett.accounts.language import offered
from tverrnett.accounts.models import Membership
from tverrnett.agencies import services as agency_services
from tverrnett.agencies.models import Agency
from tverrnett.audit.services import record
from tverrnett.networks.models import Role
from tverrnett.useradmin import services
from tverrnett.useradmin.forms import (
    AcceptInvitationForm,
    ConfirmWithPasswordForm,
    EndMembershipForm,
    InvitationForm,
    MemberFilterForm,
    NewDeviceCodeForm,
    OwnPasswordForm,
    RoleForm,
)
from tverrnett.useradmin.models import Invitation

MEMBERS_PER_PAGE = 25
INVITATIONS_SHOWN = 50


def _admin_agency(request, pk):
    """The agency, for an administrator of it acting for it; for everyone else the 404 of
    a page that does not exist."""
    agency = Agency.objects.filter(pk=pk, is_active=True).first()
    if agency is None or not policy.administers_accounts_of(request.user, agency):
        raise Http404
    return agency


def _membership(agency, membership_pk):
    return get_object_or_404(
        Membership.objects.filter(agency=agency, is_active=True).select_related("user"),
        pk=membership_pk,
    )


def _name(user):
    return user.get_full_name() or user.get_username()


@member
@require_http_methods(["GET"])
def members_view(request, pk):
    """The agency's one member list (issue 19, item 4): search, sort and pages; each
    member's role, active since, last login, roles held, special-category permission and
    lockout; the invitations not yet accepted."""
    agency = _admin_agency(request, pk)
    form = MemberFilterForm(request.GET)
    query, _sort = form.filters()
    current = agency_services.current_permissions(agency).filter(user=OuterRef("user_id"))
    memberships = (
        Membership.objects.filter(agency=agency, is_active=True)
        .select_related("user")
        .annotate(special_categories_until=Subquery(current.values("ends_on")[:1]))
    )
    page = Paginator(form.apply(memberships), MEMBERS_PER_PAGE).get_page(request.GET.get("side"))
    _attach_roles(page.object_list)
    locked = services.locked_usernames(m.user.get_username() for m in page.object_list)
    for membership in page.object_list:
        membership.is_locked = membership.user.get_username() in locked
    now = timezone.now()
    invitations = list(
        Invitation.objects.filter(
            agency=agency, accepted_at__isnull=True, revoked_at__isnull=True
        ).order_by("-sent_at", "-pk")[:INVITATIONS_SHOWN]
    )
    for invitation in invitations:
        invitation.expired = not invitation.is_pending(now)
    return render(
        request,
        "useradmin/members.html",
        {
            "agency": agency,
            "form": form,
            "page": page,
            "filtered": bool(query),
            "invitations": invitations,
            "grants_special_categories": policy.can_grant_special_categories(
                request.user, agency, request.agency
            ),
        },
    )


def _attach_roles(memberships):
    """Give each membership `.roles_held`: (role, "holder"/"deputy") pairs for the roles
    of any agency, in one query."""
    user_ids = {membership.user_id for membership in memberships}
    held = {user_id: [] for user_id in user_ids}
    roles = (
        Role.objects.filter(Q(holder_id__in=user_ids) | Q(deputy_id__in=user_ids))
        .select_related("municipality", "police_district", "network", "agency")
        .order_by("kind", "pk")
    )
    for role in roles:
        if role.holder_id in held:
            held[role.holder_id].append((role, "holder"))
        if role.deputy_id in held:
            held[role.deputy_id].append((role, "deputy"))
    for membership in memberships:
        membership.roles_held = held[membership.user_id]


# The agency's people were once listed on a page of their own, /etater/<pk>/personer/
# (agencies), for any manager. Its addresses send the administrators here and answer
# everyone else as a page that does not exist.


@member
@require_http_methods(["GET"])
def people_moved(request, pk):
    agency = _admin_agency(request, pk)
    target = reverse("useradmin:members", args=[agency.pk])
    query = request.GET.urlencode()
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


@member
@require_http_methods(["GET", "POST"])
def end_membership_moved(request, pk, membership_pk):
    """A POST from a form of the old page ends nothing: the browser is sent to the end
    page, which asks again (and for the handover first)."""
    agency = _admin_agency(request, pk)
    return HttpResponsePermanentRedirect(
        reverse("useradmin:end_membership", args=[agency.pk, membership_pk])
    )


@member
@require_http_methods(["GET", "POST"])
def invite_view(request, pk):
    agency = _admin_agency(request, pk)
    # The administrator's own language (the pages' language: their stored choice, else
    # the cookie's or the site's) unless they choose another for the person.
    own = translation.get_language()
    form = InvitationForm(
        request.POST or None,
        initial={"language": own if offered(own) else settings.LANGUAGE_CODE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(request.user, agency, request=request, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("The invitation is sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("useradmin:members", pk=agency.pk)
    return render(request, "useradmin/invite.html", {"agency": agency, "form": form})


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _invitation(agency, invitation_pk):
    return get_object_or_404(Invitation.objects.filter(agency=agency), pk=invitation_pk)


@member
@require_POST
def resend_invitation_view(request, pk, invitation_pk):
    agency = _admin_agency(request, pk)
    invitation = _invitation(agency, invitation_pk)
    try:
        services.resend_invitation(request.user, invitation, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation is sent again with a new link."))
    return redirect("useradmin:members", pk=agency.pk)


@member
@require_POST
def revoke_invitation_view(request, pk, invitation_pk):
    agency = _admin_agency(request, pk)
    invitation = _invitation(agency, invitation_pk)
    try:
        services.revoke_invitation(request.user, invitation, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation is revoked; its link no longer works."))
    return redirect("useradmin:members", pk=agency.pk)


@member
@require_http_methods(["GET", "POST"])
def member_view(request, pk, membership_pk):
    """One member: change the role, reset the authenticator, lift a lockout."""
    agency = _admin_agency(request, pk)
    membership = _membership(agency, membership_pk)
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_role(
                request.user, membership, form.cleaned_data["role"], request=request
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The role is changed."))
            return redirect("useradmin:members", pk=agency.pk)
    user = membership.user
    return render(
        request,
        "useradmin/member.html",
        {
            "agency": agency,
            "membership": membership,
            "person": user,
            "form": form,
            "has_authenticator": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "is_locked": bool(services.locked_usernames([user.get_username()])),
            "roles_held": services.roles_held_for(user, agency),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def end_membership_view(request, pk, membership_pk):
    agency = _admin_agency(request, pk)
    membership = _membership(agency, membership_pk)
    roles_held = services.roles_held_for(membership.user, agency)
    form = EndMembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_membership(
                request.user, membership, form.cleaned_data["reason"], request=request
            )
        except services.HandoverNeeded as needed:
            roles_held = needed.roles
            form.add_error(None, needed.messages[0])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s no longer works for %(agency)s.")
                % {"name": _name(membership.user), "agency": agency.name},
            )
            return redirect("useradmin:members", pk=agency.pk)
    return render(
        request,
        "useradmin/end_membership.html",
        {"agency": agency, "membership": membership, "form": form, "roles_held": roles_held},
    )


@member
@require_POST
def reset_authenticator_view(request, pk, membership_pk):
    agency = _admin_agency(request, pk)
    membership = _membership(agency, membership_pk)
    services.reset_authenticator(request.user, agency, membership.user, request=request)
    messages.success(
        request,
        _("The authenticator of %(name)s is reset. They set up the app again at the next login.")
        % {"name": _name(membership.user)},
    )
    return redirect("useradmin:member", pk=agency.pk, membership_pk=membership.pk)


@member
@require_POST
def lift_lockout_view(request, pk, membership_pk):
    agency = _admin_agency(request, pk)
    membership = _membership(agency, membership_pk)
    services.lift_lockout(request.user, agency, membership.user, request=request)
    messages.success(
        request,
        _("The lockout of %(name)s is lifted. They can log in again.")
        % {"name": _name(membership.user)},
    )
    return redirect("useradmin:member", pk=agency.pk, membership_pk=membership.pk)


# The invitation link ----------------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def accept_view(request, token):
    """Choose a password; then the login's second step enrols the authenticator. An
    unknown, used, expired or revoked link gets one neutral page (status 404)."""
    invitation = services.pending_invitation(token)
    if invitation is None:
        return render(request, "useradmin/invitation_invalid.html", status=404)
    national_login = "oidc_employee" in settings.LOGIN_METHODS and (
        "employee" in settings.OIDC_CLIENTS
    )
    if request.method == "POST" and national_login and "national_login" in request.POST:
        # The login through Ansattporten accepts the invitation when it comes back
        # (accounts.oidc_views.accept_invitation_at_login).
        request.session[oidc_views.SESSION_INVITATION_TOKEN] = token
        return redirect("accounts:oidc_start", slug=oidc_views.SLUG_OF["employee"])
    password_enabled = "password" in settings.LOGIN_METHODS
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and password_enabled and form.is_valid():
        try:
            user = services.accept_invitation(
                token, password=form.cleaned_data["new_password1"], request=request
            )
        except services.InvitationInvalid:
            return render(request, "useradmin/invitation_invalid.html", status=404)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # Half a login, as after the password on the login page: the second step
            # sees no authenticator and enrols one.
            request.session.cycle_key()
            request.session[login_views.PENDING_USER] = user.pk
            request.session[login_views.PENDING_BACKEND] = settings.AUTHENTICATION_BACKENDS[-1]
            request.session[login_views.PENDING_SINCE] = time.time()
            request.session[login_views.PENDING_NEXT] = reverse(settings.LOGIN_REDIRECT_URL)
            return redirect("accounts:mfa")
    # The site's Referrer-Policy (same-origin) keeps the token in the address from other
    # sites. Not no-referrer: the browser would then send "Origin: null" with the form,
    # which Django's CSRF check refuses.
    return render(
        request,
        "useradmin/accept.html",
        {
            "invitation": invitation,
            "form": form,
            "national_login": national_login,
            "password_enabled": password_enabled,
        },
    )


# The user's own account ---------------------------------------------------------------


def _credentials(request):
    return {"username": request.user.get_username()}


def _refused_when_locked(request):
    return AxesProxyHandler.is_locked(request, _credentials(request))


def _locked_out(request):
    messages.error(
        request,
        _(
            "Too many wrong passwords. Wait, or ask your agency's administrator "
            "to lift the lockout."
        ),
    )
    return redirect("useradmin:own_account")


def _count_failure(request, stage):
    """A wrong password on these pages counts toward the lockout and is audited, as on
    the login page: a session left open is no way to guess the password."""
    user_login_failed.send(
        sender=__name__, credentials={**_credentials(request), "stage": stage}, request=request
    )


REENROL_CONFIRMED = "reenrol_confirmed_at"
REENROL_SECONDS = 300


@member
@require_http_methods(["GET"])
def own_account_view(request):
    return render(request, "useradmin/own_account.html", {"person": request.user})


@member
@require_http_methods(["GET", "POST"])
def own_password_view(request):
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and _refused_when_locked(request):
        return _locked_out(request)
    if request.method == "POST" and not form.is_valid() and form.has_error("old_password"):
        _count_failure(request, "password_change")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record("accounts.password_changed", actor=request.user, request=request)
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password is changed."))
        return redirect("useradmin:own_account")
    return render(request, "useradmin/own_password.html", {"form": form})


@member
@require_http_methods(["GET", "POST"])
def own_authenticator_view(request):
    """Re-enrol: confirm with the password, scan the new key, enter a code from it. The
    old authenticator works until the new one is confirmed."""
    user = request.user
    confirmed_at = request.session.get(REENROL_CONFIRMED, 0)
    confirmed = time.time() - confirmed_at <= REENROL_SECONDS
    if not confirmed:
        form = ConfirmWithPasswordForm(user, request.POST or None)
        if request.method == "POST" and _refused_when_locked(request):
            return _locked_out(request)
        if request.method == "POST" and not form.is_valid() and form.has_error("password"):
            _count_failure(request, "reenrol")
        if request.method == "POST" and form.is_valid():
            request.session[REENROL_CONFIRMED] = time.time()
            return redirect("useradmin:own_authenticator")
        return render(request, "useradmin/own_authenticator.html", {"form": form, "step": 1})
    device = login_views._enrolment_device(user)
    form = NewDeviceCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                record(
                    "accounts.authenticator_reenrolled",
                    actor=user,
                    target=device,
                    request=request,
                )
            request.session.pop(REENROL_CONFIRMED, None)
            messages.success(request, _("Your new authenticator app is in use."))
            return redirect("useradmin:own_account")
        form.add_error("code", _("The code is wrong or has expired. Try the newest code."))
    context = {
        "form": form,
        "step": 2,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(
            scale=5, title=_("QR code for your authenticator app"), border=2
        ),
        "secret_groups": login_views._secret_groups(device),
    }
    return render(request, "useradmin/own_authenticator.html", context)
