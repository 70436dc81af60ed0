"""Fictional contact agreement and first conversation for `seed_demo`, on the demo case
about the young person in Drammen. Every person here is made up."""

import datetime

from django.utils import timezone

from tverrnett.cases.models import ConcernCase
from tverrnett.conversations import services
from tverrnett.conversations.models import Attendance, ContactAgreement, ContactChannel


def seed_conversations(agencies, users):
    if ContactAgreement.objects.exists():
        return  # Safe to run again: made once.
    case = ConcernCase.objects.filter(subject__name="Demo Demosen (fiktiv)").first()
    if case is None or case.is_closed:
        return
    slt = users["slt.demo"]
    slt.is_verified = lambda: True  # development-only seeding acts for the demo user
    today = timezone.localdate()
    services.add_contact_agreement(
        slt,
        case,
        agency=agencies["Drammen kommune – SLT"],
        contact_name="SLT-koordinator (demo)",
        channel=ContactChannel.IN_PERSON,
        when="Tirsdager etter skolen",
        next_contact_on=today + datetime.timedelta(days=4),
        where="Ungdomsklubben på Strømsø",
        not_to_contact="Politiet tar ikke direkte kontakt før første samtale er holdt: "
        "Demo har sagt at han er redd for politiet.",
        note="Skolen varsler SLT-koordinatoren hvis Demo er borte fra skolen.",
        agreed_on=today,
    )
    planned_at = (timezone.localtime() + datetime.timedelta(days=4)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    services.plan_conversation(
        slt,
        case,
        is_first=True,
        planned_at=planned_at,
        place="Ungdomsklubben på Strømsø",
        purpose="Bli kjent, høre hvordan Demo har det, og fortelle hva samarbeidet går ut på.",
        attendees="Demo Demosen (fiktiv)\nSLT-koordinator (demo)\nMor (demo)",
        guardians_attend=Attendance.YES,
        child_welfare_attends=Attendance.NO,
        child_welfare_reason="Barneverntjenesten er orientert og deltar fra neste samtale, "
        "så første samtale blir mindre formell.",
        trusted_person="Fotballtreneren (demo)",
        interpretation_needed=False,
    )
