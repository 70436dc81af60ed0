"""What users do with guidance: send a request, answer one.

Each function takes the acting user first, checks permission, changes data
and writes the audit entry in one transaction. Routing and the identity
number check live here too, so a caller that skips the form cannot skip them.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.core.identity_numbers import contains_identity_number
from tverrnett.geography.models import RvtsRegion
from tverrnett.geography.services import rvts_region_for
from tverrnett.guidance.models import GuidanceRequest, Recipient, Status

actions.register(
    "guidance.requested", gettext_noop("Sent a guidance request to an RVTS or Nav Grünerløkka")
)
actions.register("guidance.answered", gettext_noop("Answered a guidance request"))

# The national contact point for exit work is found by name: it is one agency,
# registered like any other (DOMAIN.md, X10).
NAV_GRUNERLOKKA = "Nav Grünerløkka"
# The region whose centre holds the national guidance function (the seeds).
NATIONAL_GUIDANCE_REGION = "ost"


def identity_number_message():
    return _(
        "The text contains a national identity number or D-number. Remove it: a guidance "
        "request must not identify the person it is about."
    )


def _answering(agencies):
    """The agencies among `agencies` where someone can answer: an active user with an
    active membership (policy.can_answer_guidance_request asks for no more)."""
    return agencies.filter(
        is_active=True, memberships__is_active=True, memberships__user__is_active=True
    ).distinct()


def _contact_text(phone, email):
    """ "phone 22 58 60 00 or e-mail post@rvtsost.no", or what of it is known."""
    parts = []
    if phone:
        parts.append(_("phone %(phone)s") % {"phone": phone})
    if email:
        parts.append(_("e-mail %(email)s") % {"email": email})
    return _(" or ").join(parts)


def who_to_call_instead(region):
    """Whom to contact when no one in Tverrnett answers for `region`: the centre's own
    phone and e-mail from the reference data, or else RVTS Øst's national guidance
    function (the seeds: "RVTS Øst har en nasjonal veiledningsfunksjon")."""
    contact = _contact_text(region.phone, region.email) if region is not None else ""
    if contact:
        return _("Contact %(centre)s directly: %(contact)s.") % {
            "centre": region.name,
            "contact": contact,
        }
    national = RvtsRegion.objects.filter(code=NATIONAL_GUIDANCE_REGION).first()
    contact = _contact_text(national.phone, national.email) if national is not None else ""
    if contact:
        return _(
            "Contact RVTS Øst's national guidance function on radicalisation and violent "
            "extremism: %(contact)s."
        ) % {"contact": contact}
    return _(
        "Contact RVTS Øst's national guidance function on radicalisation and violent extremism."
    )


def route(recipient, municipality):
    """The receiving agency and, for RVTS, the region: (agency, region or None).

    Raises ValidationError when no agency in Tverrnett can answer the request (no
    agency, or none with an active user), naming whom to call instead: a request
    is never filed where nobody will read it.
    """
    if recipient == Recipient.RVTS:
        region = rvts_region_for(municipality)
        if region is None:
            raise ValidationError(
                _("We do not know which RVTS serves %(municipality)s.")
                % {"municipality": municipality.name}
                + " "
                + who_to_call_instead(None)
            )
        agency = (
            _answering(Agency.objects.filter(agency_type=AgencyType.RVTS, rvts_region=region))
            .order_by("pk")
            .first()
        )
        if agency is None:
            raise ValidationError(
                _(
                    "Nobody at %(region)s, which serves %(municipality)s, answers guidance "
                    "requests in Tverrnett yet, so the request was not sent."
                )
                % {"region": region.name, "municipality": municipality.name}
                + " "
                + who_to_call_instead(region)
            )
        return agency, region
    if recipient == Recipient.NAV_GRUNERLOKKA:
        agency = _answering(Agency.objects.filter(name=NAV_GRUNERLOKKA)).first()
        if agency is None:
            registered = Agency.objects.filter(name=NAV_GRUNERLOKKA, is_active=True).first()
            contact = _contact_text(registered.phone, registered.email) if registered else ""
            message = _(
                "Nobody at Nav Grünerløkka answers guidance requests in Tverrnett yet, so the "
                "request was not sent."
            )
            if contact:
                message += " " + _("Contact Nav Grünerløkka directly: %(contact)s.") % {
                    "contact": contact
                }
            raise ValidationError(message)
        return agency, None
    raise ValidationError(_("Choose who should receive the request."))


def request_guidance(actor, agency, *, recipient, municipality, topic, question, request=None):
    """Send a guidance request for `agency` (the agency the actor acts for)."""
    if agency is None or not policy.works_for_agency(actor, agency):
        raise PermissionDenied(_("You can only send guidance requests for your own agency."))
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": _("Write your question.")})
    if contains_identity_number(question):
        raise ValidationError({"question": identity_number_message()})
    recipient_agency, region = route(recipient, municipality)

    with transaction.atomic():
        guidance = GuidanceRequest.objects.create(
            recipient=recipient,
            municipality=municipality,
            rvts_region=region,
            recipient_agency=recipient_agency,
            topic=topic,
            question=question,
            sender=actor,
            sender_agency=agency,
        )
        record(
            "guidance.requested",
            actor=actor,
            agency=agency,
            target=guidance,
            request=request,
            detail={
                "recipient": recipient,
                "recipient_agency": recipient_agency.pk,
                "rvts_region": region.code if region else "",
                "municipality": municipality.number,
                "topic": topic,
            },
        )
    return guidance


def answer_guidance_request(actor, guidance, *, answer, request=None):
    """Answer an open request; only users of the receiving agency may."""
    if not policy.can_answer_guidance_request(actor, guidance):
        raise PermissionDenied(_("Only the receiving agency can answer this request."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write your answer.")})
    if contains_identity_number(answer):
        raise ValidationError({"answer": identity_number_message()})

    with transaction.atomic():
        locked = GuidanceRequest.objects.select_for_update().get(pk=guidance.pk)
        if locked.status != Status.OPEN:
            raise ValidationError(
                _("Someone has already answered this request. Reload the page to see the answer.")
            )
        locked.status = Status.ANSWERED
        locked.answer = answer
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        record(
            "guidance.answered",
            actor=actor,
            agency=locked.recipient_agency,
            target=locked,
            request=request,
            detail={"sender_agency": locked.sender_agency_id},
        )
    return locked
