import pytest

from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_user_can_act_for_another_of_their_agencies(client, login_as, owner, partner_agency):
    second = Membership.objects.create(
        user=owner, agency=partner_agency, role=MembershipRole.CASE_WORKER
    )
    login_as(client, owner)

    response = client.post("/bytt-etat/", {"membership": second.pk}, follow=True)

    assert "Du handler nå for Nav Drammen." in response.content.decode()
    entry = AuditEntry.objects.get(action="auth.agency_switched")
    assert entry.agency_name == "Nav Drammen"


def test_a_user_cannot_act_for_an_agency_they_do_not_belong_to(client, login_as, owner, outsider):
    login_as(client, owner)
    foreign = outsider.memberships.get()

    response = client.post("/bytt-etat/", {"membership": foreign.pk}, follow=True)

    assert "Velg en av dine egne etater." in response.content.decode()
    assert "Du handler for Drammen kommune – SLT." in response.content.decode()
    assert not AuditEntry.objects.filter(action="auth.agency_switched").exists()
