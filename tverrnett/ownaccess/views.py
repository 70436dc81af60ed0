"""The person's own page (L33): their individual plan in plain language, their team and
coordinator, their consents, and their own goals and comments.

What the person may see is `policy.own_plans`; a plan or consent outside it is a 404,
like one that does not exist. When there is nothing to show, the page says the same
whatever the reason, so a login never tells whether the networks hold a case about
someone.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import person, public
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.parsing import parse_id
from tverrnett.ownaccess import services
from tverrnett.ownaccess.forms import OwnCommentForm, OwnGoalForm, WithdrawalRequestForm
from tverrnett.plans import documents


def _offered():
    if "citizen" not in settings.OIDC_CLIENTS:
        raise Http404


@public
@require_GET
@never_cache
def start(request):
    """Where the person starts: what they can see here, and the ID-porten login."""
    _offered()
    if services.identity_hashes(request):
        return redirect("ownaccess:plan")
    return render(
        request,
        "ownaccess/start.html",
        {"login_url": reverse("accounts:oidc_start", args=["idporten"])},
    )


def _page(request, *, bound=None, status=200):
    """The page with each plan the person may see; `bound`: (plan id, form name, form)
    of a form sent back with its errors."""
    plans = policy.own_plans(services.identity_hashes(request))
    prefetch_related_objects(plans, *documents.plan_prefetch(), "comments")
    today = timezone.localdate()
    shown = []
    for plan in plans:
        forms = {
            "goal_form": OwnGoalForm(prefix=_prefix("goal", plan)),
            "comment_form": OwnCommentForm(prefix=_prefix("comment", plan)),
        }
        if bound and bound[0] == plan.pk:
            forms[bound[1]] = bound[2]
        consents = services.consents(plan)
        shown.append(
            {
                "plan": plan,
                "doc": documents.live_doc(plan),
                "team": services.team(plan),
                "comments": list(plan.comments.all()),
                "consents": [
                    {
                        "consent": consent,
                        "valid": consent.is_valid_on(today),
                        "asked": services.open_withdrawal_request(consent),
                    }
                    for consent in consents
                ],
                **forms,
            }
        )
        services.record_plan_read(request, plan)
    return render(
        request,
        "ownaccess/plan.html",
        {"plans": shown, "sections": documents.sections(plain=True), "person_session": True},
        status=status,
    )


@person
@require_GET
@never_cache
def plan(request):
    return _page(request)


def _prefix(kind, plan):
    """One page shows a goal and a comment form for each plan: ids must not repeat."""
    return f"{kind}-{plan.pk}"


def _own_plan(request, plan_pk):
    plan = services.own_plan_or_none(request, parse_id(plan_pk))
    if plan is None:
        raise Http404
    return plan


def _add(request, plan_pk, form_class, form_name, action, anchor, done_message):
    plan = _own_plan(request, plan_pk)
    form = form_class(request.POST, prefix=_prefix(form_name.removesuffix("_form"), plan))
    if form.is_valid():
        try:
            action(request, plan, form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done_message)
            return redirect(reverse("ownaccess:plan") + anchor)
    return _page(request, bound=(plan.pk, form_name, form), status=400)


@person
@require_POST
def add_goal(request, plan_pk):
    return _add(
        request,
        plan_pk,
        OwnGoalForm,
        "goal_form",
        services.add_goal,
        "#section-own_goals",
        _("Your goal is added to the plan. Your coordinator sees it."),
    )


@person
@require_POST
def add_comment(request, plan_pk):
    return _add(
        request,
        plan_pk,
        OwnCommentForm,
        "comment_form",
        services.add_comment,
        "#own-comments",
        _("Your comment is saved. Your coordinator sees it."),
    )


@person
@require_http_methods(["GET", "POST"])
def request_withdrawal(request, plan_pk, consent_pk):
    plan = _own_plan(request, plan_pk)
    consent = next((c for c in services.consents(plan) if c.pk == parse_id(consent_pk)), None)
    if consent is None:
        raise Http404
    form = WithdrawalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_withdrawal(request, plan, consent, form.cleaned_data["message"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your coordinator has been asked to contact you about withdrawing the consent."),
            )
            return redirect(reverse("ownaccess:plan") + "#own-consents")
    return render(
        request,
        "ownaccess/withdraw.html",
        {"plan": plan, "consent": consent, "form": form, "person_session": True},
        status=400 if form.errors else 200,
    )


@person
@require_POST
def logout(request):
    from tverrnett.accounts.oidc_views import provider_logout, single_logout_page

    provider = provider_logout(request, return_to=reverse("ownaccess:start"))
    services.end(request)
    messages.success(request, _("You are logged out."))
    if provider:
        return single_logout_page(request, provider)
    return redirect("ownaccess:start")
