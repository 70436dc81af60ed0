"""Notices, on the case fixtures: Drammen kommune – SLT (the owner holds the SLT
coordinator role), Sør-Øst politidistrikt (`police_contact` holds the radicalisation
contact role), and here PST with its contact role for the district. `police_deputy` is
the police role's deputy and `police_manager` a line manager of the police district.
"""

import re

import pytest
from django.core import mail

from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.cases.tests.conftest import signed_in

# The star import brings the autouse `audit_chain_stays_whole` too.
from tverrnett.consent.tests.conftest import *  # noqa: F403  (the case and consent fixtures)
from tverrnett.networks.models import Role, RoleKind
from tverrnett.notices import services as notice_services

CONTENT = "En person er ventet hjem til Drammen i løpet av to uker."


@pytest.fixture
def pst_agency(make_agency):
    return make_agency("PST", AgencyType.PST, municipality=None)


@pytest.fixture
def pst_user(make_user, pst_agency):
    return signed_in(make_user("pst", pst_agency, MembershipRole.CASE_WORKER, first_name="Pia"))


@pytest.fixture
def pst_role(pst_agency, pst_user, police_agency):
    return Role.objects.create(
        kind=RoleKind.PST_CONTACT,
        agency=pst_agency,
        police_district=police_agency.police_district,
        holder=pst_user,
    )


@pytest.fixture
def police_deputy(make_user, police_agency, police_role):
    deputy = signed_in(make_user("politi2", police_agency, MembershipRole.CASE_WORKER))
    police_role.deputy = deputy
    police_role.save(update_fields=["deputy"])
    return deputy


@pytest.fixture
def police_manager(make_user, police_agency):
    return signed_in(make_user("politileder", police_agency, MembershipRole.LINE_MANAGER))


@pytest.fixture
def chain(pst_user, pst_agency, drammen, police_role, slt_role, pst_role):
    """PST's notice of a presumed foreign fighter's return to Drammen, just sent."""
    for user in (police_role.holder, slt_role.holder):
        user.email = f"{user.username}@test.example"
        user.save(update_fields=["email"])
    return notice_services.start_chain(
        pst_user,
        pst_agency,
        template_code="returning_foreign_fighter",
        municipality=drammen,
        subject="Hjemkomst til Drammen",
        content=CONTENT,
        urgency="urgent",
    )


def assert_emails_say_nothing():
    """Every e-mail sent so far links only to the start page, the notices or the task inbox, and
    holds no case URL, case id or reference, chain id, person's name, municipality or
    subject (docs/security.md, the mailbox actor)."""
    from tverrnett.cases.models import ConcernCase, Person
    from tverrnett.geography.models import Municipality
    from tverrnett.notices.emails import absolute
    from tverrnett.notices.models import NoticeChain

    allowed = {absolute("/"), absolute("/varsler/"), absolute("/oppgaver/")}
    secrets = [case.reference for case in ConcernCase.objects.all()]
    secrets += list(Person.objects.values_list("name", flat=True))
    secrets += list(NoticeChain.objects.values_list("subject", flat=True))
    secrets += list(
        Municipality.objects.filter(pk__in=NoticeChain.objects.values("municipality")).values_list(
            "name", flat=True
        )
    )
    secrets += list(
        Municipality.objects.filter(pk__in=ConcernCase.objects.values("municipality")).values_list(
            "name", flat=True
        )
    )
    for message in mail.outbox:
        text = message.subject + "\n" + message.body
        links = re.findall(r"https?://\S+", text)
        assert set(links) <= allowed, links
        for link in links:
            text = text.replace(link, "")
        # No id of anything: no digit is left once the links are gone.
        assert not re.search(r"\d", text), text
        for secret in secrets:
            assert secret and secret not in text, secret


@pytest.fixture(autouse=True)
def emails_say_nothing(db):
    """After every notices test, whatever it e-mailed passes `assert_emails_say_nothing`."""
    yield
    assert_emails_say_nothing()
