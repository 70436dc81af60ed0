"""Concern cases in one municipal network, SLT Drammen.

Its members are the owner's agency (Drammen kommune – SLT) and the partner's
agency (Nav Drammen); the outsider's agency (Nav Oslo) is in no network here.
Two roles may coordinate a Drammen case: the SLT coordinator (held by `owner`)
and the radicalisation contact of Sør-Øst police district (held by
`police_contact` at Sør-Øst politidistrikt).

`responder` (Drammen legevakt) is on no team but may break the glass: it lies in
the case's municipality.

`owner`, `partner` and `outsider` are overridden to be what a view gets from
the middleware: a user who has passed both factors. `visible_cases` refuses
anyone else, so the policy tests start from the same place as a request.
"""

import functools

import pytest
from django.utils import timezone
from django_otp.middleware import is_verified
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.cases import services
from tverrnett.cases.models import Source, Urgency
from tverrnett.networks.models import (
    Forum,
    ForumAudience,
    Network,
    NetworkLevel,
    NetworkMember,
    Role,
    RoleKind,
)


@pytest.fixture(autouse=True)
def audit_chain_stays_whole(db):
    """After every case test, the audit log it wrote still verifies (L44)."""
    yield
    from tverrnett.audit.verification import verify_log

    report = verify_log()
    assert report.intact, report.first_problem()


def signed_in(user):
    """The user as OTPMiddleware hands it to a view after the second factor."""
    user.otp_device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    user.is_verified = functools.partial(is_verified, user)
    return user


@pytest.fixture
def verified():
    return signed_in


@pytest.fixture
def owner(owner):
    return signed_in(owner)


@pytest.fixture
def partner(partner):
    return signed_in(partner)


@pytest.fixture
def outsider(outsider):
    return signed_in(outsider)


@pytest.fixture
def responder_agency(make_agency):
    """An agency in the case's municipality that is on no team: one that could plausibly
    need emergency access to a Drammen case (policy.may_break_glass)."""
    return make_agency("Drammen legevakt", AgencyType.HEALTH)


@pytest.fixture
def responder(make_user, responder_agency):
    return signed_in(
        make_user("legevakt", responder_agency, MembershipRole.CASE_WORKER, first_name="Lise")
    )


@pytest.fixture
def drammen(owner_agency):
    return owner_agency.municipality


@pytest.fixture
def network(drammen, owner_agency, partner_agency):
    today = timezone.localdate()
    network = Network.objects.create(name="SLT Drammen", level=NetworkLevel.MUNICIPAL)
    network.municipalities.set([drammen])
    NetworkMember.objects.create(network=network, agency=owner_agency, confirmed_at=today)
    NetworkMember.objects.create(network=network, agency=partner_agency, confirmed_at=today)
    return network


@pytest.fixture
def youth_forum(network, owner_agency, partner_agency):
    forum = Forum.objects.create(
        network=network, name="Samarbeidsforum for unge", audience=ForumAudience.YOUTH
    )
    forum.agencies.set([owner_agency, partner_agency])
    return forum


@pytest.fixture
def adult_forum(network, owner_agency, partner_agency):
    forum = Forum.objects.create(
        network=network, name="Samarbeidsforum for voksne", audience=ForumAudience.ADULTS
    )
    forum.agencies.set([owner_agency, partner_agency])
    return forum


@pytest.fixture
def slt_role(owner_agency, owner, drammen):
    return Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR,
        agency=owner_agency,
        municipality=drammen,
        holder=owner,
        phone="32 04 00 00",
        email="slt@drammen.example",
    )


@pytest.fixture
def police_agency(make_agency):
    return make_agency("Sør-Øst politidistrikt", AgencyType.POLICE_DISTRICT)


@pytest.fixture
def police_contact(make_user, police_agency):
    return signed_in(
        make_user(
            "politi",
            police_agency,
            MembershipRole.POLICE_RADICALISATION_CONTACT,
            first_name="Per",
        )
    )


@pytest.fixture
def police_sees_the_case(case, owner, police_agency, open_to):
    """The police district on the case's team with every part opened to it: what a
    coordinator change to the police contact needs first."""
    services.add_team_member(owner, case, agency=police_agency, contact_name="Per")
    open_to(case, police_agency)


@pytest.fixture
def police_role(police_agency, police_contact):
    return Role.objects.create(
        kind=RoleKind.POLICE_RADICALISATION_CONTACT,
        agency=police_agency,
        police_district=police_agency.police_district,
        holder=police_contact,
        email="radikalisering@politiet.example",
    )


@pytest.fixture
def register(owner, owner_agency, network, drammen, slt_role, youth_forum, adult_forum):
    """Register a concern straight through the service, as `owner` for Drammen kommune – SLT
    unless told otherwise. Identified (Ola Nordmann, born 2009) unless `anonymous=True`."""

    def register(
        *,
        actor=None,
        agency=None,
        anonymous=False,
        person=None,
        audience=ForumAudience.YOUTH,
        coordinator_role=None,
        municipality=None,
        observation="Har delt ekstremt innhold med medelever.",
        source=Source.OWN_OBSERVATION,
        urgency=Urgency.ROUTINE,
        **extra,
    ):
        actor = actor or owner
        if person is None and not anonymous:
            person = {"name": "Ola Nordmann", "birth_year": 2009}
        return services.register_concern(
            actor,
            agency or (owner_agency if actor == owner else actor.memberships.first().agency),
            network=network,
            audience=audience,
            municipality=municipality or drammen,
            coordinator_role=coordinator_role or slt_role,
            observation=observation,
            source=source,
            urgency=urgency,
            anonymous=anonymous,
            person=person,
            **extra,
        )

    return register


@pytest.fixture
def case(register):
    """An identified case, registered by the owner; the team is the owner's agency alone."""
    return register()


@pytest.fixture
def anonymous_case(register):
    return register(anonymous=True, approximate_age=15)


@pytest.fixture
def answers():
    """A complete security clarification, as the form sends it."""
    return {
        "police_contact_consulted": "yes",
        "police_contact_note": "Politiet ba oss fortsette kartleggingen.",
        "pst_to_be_told": "no",
        "pst_note": "Ingen tegn til planlegging.",
        "child_welfare_duty": "no",
        "child_welfare_reasoning": "Foreldrene følger opp.",
        "averting_duty": "no",
        "averting_reasoning": "Ingen straffbar handling er i vente.",
    }


@pytest.fixture
def legal_bases(db):
    """The shipped legal-basis catalogue, loaded; by code."""
    from tverrnett.consent.catalogue import load_catalogue
    from tverrnett.consent.models import LegalBasis

    load_catalogue()
    return {basis.code: basis for basis in LegalBasis.objects.all()}
