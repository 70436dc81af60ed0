"""Exit work's rules: starting it, the checklist's actions and gates, background and
motivation, asking RVTS, a returnee's child cases, closing and the reviews after exit.

Everything that changes data writes its audit entry in the same transaction.
"""

import calendar
import datetime
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.agencies import directory
from tverrnett.agencies.models import AgencyType
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases import services as case_services
from tverrnett.cases.models import (
    CasePart,
    CaseState,
    ChecklistItem,
    ConcernCase,
    JournalEntry,
    Person,
    Responsibility,
    Source,
    StepStatus,
    TeamMember,
    TimelineEvent,
    Urgency,
)
from tverrnett.consent.sharing import SharedItems
from tverrnett.exitwork.background import TOPICS_BY_CODE
from tverrnett.exitwork.models import ChildCaseLink, ExitWork, FollowUpReview
from tverrnett.exitwork.steps import GATE_CODES, STEPS, STEPS_BY_CODE
from tverrnett.guidance import services as guidance_services
from tverrnett.guidance.models import Recipient, Topic
from tverrnett.networks.models import ForumAudience, Role, RoleKind

for _name, _description in [
    ("exit.started", gettext_noop("Started exit work on a case")),
    ("exit.child_case_created", gettext_noop("Created a linked child case for child welfare")),
    ("exit.follow_up_reviewed", gettext_noop("Recorded a follow-up review after exit")),
    ("exit.guidance_requested", gettext_noop("Asked RVTS for guidance from an exit case")),
]:
    actions.register(_name, _description)

# The living-conditions responsibility NAV takes on in step 5.
NAV_RESPONSIBILITY = gettext_noop(
    "Living conditions: work or education, housing, social support and network"
)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _require_manage(actor, case):
    path = policy.case_access_path(actor, case)
    _require(policy.can_manage_case(actor, case, path) and not case.is_closed)


def exit_work_of(case):
    """The case's exit work, or None when it is not an exit case."""
    return ExitWork.objects.filter(case=case).first()


# Starting -------------------------------------------------------------------------


@transaction.atomic
def start_exit_work(actor, case, *, is_returnee=False, request=None):
    """Make the case an exit case: the fourteen steps in order (X11). A concern that came
    from social media keeps its step 8 (advice before contact) at the top."""
    _require_manage(actor, case)
    if case.is_anonymous:
        raise ValidationError(_("An anonymous discussion cannot become an exit case."))
    if ExitWork.objects.filter(case=case).exists():
        raise ValidationError(_("Exit work has already started on this case."))
    ExitWork.objects.create(case=case, started_by=actor, is_returnee=is_returnee)
    from_social_media = case.source == Source.SOCIAL_MEDIA
    existing = set(case.checklist.values_list("code", flat=True))
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            case=case,
            code=step.code,
            position=0 if from_social_media and step.number == 8 else step.number,
        )
        for step in STEPS
        if step.code not in existing
    )
    TimelineEvent.objects.create(case=case, actor=actor, kind="exit_started")
    record(
        "exit.started",
        actor=actor,
        target=case,
        detail={"returnee": is_returnee},
        request=request,
    )


def exit_steps(case):
    """[(step, checklist item)] in the order the case shows them. Each item carries
    `evidence`, what in the case already does the step (`step_evidence`) or "", and
    `settled`: settled by the team or done by that."""
    items = case.checklist.filter(code__in=STEPS_BY_CODE).select_related("changed_by", "done_by")
    evidence = step_evidence(case)
    steps = []
    for item in items:
        item.evidence = evidence.get(item.code, "")
        item.settled = item.is_settled or bool(item.evidence)
        steps.append((STEPS_BY_CODE[item.code], item))
    return steps


def step_evidence(case):
    """{step code: what in the case does the step} (issue 21, item 6): the checklist
    follows the case, so a step is shown done when its action happened, wherever it
    was done (a consent recorded on the consent pages, a signed assessment, the police
    or Nav on the team, a contact agreement, a notice chain linked). One query."""
    from tverrnett.assessments.models import Assessment, AssessmentStatus
    from tverrnett.consent.models import Consent, InformationRequest, InformationRequestStatus
    from tverrnett.conversations.models import ContactAgreement
    from tverrnett.notices.models import NoticeChain

    def on_team(agency_type):
        return Exists(case.team.filter(agency__agency_type=agency_type).values("pk"))

    def of_case(queryset):
        return Exists(queryset.filter(case=case).values("pk"))

    checks = {
        "exit_police_contact": (
            on_team(AgencyType.POLICE_DISTRICT),
            _("The police district is on the team."),
        ),
        "exit_nav": (on_team(AgencyType.NAV), _("NAV is on the team.")),
        "exit_approach": (
            of_case(Responsibility.objects),
            _("The responsibilities are recorded."),
        ),
        "exit_contact_agreement": (
            of_case(ContactAgreement.objects),
            _("A contact agreement is recorded."),
        ),
        "exit_consent": (
            of_case(Consent.objects.valid_on(timezone.localdate())),
            _("A valid consent is recorded."),
        ),
        "exit_assessment": (
            of_case(Assessment.objects.filter(status=AssessmentStatus.SIGNED)),
            _("A risk and needs assessment is signed."),
        ),
        "exit_earlier_mapping": (
            of_case(InformationRequest.objects.filter(status=InformationRequestStatus.ANSWERED)),
            _("A request for information was answered."),
        ),
        "exit_returnee_notice": (
            of_case(NoticeChain.objects),
            _("A notice chain is linked to the case."),
        ),
    }
    checks["exit_return_learned_locally"] = checks["exit_returnee_notice"]
    row = (
        type(case)
        .objects.filter(pk=case.pk)
        .annotate(**{code: check for code, (check, _text) in checks.items()})
        .values(*checks)
        .first()
    ) or {}
    return {code: text for code, (_check, text) in checks.items() if row.get(code)}


def step_item(case, number):
    code = next(step.code for step in STEPS if step.number == number)
    return ChecklistItem.objects.select_related("case").get(case=case, code=code)


def _settle_step(actor, case, number, note, request):
    """Mark a step done by the action that does it, keeping what the team wrote."""
    item = step_item(case, number)
    if item.status == StepStatus.DONE:
        return item
    note = f"{item.note}\n{note}".strip() if item.note else note
    return case_services.set_checklist_status(
        actor, item, status=StepStatus.DONE, version=item.version, note=note, request=request
    )


# Gates on the case's state (registered with cases.services) -------------------------


def _open_steps(case, codes=None):
    """The steps neither settled by the team nor done by what happened in the case."""
    items = case.checklist.filter(code__in=codes or STEPS_BY_CODE).exclude(
        status__in=(StepStatus.DONE, StepStatus.NOT_RELEVANT)
    )
    evidence = step_evidence(case)
    return [
        STEPS_BY_CODE[item.code]
        for item in items.order_by("position", "id")
        if item.code not in evidence
    ]


def _describe(steps):
    return "; ".join(
        f"{step.number}. {step.title}" for step in sorted(steps, key=lambda s: s.number)
    )


def checklist_gate(case, to_state):
    """Active follow-up waits for steps 1, 3 and 7; closing an exit case needs every step
    settled and the checklist evaluated (L22, L29)."""
    if to_state not in (CaseState.FOLLOW_UP, CaseState.CLOSED):
        return []
    exit_work = exit_work_of(case)
    if exit_work is None:
        return []
    if to_state == CaseState.FOLLOW_UP:
        missing = _open_steps(case, GATE_CODES)
        if missing:
            return [
                _(
                    "The case cannot go to active follow-up before these steps are done or "
                    "marked not relevant: %(steps)s."
                )
                % {"steps": _describe(missing)}
            ]
        return []
    messages = []
    missing = _open_steps(case)
    if missing:
        messages.append(
            _("Mark every step of the checklist done or not relevant before closing: %(steps)s.")
            % {"steps": _describe(missing)}
        )
    if not exit_work.checklist_evaluation.strip():
        messages.append(_("Write the evaluation of the checklist before closing the exit case."))
    return messages


def schedule_follow_up_reviews(actor, case, from_state, to_state, request):
    """An exit case that closes gets its reviews after exit (L29), from settings."""
    if to_state != CaseState.CLOSED or not ExitWork.objects.filter(case=case).exists():
        return
    today = timezone.localdate()
    recorded = set(
        case.follow_up_reviews.filter(done_at__isnull=False).values_list("months_after", flat=True)
    )
    for months in settings.EXIT_FOLLOW_UP_MONTHS:
        # Closed again after a reopening: a review already recorded stays as it was.
        if months not in recorded:
            FollowUpReview.objects.update_or_create(
                case=case, months_after=months, defaults={"due_on": add_months(today, months)}
            )


case_services.register_state_gate(checklist_gate)
case_services.register_after_state_change(schedule_follow_up_reviews)


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def close_exit_case(
    actor, case, *, version, checklist_evaluation, evaluation, review_on, request=None
):
    """Close an exit case: the checklist's evaluation, then the case's own closing (which
    checks the measures' evaluations and schedules the reviews after exit)."""
    _require_manage(actor, case)
    if not checklist_evaluation.strip():
        raise ValidationError({"checklist_evaluation": _("Write the evaluation of the checklist.")})
    ExitWork.objects.filter(case=case).update(checklist_evaluation=checklist_evaluation.strip())
    return case_services.change_state(
        actor,
        case,
        CaseState.CLOSED,
        version=version,
        evaluation=evaluation,
        review_on=review_on,
        request=request,
    )


@transaction.atomic
def record_follow_up_review(actor, review, *, outcome, request=None):
    """The coordinator's side records how the person is doing after exit; the case may be
    closed (that is when these reviews happen)."""
    case = review.case
    _require(policy.can_manage_case(actor, case, policy.case_access_path(actor, case)))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write how the person is doing.")})
    updated = FollowUpReview.objects.filter(pk=review.pk, done_at__isnull=True).update(
        outcome=outcome.strip(), done_at=timezone.now(), done_by=actor
    )
    if not updated:
        raise ValidationError(_("This review has already been recorded."))
    record(
        "exit.follow_up_reviewed",
        actor=actor,
        target=case,
        detail={"review": review.pk, "months_after": review.months_after},
        request=request,
    )


def follow_up_reviews_for_coordinator(user, today=None, horizon_days=30):
    """Reviews after exit that are due within `horizon_days` or overdue, on the cases whose
    coordinator role the user holds or deputises."""
    today = today or timezone.localdate()
    return (
        FollowUpReview.objects.filter(done_at__isnull=True)
        .filter(due_on__lte=today + datetime.timedelta(days=horizon_days))
        .filter(policy.holds_role_filter(user, "case__coordinator_role"))
        .select_related("case")
        .order_by("due_on", "id")
    )


# Step actions ---------------------------------------------------------------------


def _contact_name(contact):
    holder = contact.holder
    return (holder.get_full_name() or holder.get_username()) if holder else ""


def police_contact_for(case):
    """The police district's radicalisation contact for the case's municipality (step 3)."""
    return next(
        contact
        for contact in directory.every_contact(case.municipality)
        if contact.slot is directory.POLICE
    )


@transaction.atomic
def add_police_contact(actor, case, *, request=None):
    """Step 3: bring the police district's radicalisation contact onto the team."""
    _require_manage(actor, case)
    contact = police_contact_for(case)
    if contact.agency is None:
        raise ValidationError(
            _("The directory has no radicalisation contact for %(district)s.")
            % {"district": case.municipality.police_district or case.municipality}
        )
    if not case.team.filter(agency=contact.agency).exists():
        case_services.add_team_member(
            actor,
            case,
            agency=contact.agency,
            contact_name=_contact_name(contact),
            contact_phone=contact.phone,
            contact_email=contact.email,
            request=request,
        )
    _settle_step(
        actor,
        case,
        3,
        _("%(agency)s is on the team (radicalisation contact: %(name)s).")
        % {"agency": contact.agency, "name": _contact_name(contact) or _("no holder")},
        request,
    )
    return contact


def suggested_contacts(case):
    """Step 4: the directory's contacts for the case's municipality, with whether their
    agency is on the team already."""
    on_team = set(case.team.values_list("agency_id", flat=True))
    return [
        (contact, contact.agency is not None and contact.agency.pk in on_team)
        for contact in directory.every_contact(case.municipality)
    ]


@transaction.atomic
def add_suggested_agency(actor, case, *, agency_id, request=None):
    """Step 4: add one of the suggested agencies to the team, with its contact person."""
    _require_manage(actor, case)
    contact = next(
        (
            c
            for c in directory.every_contact(case.municipality)
            if c.agency and c.agency.pk == agency_id
        ),
        None,
    )
    if contact is None:
        raise ValidationError(_("Choose an agency from the suggestions."))
    return case_services.add_team_member(
        actor,
        case,
        agency=contact.agency,
        contact_name=_contact_name(contact),
        contact_phone=contact.phone,
        contact_email=contact.email,
        request=request,
    )


@transaction.atomic
def start_nav_cooperation(actor, case, *, request=None):
    """Step 5: NAV joins the team and takes the living-conditions responsibility."""
    _require_manage(actor, case)
    contact = next(c for c in directory.every_contact(case.municipality) if c.slot is directory.NAV)
    if contact.agency is None:
        raise ValidationError(
            _("The directory has no NAV office for %(municipality)s.")
            % {"municipality": case.municipality}
        )
    if not case.team.filter(agency=contact.agency).exists():
        case_services.add_team_member(
            actor,
            case,
            agency=contact.agency,
            contact_name=_contact_name(contact),
            contact_phone=contact.phone,
            contact_email=contact.email,
            request=request,
        )
    # Stored in the interface's own language, whatever the clicking user reads in, so
    # pressing again finds the line instead of adding a second one.
    with translation.override(settings.LANGUAGE_CODE):
        what = _(NAV_RESPONSIBILITY)
    if not case.responsibilities.filter(agency=contact.agency, what=what).exists():
        case_services.add_responsibility(
            actor,
            case,
            agency=contact.agency,
            what=what,
            agreed_on=timezone.localdate(),
            request=request,
        )
    item = step_item(case, 5)
    if item.status == StepStatus.NOT_STARTED:
        case_services.set_checklist_status(
            actor, item, status=StepStatus.IN_PROGRESS, version=item.version, request=request
        )
    return contact


# Background and motivation --------------------------------------------------------


def _check_topic(topic, factor):
    definition = TOPICS_BY_CODE.get(topic)
    if definition is None:
        raise ValidationError({"topic": _("Choose a part of the background from the list.")})
    if definition.factors and factor not in dict(definition.factors):
        raise ValidationError({"factor": _("Choose a factor from the list.")})
    if not definition.factors and factor:
        raise ValidationError({"factor": _("This part of the background has no factors.")})
    return definition


def write_background(actor, case, *, topic, factor="", text, confidentiality, request=None, **tags):
    """A background or motivation entry: an information item of the writer's agency."""
    definition = _check_topic(topic, factor)
    tags.setdefault("category", definition.category)
    return case_services.write_journal_entry(
        actor,
        case,
        text=text,
        confidentiality=confidentiality,
        topic=topic,
        factor=factor,
        request=request,
        **tags,
    )


def background_items(user, case, access_path, memberships, agency=None):
    """The background entries the user may read (current versions, and the versions
    disclosed to them), each told what was shared of it: {topic code: [entry]}. Items
    tagged GDPR Art. 9 or 10 are withheld unless the user, acting for `agency`, may
    read them (L34)."""
    entries = (
        policy.visible_journal(user, case, access_path, memberships)
        .exclude(topic="")
        .annotate(is_superseded=Exists(JournalEntry.objects.filter(supersedes=OuterRef("pk"))))
        .order_by("written_at", "id")
    )
    grouped = {}
    for entry in SharedItems(entries, memberships[0], user, agency)[:]:
        grouped.setdefault(entry.topic, []).append(entry)
    return grouped


def _chain_roots(case):
    """{version id: id of the first version of its item}, for every background version on
    the case. Only ids: which versions belong together, not what they say."""
    supersedes = dict(
        JournalEntry.objects.filter(case=case).exclude(topic="").values_list("pk", "supersedes_id")
    )
    roots = {}
    for pk in supersedes:
        current = pk
        while supersedes.get(current):
            current = supersedes[current]
        roots[pk] = current
    return roots


def background_on(user, case, day_from, day_to, agency=None):
    """Compare the background between two dates: for each item, the version the user may
    read as it stood at the end of each day. [(topic, factor, before, after, change)] with
    change one of "added", "changed", "unchanged"; items written after `day_to` are left
    out. Reads follow `readable_journal_ids` (own items, and versions disclosed); items
    tagged GDPR Art. 9 or 10 are withheld unless the user, acting for `agency`, may
    read them (L34)."""
    readable = policy.readable_journal_ids(user, [case.pk])
    entries = policy.withhold_special_categories(
        user,
        JournalEntry.objects.filter(pk__in=readable, case=case)
        .exclude(topic="")
        .select_related("agency")
        .order_by("written_at", "id"),
        agency,
    )
    roots = _chain_roots(case)
    end_from = _end_of(day_from)
    end_to = _end_of(day_to)
    chains = {}
    for entry in entries:
        chains.setdefault(roots[entry.pk], []).append(entry)
    rows = []
    for versions in chains.values():
        before = _latest(versions, end_from)
        after = _latest(versions, end_to)
        if after is None:
            continue
        if before is None:
            change = "added"
        elif before.pk != after.pk:
            change = "changed"
        else:
            change = "unchanged"
        rows.append((after.topic, after.factor, before, after, change))
    order = list(TOPICS_BY_CODE)
    rows.sort(key=lambda row: (order.index(row[0]) if row[0] in order else 99, row[3].written_at))
    return rows


def _end_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def _latest(versions, moment):
    earlier = [version for version in versions if version.written_at <= moment]
    return earlier[-1] if earlier else None


# Asking RVTS (X10) ----------------------------------------------------------------

# What the user may choose to send with a guidance request from a case: nothing that
# names the person. Each is worked out from the case at the moment of asking.
SHAREABLE_CONTEXT = (
    ("age", gettext_noop("The person's age")),
    ("stage", gettext_noop("Where the case is (its state and the checklist's progress)")),
    ("source", gettext_noop("How the concern came to attention")),
    ("returnee", gettext_noop("Whether the person is a returnee")),
)


def _context_lines(case, chosen):
    lines = []
    if "age" in chosen and case.subject:
        age = case.subject.age_on(timezone.localdate())
        if age is not None:
            lines.append(_("Age: %(age)s") % {"age": age})
    if "stage" in chosen:
        steps = exit_steps(case)
        settled = sum(1 for _step, item in steps if item.settled)
        lines.append(
            _("State: %(state)s; checklist: %(settled)s of %(total)s steps settled")
            % {"state": case.get_state_display(), "settled": settled, "total": len(steps)}
        )
    if "source" in chosen:
        lines.append(
            _("Came to attention through: %(source)s") % {"source": case.get_source_display()}
        )
    if "returnee" in chosen:
        exit_work = exit_work_of(case)
        lines.append(
            _("Returnee: yes") if exit_work and exit_work.is_returnee else _("Returnee: no")
        )
    return lines


def _names_the_person(name, text):
    """The whole name, or any part of it of four letters or more as a word of its own
    (shorter parts such as "Per" are ordinary words too often)."""
    text = text.lower()
    if name.strip().lower() in text:
        return True
    parts = [part for part in re.split(r"[\s,.()-]+", name.lower()) if len(part) >= 4]
    return any(re.search(rf"\b{re.escape(part)}\b", text) for part in parts)


@transaction.atomic
def ask_rvts(actor, case, *, question, context=(), request=None):
    """A guidance request to the RVTS centre that serves the case's municipality, with
    only the context the user chose (never the person's name or identity number). The
    answer is filed on the case."""
    path = policy.case_access_path(actor, case)
    _require(policy.can_work_on_case(actor, case, path))
    unknown = set(context) - {code for code, _label in SHAREABLE_CONTEXT}
    if unknown:
        raise ValidationError({"context": _("Choose what to send from the list.")})
    if case.subject and _names_the_person(case.subject.name, question or ""):
        raise ValidationError(
            {"question": _("Do not name the person: RVTS can advise without knowing who it is.")}
        )
    lines = _context_lines(case, set(context))
    text = (question or "").strip()
    if lines and text:
        text = text + "\n\n" + "\n".join(lines)
    agency = case_services.actor_agency(actor, case, request)
    guidance = guidance_services.request_guidance(
        actor,
        agency,
        recipient=Recipient.RVTS,
        municipality=case.municipality,
        topic=Topic.EXIT_WORK,
        question=text,
        request=request,
    )
    type(guidance).objects.filter(pk=guidance.pk).update(case=case)
    guidance.case = case
    record(
        "exit.guidance_requested",
        actor=actor,
        agency=agency,
        target=case,
        detail={"guidance_request": guidance.pk, "context": sorted(context)},
        request=request,
    )
    return guidance


# A returnee's children (L28) --------------------------------------------------------


def child_welfare_role_for(case):
    return (
        Role.objects.filter(
            kind=RoleKind.CHILD_WELFARE_CONTACT,
            municipality=case.municipality,
            agency__agency_type=AgencyType.CHILD_WELFARE,
            agency__is_active=True,
        )
        .select_related("agency", "holder")
        .first()
    )


@transaction.atomic
def create_child_case(
    actor,
    parent_case,
    *,
    name,
    birth_date,
    observation,
    legal_basis=None,
    necessity_note="",
    confirmations=(),
    request=None,
):
    """A separate case about a returnee's child, owned by child welfare: its child-welfare
    contact coordinates it and child welfare alone is on its team, so the returnee's team
    sees that it exists and nothing in it. Telling child welfare who the child is and why
    is a disclosure: it needs a statutory basis the sending agency may use, and the record
    names the parts it opened (the child's identity and the concern)."""
    from tverrnett.consent import services as consent_services

    _require_manage(actor, parent_case)
    exit_work = exit_work_of(parent_case)
    if exit_work is None or not exit_work.is_returnee:
        raise ValidationError(_("Only a returnee's exit case can have linked child cases."))
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the child's name.")
    if birth_date is None:
        errors["birth_date"] = _("Give the child's birth date.")
    elif birth_date > timezone.localdate():
        errors["birth_date"] = _("The birth date cannot be in the future.")
    elif Person(birth_date=birth_date).age_on(timezone.localdate()) >= 18:
        errors["birth_date"] = _("A child case is for a child under 18.")
    if not (observation or "").strip():
        errors["observation"] = _("Say what child welfare needs to know.")
    if errors:
        raise ValidationError(errors)
    role = child_welfare_role_for(parent_case)
    if role is None:
        raise ValidationError(
            _(
                "%(municipality)s has no child welfare contact role in Tverrnett. Ask the "
                "network administrator to add one, or contact child welfare directly."
            )
            % {"municipality": parent_case.municipality}
        )
    agency = case_services.actor_agency(actor, parent_case, request)
    if legal_basis is None:
        raise ValidationError(
            {"legal_basis": _("Choose the legal basis for telling child welfare about the child.")}
        )
    consent_services.check_statutory_basis(
        legal_basis, agency, role.agency, necessity_note, confirmations
    )
    child = Person.objects.create(name=name.strip(), birth_date=birth_date)
    child_case = ConcernCase.objects.create(
        state=CaseState.REGISTERED,
        subject=child,
        network=parent_case.network,
        forum=case_services.forum_for(parent_case.network, ForumAudience.YOUTH),
        audience=ForumAudience.YOUTH,
        municipality=parent_case.municipality,
        coordinator_role=role,
        observation=observation.strip(),
        source=Source.OTHER_AGENCY,
        urgency=Urgency.SOON,
        created_by=actor,
        created_agency=agency,
    )
    holder = role.holder
    TeamMember.objects.create(
        case=child_case,
        agency=role.agency,
        contact_name=(holder.get_full_name() or holder.get_username()) if holder else "",
        contact_phone=role.phone,
        contact_email=role.email,
        has_lead=True,
    )
    consent_services.record_case_opening(
        actor,
        child_case,
        sender=agency,
        recipient=role.agency,
        parts=[CasePart.IDENTITY, CasePart.INTAKE],
        purpose=_("Child welfare's own case about a returnee's child."),
        legal_basis=legal_basis,
        necessity_note=necessity_note,
        confirmations=confirmations,
        request=request,
    )
    link = ChildCaseLink.objects.create(
        parent_case=parent_case, child_case=child_case, created_by=actor
    )
    TimelineEvent.objects.create(
        case=child_case, actor=actor, kind="registered", to_state=CaseState.REGISTERED
    )
    TimelineEvent.objects.create(case=parent_case, actor=actor, kind="child_case_linked")
    record(
        "exit.child_case_created",
        actor=actor,
        agency=agency,
        target=parent_case,
        detail={"child_case": child_case.pk, "owner_agency": role.agency_id},
        request=request,
    )
    return link


def child_links(parent_case):
    return list(parent_case.child_links.select_related("child_case__coordinator_role__agency"))


def overview_counts(case):
    """The checklist's progress: (settled, total)."""
    items = case.checklist.filter(code__in=STEPS_BY_CODE).values_list("status", flat=True)
    statuses = list(items)
    settled = sum(1 for status in statuses if status in (StepStatus.DONE, StepStatus.NOT_RELEVANT))
    return settled, len(statuses)
