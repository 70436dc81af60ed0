"""A fictional notification chain for `seed_demo`: PST tells the police district that a
presumed foreign fighter is on the way home to Drammen; the police radicalisation
contact has acknowledged it and passed it on, and it waits for the SLT coordinator's
acknowledgement and the municipality's decision. The SLT coordinator has linked it to the
demo exit case (exitwork/demo.py), so steps 12 and 13 of its checklist show the chain.
Nobody here is real; the notice names no one."""

from django.utils import timezone

from tverrnett.cases.models import ConcernCase
from tverrnett.exitwork.demo import PERSON as EXIT_PERSON
from tverrnett.geography.services import resolve_municipality
from tverrnett.networks.models import Role, RoleKind
from tverrnett.notices import services
from tverrnett.notices.models import NoticeChain

SUBJECT = "Hjemkomst meldt til Drammen (demo)"


def seed_notices(agencies, users):
    drammen = resolve_municipality("3301")
    # PST's contact for the district (the "return learned locally" chain ends there).
    Role.objects.get_or_create(
        kind=RoleKind.PST_CONTACT,
        agency=agencies["PST"],
        police_district=drammen.police_district,
        defaults={"holder": users["pst.demo"], "holder_since": timezone.now()},
    )
    if NoticeChain.objects.exists():
        return  # Safe to run again: made once.
    pst, police, slt = users["pst.demo"], users["politi.demo"], users["slt.demo"]
    for user in (pst, police, slt):
        user.is_verified = lambda: True  # development-only seeding acts for the demo users
    chain = services.start_chain(
        pst,
        agencies["PST"],
        template_code="returning_foreign_fighter",
        municipality=drammen,
        subject=SUBJECT,
        content="En person antatt å ha deltatt i væpnet konflikt i utlandet er ventet hjem til "
        "Drammen i løpet av de neste to ukene. PST gir politidistriktet nærmere opplysninger "
        "muntlig.",
        urgency="urgent",
    )
    first = chain.notices.get()
    services.acknowledge(police, first)
    services.forward(
        police,
        first,
        content="Politiet har fått melding om en forventet hjemkomst til Drammen. Ta kontakt med "
        "radikaliseringskontakten for å avtale videre oppfølging.",
    )
    # The returnee of the demo exit case: the coordinator links the chain to it.
    exit_case = ConcernCase.objects.filter(subject__name=EXIT_PERSON).first()
    if exit_case is not None:
        services.link_case(slt, chain, exit_case, agency=agencies["Drammen kommune – SLT"])
