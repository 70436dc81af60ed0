"""What users do with risk and needs assessments (X7, X8, L25).

Each function takes the acting user first, checks permission, changes data and
writes the audit entry in one transaction. Starting an assessment is the team's and
the coordinator's (`policy.can_work_on_case`, on an open, identified case); a draft is
its assessor's alone, and only the assessor signs it. Signing writes the assessment's
information item (`cases.services.write_assessment_item`), owned by the assessor's
agency: the consent and disclosure rules then decide who else reads it. A signed
assessment never changes; a new one supersedes it.

Audit details hold ids and codes, never ratings, notes or the summary.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from tverrnett.access import policy
from tverrnett.assessments.models import (
    UNKNOWN,
    Assessment,
    AssessmentStatus,
    Instrument,
    RaterCertification,
    Rating,
)
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases import services as case_services
from tverrnett.core import dates
from tverrnett.core.versions import StaleEdit, claim
from tverrnett.measures import services as measure_services

for _name, _description in [
    ("assessment.instrument_published", gettext_noop("Published an assessment instrument")),
    ("assessment.started", gettext_noop("Started a risk and needs assessment")),
    ("assessment.saved", gettext_noop("Saved a draft assessment")),
    ("assessment.signed", gettext_noop("Signed an assessment")),
    ("assessment.discarded", gettext_noop("Discarded a draft assessment")),
    ("assessment.measure_proposed", gettext_noop("Proposed a measure from an assessment")),
    ("assessment.certification_registered", gettext_noop("Registered a rater certification")),
    ("assessment.certification_ended", gettext_noop("Ended a rater certification")),
]:
    actions.register(_name, _description)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _require_work(actor, case):
    _require(policy.can_work_on_case(actor, case, policy.case_access_path(actor, case)))


def _require_assessor(actor, assessment):
    """A draft is worked on by its assessor only, while they can work on the case."""
    _require(assessment.assessor_id == actor.pk)
    _require_work(actor, assessment.case)
    if assessment.is_signed:
        raise ValidationError(
            _("A signed assessment cannot be changed. Make a new assessment that supersedes it.")
        )


# Instruments -----------------------------------------------------------------------


def current_instruments():
    """The newest published version of each instrument: those offered for new assessments."""
    newest = {}
    for instrument in Instrument.objects.order_by("code", "-published_on", "-id"):
        newest.setdefault(instrument.code, instrument)
    return sorted(newest.values(), key=lambda instrument: instrument.name)


def is_current(instrument):
    """The newest version of its instrument: the one `current_instruments` offers."""
    newest = Instrument.objects.filter(code=instrument.code).order_by("-published_on", "-id")
    return newest.values_list("pk", flat=True).first() == instrument.pk


def valid_certification(user, instrument_code, day):
    """The user's certification for the instrument, valid on `day`, or None."""
    for certification in RaterCertification.objects.filter(
        user=user, instrument_code=instrument_code
    ).order_by("-certified_on"):
        if certification.is_valid_on(day):
            return certification
    return None


# Writing -----------------------------------------------------------------------------


@transaction.atomic
def start_assessment(actor, case, *, instrument, assessed_on, supersedes=None, request=None):
    """Start a draft assessment of the person in `case` with the newest version of an
    instrument. A re-assessment names the signed assessment it will supersede and starts
    from its ratings (the assessor goes through each one again)."""
    _require_work(actor, case)
    if case.is_anonymous:
        raise ValidationError(
            _("An anonymous discussion cannot be assessed. Convert it into an identified case.")
        )
    agency = case_services.actor_agency(actor, case, request)
    errors = {}
    if assessed_on is None:
        errors["assessed_on"] = _("Give the date of the assessment.")
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The date of the assessment cannot be in the future.")
    if not is_current(instrument):
        errors["instrument"] = _("A newer version of this instrument is published. Use that.")
    certification = None
    if instrument.needs_certification:
        certification = valid_certification(
            actor, instrument.code, assessed_on or timezone.localdate()
        )
        if certification is None:
            errors["instrument"] = _(
                "Only certified raters may use this instrument, and you have no valid "
                "certification for it. Your agency's manager registers certifications."
            )
    if supersedes is not None:
        if (
            supersedes.case_id != case.pk
            or not supersedes.is_signed
            or supersedes.agency_id != agency.pk
            or supersedes.instrument.code != instrument.code
        ):
            errors["supersedes"] = _(
                "Only a signed assessment by your agency with the same instrument can be "
                "superseded."
            )
        elif Assessment.objects.filter(supersedes=supersedes).exists():
            errors["supersedes"] = _("That assessment has already been superseded.")
    if errors:
        raise ValidationError(errors)
    assessment = Assessment.objects.create(
        case=case,
        instrument=instrument,
        agency=agency,
        assessor=actor,
        certification=certification,
        assessed_on=assessed_on,
        supersedes=supersedes,
    )
    earlier = {}
    if supersedes is not None:
        earlier = {rating.item_code: rating for rating in supersedes.ratings.all()}
    ratings = []
    for position, (item_code, domain_code) in enumerate(instrument.item_codes().items()):
        rating = Rating(
            assessment=assessment, domain_code=domain_code, item_code=item_code, position=position
        )
        before = earlier.get(item_code)
        if before is not None and before.value in instrument.options_of(domain_code):
            rating.value = before.value
            rating.note = before.note
            rating.unknown_reason = before.unknown_reason
        ratings.append(rating)
    Rating.objects.bulk_create(ratings)
    record(
        "assessment.started",
        actor=actor,
        agency=agency,
        target=case,
        detail={
            "assessment": assessment.pk,
            "instrument": instrument.code,
            "instrument_version": instrument.version,
            "supersedes": supersedes.pk if supersedes else None,
        },
        request=request,
    )
    return assessment


def _check_ratings(assessment, ratings):
    """{item code: {"value", "note", "unknown_reason"}} → cleaned, or ValidationError
    keyed by item code (the form's field names)."""
    instrument = assessment.instrument
    domain_of = instrument.item_codes()
    unknown_items = set(ratings) - set(domain_of)
    if unknown_items:
        raise ValidationError(_("The assessment has no such item."))
    cleaned, errors = {}, {}
    for item_code, given in ratings.items():
        value = (given.get("value") or "").strip()
        note = (given.get("note") or "").strip()
        reason = (given.get("unknown_reason") or "").strip()
        if value and value not in instrument.options_of(domain_of[item_code]):
            errors[f"{item_code}-value"] = _("Choose a rating from the scale.")
        elif value == UNKNOWN and not reason:
            errors[f"{item_code}-unknown_reason"] = _(
                "Say why this is unknown: what is missing, and how it can be found out."
            )
        cleaned[item_code] = {
            "value": value,
            "note": note,
            "unknown_reason": reason if value == UNKNOWN else "",
        }
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def save_draft(
    actor,
    assessment,
    *,
    version,
    ratings,
    summary,
    recommended_measures,
    assessed_on,
    review_on,
    request=None,
):
    """Save the draft: ratings (items not named keep theirs), the summary judgement, the
    recommended measures and the dates. Items may still be unrated in a draft."""
    _require_assessor(actor, assessment)
    errors = {}
    try:
        cleaned = _check_ratings(assessment, ratings)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        errors.update(error.error_dict)  # reported with the dates' problems, all at once
    if assessed_on is None:
        errors["assessed_on"] = _("Give the date of the assessment.")
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The date of the assessment cannot be in the future.")
    if review_on is not None and assessed_on is not None and review_on <= assessed_on:
        errors["review_on"] = _("The review date must come after the assessment.")
    if errors:
        raise ValidationError(errors)
    fields = {
        "summary": (summary or "").strip(),
        "recommended_measures": (recommended_measures or "").strip(),
        "assessed_on": assessed_on,
        "review_on": review_on,
    }
    claim(assessment, version, only_if={"status": AssessmentStatus.DRAFT}, **fields)
    rows = list(assessment.ratings.filter(item_code__in=list(cleaned)))
    for row in rows:
        for name, value in cleaned[row.item_code].items():
            setattr(row, name, value)
    Rating.objects.bulk_update(rows, ["value", "note", "unknown_reason"])
    record(
        "assessment.saved",
        actor=actor,
        agency=assessment.agency,
        target=assessment.case,
        detail={"assessment": assessment.pk},
        request=request,
    )
    return assessment


def missing_for_signing(assessment):
    """What the assessment still lacks before it can be signed, as sentences."""
    missing = []
    ratings = list(assessment.ratings.all())
    unrated = [rating for rating in ratings if not rating.value]
    if unrated:
        missing.append(
            ngettext(
                "%(count)s item is not rated.",
                "%(count)s items are not rated.",
                len(unrated),
            )
            % {"count": len(unrated)}
            + " "
            + _("Rate every item, or choose “unknown” with a reason.")
        )
    if any(rating.value == UNKNOWN and not rating.unknown_reason for rating in ratings):
        missing.append(_("An item rated “unknown” has no reason."))
    if not assessment.summary:
        missing.append(_("Write your summary judgement."))
    if assessment.review_on is None:
        missing.append(_("Give the date the assessment is to be reviewed."))
    return missing


def item_text(assessment):
    """The assessment as the text of its information item, in bokmål: what a recipient
    of the item reads in the journal."""
    with translation.override("nb"):
        labels = {}
        lines = [
            _("Risk and needs assessment: %(instrument)s, version %(version)s.")
            % {"instrument": assessment.instrument.name, "version": assessment.instrument.version},
            _("Assessed on %(day)s by %(assessor)s (%(agency)s). Review by %(review)s.")
            % {
                "day": dates.day(assessment.assessed_on),
                "assessor": assessment.assessor.get_full_name() or assessment.assessor.username,
                "agency": assessment.agency.name,
                "review": dates.day(assessment.review_on),
            },
            "",
            _("Summary judgement: %(summary)s") % {"summary": assessment.summary},
        ]
        if assessment.recommended_measures:
            lines.append(
                _("Recommended measures: %(measures)s")
                % {"measures": assessment.recommended_measures}
            )
        ratings = {rating.item_code: rating for rating in assessment.ratings.all()}
        for domain in assessment.instrument.domains:
            labels = dict(domain["options"])
            lines += ["", f"{domain['name']}:"]
            for item in domain["items"]:
                rating = ratings[item["code"]]
                line = f"- {item['question']} {labels.get(rating.value, '')}"
                if rating.unknown_reason:
                    line += f" ({rating.unknown_reason})"
                if rating.note:
                    line += f". {rating.note}"
                lines.append(line)
    return "\n".join(lines)


@transaction.atomic
def sign_assessment(actor, assessment, *, version, confidentiality, request=None, **tags):
    """Sign the draft. It becomes an information item of the assessor's agency and never
    changes again; the assessment it supersedes shows as superseded. `tags`: the
    special-category flags of the item (health_data, religious_beliefs,
    political_opinions, offences) and, for the police, police_verification."""
    _require_assessor(actor, assessment)
    missing = missing_for_signing(assessment)
    if missing:
        raise ValidationError(missing)
    if assessment.instrument.needs_certification and (
        valid_certification(actor, assessment.instrument.code, assessment.assessed_on) is None
    ):
        raise ValidationError(_("Your certification for this instrument is no longer valid."))
    # Locks the draft so two signings cannot both write an item.
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.version != version or locked.is_signed:
        raise StaleEdit()
    entry = case_services.write_assessment_item(
        actor,
        assessment.case,
        assessment.agency,
        text=item_text(assessment),
        confidentiality=confidentiality,
        request=request,
        **tags,
    )
    now = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(
        status=AssessmentStatus.SIGNED, signed_at=now, entry=entry, version=F("version") + 1
    )
    assessment.status, assessment.signed_at, assessment.entry = AssessmentStatus.SIGNED, now, entry
    assessment.version = version + 1
    record(
        "assessment.signed",
        actor=actor,
        agency=assessment.agency,
        target=assessment.case,
        detail={
            "assessment": assessment.pk,
            "entry": entry.pk,
            "supersedes": assessment.supersedes_id,
        },
        request=request,
    )
    return assessment


@transaction.atomic
def discard_draft(actor, assessment, *, request=None):
    """Delete a draft that will not be signed. A signed assessment stays for good."""
    _require_assessor(actor, assessment)
    pk, case = assessment.pk, assessment.case
    Rating.objects.filter(assessment=assessment).delete()
    assessment.delete()
    record(
        "assessment.discarded",
        actor=actor,
        target=case,
        detail={"assessment": pk},
        request=request,
    )


@transaction.atomic
def propose_measure(actor, assessment, *, item_codes, request=None, **measure_fields):
    """Make a measure for the items the assessor judges most important (X8): an ordinary
    measure on the case (`measures.services.add_measure`), linked to the assessment and
    its items. From a signed assessment the user's agency may read."""
    case = assessment.case
    _require(policy.visible_assessments(actor, case).filter(pk=assessment.pk).exists())
    if not assessment.is_signed:
        raise ValidationError(_("Sign the assessment before proposing measures from it."))
    codes = [code for code in assessment.instrument.item_codes() if code in set(item_codes)]
    if not codes or len(codes) != len(set(item_codes)):
        raise ValidationError(
            {"items": _("Choose the items the measure is for, from this assessment.")}
        )
    measure = measure_services.add_measure(
        actor,
        case,
        request=request,
        proposed_from=assessment,
        proposed_items=codes,
        **measure_fields,
    )
    record(
        "assessment.measure_proposed",
        actor=actor,
        target=case,
        detail={"assessment": assessment.pk, "measure": measure.pk, "items": codes},
        request=request,
    )
    return measure


# Rater certifications ------------------------------------------------------------------


def certifiable_users(actor):
    """The users a manager registers certifications for: the active members of the
    agencies they manage."""
    from tverrnett.accounts.models import User

    return (
        User.objects.filter(
            memberships__agency__in=policy.managed_agencies(actor),
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@transaction.atomic
def register_certification(
    actor, *, user, instrument_code, issued_by, reference, certified_on, valid_until, request=None
):
    _require(certifiable_users(actor).filter(pk=user.pk).exists())
    errors = {}
    if not Instrument.objects.filter(code=instrument_code).exists():
        errors["instrument_code"] = _("Choose a published instrument.")
    if not (issued_by or "").strip():
        errors["issued_by"] = _("Say who issued the certification.")
    if certified_on is None:
        errors["certified_on"] = _("Give the date of the certification.")
    elif certified_on > timezone.localdate():
        errors["certified_on"] = _("The certification date cannot be in the future.")
    if valid_until is not None and certified_on is not None and valid_until < certified_on:
        errors["valid_until"] = _("A certification cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    certification = RaterCertification.objects.create(
        user=user,
        instrument_code=instrument_code,
        issued_by=issued_by.strip(),
        reference=(reference or "").strip(),
        certified_on=certified_on,
        valid_until=valid_until,
        registered_by=actor,
    )
    record(
        "assessment.certification_registered",
        actor=actor,
        target=user,
        detail={"certification": certification.pk, "instrument": instrument_code},
        request=request,
    )
    return certification


@transaction.atomic
def end_certification(actor, certification, *, request=None):
    """End a certification today (it is kept: signed assessments name it)."""
    _require(certifiable_users(actor).filter(pk=certification.user_id).exists())
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    certification.valid_until = max(yesterday, certification.certified_on)
    certification.save(update_fields=["valid_until"])
    record(
        "assessment.certification_ended",
        actor=actor,
        target=certification.user,
        detail={"certification": certification.pk},
        request=request,
    )


# Reading -------------------------------------------------------------------------------


def assessments_on(user, case, access_path=None, memberships=None):
    """The assessments the user may read on the case, newest first, with what lists show."""
    return (
        policy.visible_assessments(user, case, access_path, memberships)
        .select_related("instrument", "agency", "assessor", "superseded_by", "entry")
        .order_by("-assessed_on", "-id")
    )


def rated_domains(assessment, ratings=None):
    """The instrument's domains, each item with its rating row and the rating's label."""
    ratings = ratings if ratings is not None else {r.item_code: r for r in assessment.ratings.all()}
    domains = assessment.instrument.domains
    for domain in domains:
        labels = dict(domain["options"])
        for item in domain["items"]:
            item["rating"] = ratings.get(item["code"])
            value = item["rating"].value if item["rating"] else ""
            item["label"] = labels.get(value, "")
    return domains


def compare(older, newer):
    """Item by item, two assessments of the same instrument (the versions may differ): per
    domain, rows with the two ratings' labels and notes and whether the rating changed.
    An item only in one version shows as missing in the other."""
    rows_by_domain = []
    before = {item["code"]: item for domain in rated_domains(older) for item in domain["items"]}
    seen = set()
    for domain in rated_domains(newer):
        rows = []
        for item in domain["items"]:
            earlier = before.get(item["code"])
            seen.add(item["code"])
            rows.append(_compare_row(item, earlier, item))
        rows_by_domain.append(
            {"name": domain["name"], "rows": rows, "changed": sum(row["changed"] for row in rows)}
        )
    gone = [item for item in before.values() if item["code"] not in seen]
    if gone:
        rows_by_domain.append(
            {
                "name": _("Items no longer in the instrument"),
                "rows": [_compare_row(item, item, None) for item in gone],
                "changed": len(gone),
            }
        )
    return rows_by_domain


def _compare_row(item, earlier, later):
    def side(entry):
        if entry is None:
            return None
        rating = entry["rating"]
        return {
            "label": entry["label"],
            "value": rating.value if rating else "",
            "note": rating.note if rating else "",
            "unknown_reason": rating.unknown_reason if rating else "",
        }

    old, new = side(earlier), side(later)
    return {
        "question": item["question"],
        "kind_label": item["kind_label"],
        "before": old,
        "after": new,
        "changed": old is None or new is None or old["value"] != new["value"],
    }


def development(assessments):
    """How each domain's ratings were spread over time, assessment by assessment: for
    each domain, the scale's options and, per assessment (oldest first), how many items
    got each rating, plus each item's rating per assessment. Counts per rating only:
    nothing is added up across ratings (L25)."""
    assessments = sorted(assessments, key=lambda a: (a.assessed_on, a.pk))
    if not assessments:
        return []
    ratings = {}
    for rating in Rating.objects.filter(assessment__in=assessments):
        ratings[(rating.assessment_id, rating.item_code)] = rating.value
    newest = assessments[-1].instrument
    domains = []
    for domain in newest.domains:
        options = domain["options"]
        labels = dict(options)
        columns = []
        for assessment in assessments:
            counts = {code: 0 for code, _label in options}
            rated = False
            for item in domain["items"]:
                value = ratings.get((assessment.pk, item["code"]))
                if value in counts:
                    counts[value] += 1
                    rated = True
            columns.append(
                {
                    "assessment": assessment,
                    "counts": [(code, labels[code], counts[code]) for code, _label in options],
                    "rated": rated,
                }
            )
        items = [
            {
                "question": item["question"],
                "labels": [
                    labels.get(ratings.get((assessment.pk, item["code"])), "–")
                    for assessment in assessments
                ],
            }
            for item in domain["items"]
        ]
        domains.append(
            {
                "code": domain["code"],
                "name": domain["name"],
                "options": options,
                "columns": columns,
                "items": items,
                "item_count": len(domain["items"]),
            }
        )
    return domains


def reviews_due_for_assessor(user, today=None):
    """Signed assessments by `user`, not superseded, whose review date has come (L25), in
    open cases the user still sees: the start page shows them, since the worker's reminder
    e-mail links there and not to the case."""
    from tverrnett.cases.models import CaseState

    today = today or timezone.localdate()
    return (
        Assessment.objects.filter(
            assessor=user, status="signed", review_on__lte=today, superseded_by__isnull=True
        )
        .exclude(case__state=CaseState.CLOSED)
        .filter(case__in=policy.visible_cases(user))
        .select_related("case")
        .order_by("review_on", "id")
    )
