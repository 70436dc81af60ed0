"""The person's own access to their individual plan (L33).

A person logs in through ID-porten at level high (`accounts.oidc_views`) and is
recognised by the keyed hashes of their identity number only, kept in their session
(`begin`). They are no user of Tverrnett: what they may see is decided by
`access.policy.own_plans`, and every function here looks the plan up through it, so a
plan they may not see is the same as one that does not exist.

Every read and every change is audited with the person as actor: no user, and the
detail's `by_person` naming the person record. Such entries target the plan's case, so
they are in the person's access report like any other read of their case.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record, record_read
from tverrnett.cases import identity_encryption
from tverrnett.cases.deadlines import refresh_next_deadline
from tverrnett.cases.models import Task, TaskStatus
from tverrnett.consent.models import Consent, ConsentStatus, WithdrawalRequest
from tverrnett.plans.models import PlanComment, PlanGoal

for _name, _description in [
    ("own_access.login", gettext_noop("The person logged in to see their own plan")),
    ("own_access.logout", gettext_noop("The person logged out of their own plan")),
    ("own_access.plan_viewed", gettext_noop("The person read their own plan")),
    ("own_access.goal_added", gettext_noop("The person added a goal to their own plan")),
    ("own_access.comment_added", gettext_noop("The person commented on their own plan")),
    (
        "own_access.withdrawal_requested",
        gettext_noop("The person asked to withdraw a consent"),
    ),
]:
    actions.register(_name, _description)

SESSION_KEY = "own_access"
# The parts of the case the person's page shows, named in the read entry (L44).
PARTS = ["individual_plan", "consents", "team"]
WITHDRAWAL_TASK_DAYS = 3


def begin(request, pid, *, acr):
    """Start the person's own-access session: a new session (whoever was logged in in
    this browser is logged out) holding the hashes of their identity number."""
    request.session.flush()
    request.session[SESSION_KEY] = {"hashes": identity_encryption.hashes_to_match(pid)}
    record("own_access.login", detail={"method": "oidc_citizen", "acr": acr}, request=request)


def identity_hashes(request):
    """The hashes of the logged-in person's identity number, or None."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("hashes"), list):
        return None
    return data["hashes"]


def end(request):
    record("own_access.logout", request=request)
    request.session.flush()


def _audit(action, plan, request, **detail):
    record(
        action,
        target=plan.case,
        detail={"by_person": plan.person_id, "plan": plan.pk, **detail},
        request=request,
    )


def record_plan_read(request, plan):
    record_read(
        "own_access.plan_viewed",
        target=plan.case,
        detail={"by_person": plan.person_id, "plan": plan.pk, "parts": PARTS, "path": "own_access"},
        request=request,
    )


def consents(plan):
    """The consents on the plan's case the person has given, newest first, with their
    withdrawal and their own open request to withdraw, if any."""
    return list(
        Consent.objects.filter(case=plan.case, status=ConsentStatus.GIVEN)
        .select_related("withdrawal")
        .prefetch_related(
            "recipients",
            Prefetch(
                "withdrawal_requests", queryset=WithdrawalRequest.objects.select_related("task")
            ),
        )
    )


def team(plan):
    """The services on the case's team the person agreed to share with (the plan's
    consent names them), and the coordinator's: a service they never heard of in their
    consent is not named to them here."""
    named = {agency.pk for agency in plan.consent.recipients.all()}
    named.add(plan.coordinator_role.agency_id)
    return [
        member for member in plan.case.team.select_related("agency") if member.agency_id in named
    ]


def _clean(text, field, empty_message):
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: empty_message})
    return text


@transaction.atomic
def add_goal(request, plan, text):
    goal = PlanGoal.objects.create(
        plan=plan,
        text=_clean(text, "text", _("Write your goal.")),
        by_person=True,
        entered_by_person=True,
    )
    _audit("own_access.goal_added", plan, request, goal=goal.pk)
    return goal


@transaction.atomic
def add_comment(request, plan, text):
    comment = PlanComment.objects.create(
        plan=plan, text=_clean(text, "text", _("Write your comment."))
    )
    _audit("own_access.comment_added", plan, request, comment=comment.pk)
    return comment


def _is_open(asked):
    """A request the coordinator has not yet dealt with: its task is not done."""
    return asked.task_id is None or asked.task.status != TaskStatus.DONE


def open_withdrawal_request(consent):
    """The person's open request to withdraw `consent`, or None (the prefetched ones)."""
    return next((asked for asked in consent.withdrawal_requests.all() if _is_open(asked)), None)


@transaction.atomic
def request_withdrawal(request, plan, consent, message=""):
    """The person asks to withdraw `consent`: a task for the plan's coordinator role,
    due in a few days. Once per consent while the task is open."""
    consent = (
        Consent.objects.select_for_update()
        .filter(pk=consent.pk, case=plan.case, status=ConsentStatus.GIVEN)
        .first()
    )
    if consent is None or consent.is_withdrawn:
        raise ValidationError(_("This consent is already withdrawn or has ended."))
    asked = WithdrawalRequest.objects.filter(consent=consent).select_related("task")
    if any(_is_open(item) for item in asked):
        raise ValidationError(_("You have already asked to withdraw this consent."))
    role = plan.coordinator_role
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language
        title = _("The person asks to withdraw a consent: contact them")
    task = Task.objects.create(
        case=plan.case,
        title=title,
        owner_agency=role.agency,
        owner_role=role,
        deadline=timezone.localdate() + datetime.timedelta(days=WITHDRAWAL_TASK_DAYS),
        created_by=None,
    )
    refresh_next_deadline([plan.case_id])
    withdrawal_request = WithdrawalRequest.objects.create(
        consent=consent, message=(message or "").strip(), task=task
    )
    _audit(
        "own_access.withdrawal_requested",
        plan,
        request,
        consent=consent.pk,
        task=task.pk,
    )
    return withdrawal_request


def own_plan_or_none(request, plan_pk):
    return policy.own_plan(identity_hashes(request), plan_pk)
