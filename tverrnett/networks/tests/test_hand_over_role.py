import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tverrnett.accounts.models import MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.geography.services import resolve_municipality
from tverrnett.networks.models import Role, RoleKind
from tverrnett.networks.services import StaleRole, hand_over_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def slt_role(reference_data, owner_agency, owner, make_user):
    deputy = make_user("nestleder", owner_agency, first_name="Dina")
    return Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR,
        agency=owner_agency,
        municipality=resolve_municipality("Drammen"),
        phone="32 00 00 00",
        email="slt@example.no",
        holder=owner,
        deputy=deputy,
    )


@pytest.fixture
def successor(make_user, owner_agency):
    return make_user("etterfolger", owner_agency, first_name="Siv")


def test_it_moves_the_role_to_the_new_holder_and_records_who_when_and_why(
    slt_role, owner, successor
):
    role = hand_over_role(
        owner, slt_role, new_holder=successor, reason="Ny jobb", expected_version=1
    )

    role.refresh_from_db()
    assert role.holder == successor
    assert role.deputy.username == "nestleder"
    assert role.version == 2
    handover = role.handovers.get()
    assert (handover.previous_holder, handover.new_holder) == (owner, successor)
    assert (handover.handed_over_by, handover.reason) == (owner, "Ny jobb")
    assert role.holder_since == handover.handed_over_at
    entry = AuditEntry.objects.get(action="networks.role_handed_over")
    assert entry.target_id == str(role.pk)
    assert entry.detail["previous_holder"] == owner.pk
    assert entry.detail["new_holder"] == successor.pk


def test_the_old_holder_can_be_deactivated_and_the_role_keeps_its_history(
    slt_role, owner, successor
):
    hand_over_role(owner, slt_role, new_holder=successor, reason="Slutter", expected_version=1)

    owner.is_active = False
    owner.save()

    role = Role.objects.get(pk=slt_role.pk)
    assert role.holder == successor
    assert role.email == "slt@example.no"  # the contact point belongs to the role
    assert role.handovers.get().previous_holder == owner


def test_the_deputy_may_hand_over_for_a_holder_who_has_left(slt_role, successor):
    hand_over_role(
        slt_role.deputy, slt_role, new_holder=successor, reason="Forrige slutta", expected_version=1
    )

    assert Role.objects.get(pk=slt_role.pk).holder == successor


def test_a_manager_of_the_agency_may_hand_over(slt_role, make_user, owner_agency, successor):
    manager = make_user("leder", owner_agency, MembershipRole.LINE_MANAGER)

    hand_over_role(
        manager, slt_role, new_holder=successor, reason="Omorganisering", expected_version=1
    )

    assert Role.objects.get(pk=slt_role.pk).holder == successor


def test_a_colleague_who_is_neither_holder_deputy_nor_manager_may_not(slt_role, successor):
    with pytest.raises(PermissionDenied):
        hand_over_role(
            successor, slt_role, new_holder=successor, reason="Tar over", expected_version=1
        )

    assert Role.objects.get(pk=slt_role.pk).holder.username == "eier"


def test_a_partner_agency_user_may_not_hand_over_the_role(slt_role, partner):
    with pytest.raises(PermissionDenied):
        hand_over_role(partner, slt_role, new_holder=partner, reason="x", expected_version=1)


def test_an_outsider_manager_may_not_hand_over_another_agencys_role(
    slt_role, make_user, outsider_agency, successor
):
    foreign_manager = make_user("annen-leder", outsider_agency, MembershipRole.AGENCY_ADMIN)

    with pytest.raises(PermissionDenied):
        hand_over_role(
            foreign_manager, slt_role, new_holder=successor, reason="x", expected_version=1
        )
    assert not AuditEntry.objects.filter(action="networks.role_handed_over").exists()


def test_the_new_holder_must_work_for_the_roles_agency(slt_role, owner, partner):
    with pytest.raises(ValidationError) as refused:
        hand_over_role(owner, slt_role, new_holder=partner, reason="x", expected_version=1)

    assert "new_holder" in refused.value.message_dict
    assert "jobber ikke for" in refused.value.message_dict["new_holder"][0]


def test_a_deactivated_person_cannot_take_over(slt_role, owner, successor):
    successor.is_active = False
    successor.save()

    with pytest.raises(ValidationError):
        hand_over_role(owner, slt_role, new_holder=successor, reason="x", expected_version=1)


def test_the_holder_cannot_also_be_the_deputy(slt_role, owner):
    with pytest.raises(ValidationError) as refused:
        hand_over_role(owner, slt_role, new_holder=slt_role.deputy, reason="x", expected_version=1)

    assert "new_deputy" in refused.value.message_dict


def test_a_reason_is_required(slt_role, owner, successor):
    with pytest.raises(ValidationError) as refused:
        hand_over_role(owner, slt_role, new_holder=successor, reason="  ", expected_version=1)

    assert "reason" in refused.value.message_dict


def test_a_handover_based_on_a_stale_view_of_the_role_is_refused(
    slt_role, owner, successor, make_user, owner_agency
):
    third = make_user("tredje", owner_agency)
    hand_over_role(owner, slt_role, new_holder=successor, reason="Første", expected_version=1)

    with pytest.raises(StaleRole):
        hand_over_role(
            slt_role.deputy, slt_role, new_holder=third, reason="Andre", expected_version=1
        )

    assert Role.objects.get(pk=slt_role.pk).holder == successor


def test_a_new_deputy_can_be_named_in_the_same_step(
    slt_role, owner, successor, make_user, owner_agency
):
    new_deputy = make_user("ny-nestleder", owner_agency)

    role = hand_over_role(
        owner,
        slt_role,
        new_holder=successor,
        new_deputy=new_deputy,
        reason="Nytt team",
        expected_version=1,
    )

    assert (role.holder, role.deputy) == (successor, new_deputy)
    assert role.handovers.get().previous_deputy.username == "nestleder"
