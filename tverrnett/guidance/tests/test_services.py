import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from stdnum.no import fodselsnummer

from tverrnett.audit.models import AuditEntry
from tverrnett.guidance.models import GuidanceRequest, Recipient, Status
from tverrnett.guidance.services import (
    answer_guidance_request,
    contains_identity_number,
    request_guidance,
)


def _identity_number(birth_date):
    """The first valid number for a six-digit birth date (some individual numbers have none)."""
    for individual in range(100, 500):
        number = f"{birth_date}{individual}"
        check1 = fodselsnummer.calc_check_digit1(number)
        check2 = fodselsnummer.calc_check_digit2(number + check1)
        if fodselsnummer.is_valid(number + check1 + check2):
            return number + check1 + check2
    raise AssertionError(birth_date)


FNR = _identity_number("010190")  # 1 January 1990
D_NUMBER = _identity_number("410190")  # the same date as a D-number (day + 40)


def test_it_builds_valid_identity_numbers_for_the_tests():
    assert fodselsnummer.is_valid(FNR)
    assert fodselsnummer.is_valid(D_NUMBER)


@pytest.mark.parametrize(
    "text",
    [
        f"Gjelder {FNR}.",
        f"Gjelder {FNR[:6]} {FNR[6:]}.",
        f"Fnr: {' '.join(FNR)}",
        f"Gutt, 15 år, {FNR[:6]} {FNR[6:]}",
        f"D-nummer {D_NUMBER}",
        f"{FNR[:6]}-{FNR[6:]}",
    ],
)
def test_it_finds_an_identity_number(text):
    assert contains_identity_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ring 22 58 60 00 eller 02800.",
        f"{FNR[:10]}{(int(FNR[10]) + 1) % 10}",  # wrong check digit
        f"Kontonummer {FNR}5",  # twelve digits in a row
        "Saksnummer 2024/12345, 12345678901",
        "",
    ],
)
def test_it_lets_other_numbers_through(text):
    assert not contains_identity_number(text)


@pytest.mark.parametrize(
    ("municipality", "agency_name", "region_code"),
    [
        ("3911", "RVTS Sør", "sor"),
        ("Oslo", "RVTS Øst", "ost"),
        ("0301", "RVTS Øst", "ost"),
    ],
)
@pytest.mark.usefixtures("rvts_sor", "rvts_ost")
def test_it_routes_to_the_rvts_serving_the_municipality(
    send, municipality, agency_name, region_code
):
    guidance = send(municipality=municipality)
    assert guidance.recipient_agency.name == agency_name
    assert guidance.rvts_region.code == region_code
    assert guidance.status == Status.OPEN


def test_it_routes_to_nav_grunerlokka_whatever_the_municipality(send, nav_grunerlokka):
    guidance = send(municipality="Drammen", recipient=Recipient.NAV_GRUNERLOKKA)
    assert guidance.recipient_agency == nav_grunerlokka
    assert guidance.rvts_region is None


@pytest.mark.usefixtures("rvts_sor")
def test_it_refuses_a_region_without_an_agency_in_tverrnett(send):
    with pytest.raises(ValidationError, match="RVTS Vest"):
        send(municipality="Bergen")
    assert not GuidanceRequest.objects.exists()


def test_it_refuses_a_region_whose_agency_has_no_active_user_and_names_the_centre(
    send, make_agency, make_user, reference_data
):
    from django.utils import translation

    from tverrnett.accounts.models import MembershipRole
    from tverrnett.agencies.models import AgencyType
    from tverrnett.geography.models import RvtsRegion

    vest = RvtsRegion.objects.get(code="vest")
    vest.phone, vest.email = "55 00 00 00", "post@rvtsvest.example"
    vest.save()
    agency = make_agency(
        "RVTS Vest",
        AgencyType.RVTS,
        municipality=None,
        police_district=None,
        rvts_region=vest,
    )
    left = make_user("vest.sluttet", agency, MembershipRole.ADVISOR)
    left.memberships.update(is_active=False)

    with translation.override("en"), pytest.raises(ValidationError) as error:
        send(municipality="Bergen")
    message = " ".join(error.value.messages)
    assert "Nobody at RVTS Vest" in message
    assert "55 00 00 00" in message and "post@rvtsvest.example" in message
    assert not GuidanceRequest.objects.exists()


def test_it_names_rvts_osts_national_function_when_the_region_has_no_contact_data(
    send, reference_data
):
    from django.utils import translation

    from tverrnett.geography.models import RvtsRegion

    RvtsRegion.objects.filter(code="nord").update(phone="", email="")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        send(municipality="Tromsø")
    message = " ".join(error.value.messages)
    assert "RVTS Nord" in message
    assert "national guidance function" in message
    assert "22 58 60 00" in message and "post@rvtsost.no" in message
    assert not GuidanceRequest.objects.exists()


def test_it_refuses_nav_grunerlokka_without_an_active_user_and_gives_its_phone(
    send, make_agency, reference_data
):
    from django.utils import translation

    from tverrnett.agencies.models import AgencyType

    make_agency(
        "Nav Grünerløkka",
        AgencyType.NAV,
        municipality=("0301", "Oslo"),
        police_district="oslo",
        phone="55 55 33 33",
    )
    with translation.override("en"), pytest.raises(ValidationError) as error:
        send(recipient=Recipient.NAV_GRUNERLOKKA)
    assert "55 55 33 33" in " ".join(error.value.messages)
    assert not GuidanceRequest.objects.exists()


def test_it_refuses_nav_grunerlokka_when_it_is_not_registered(send, reference_data):
    with pytest.raises(ValidationError):
        send(recipient=Recipient.NAV_GRUNERLOKKA)


@pytest.mark.usefixtures("rvts_sor")
def test_it_refuses_an_identity_number_in_the_question(send):
    with pytest.raises(ValidationError) as error:
        send(question=f"Gjelder {FNR[:6]} {FNR[6:]}")
    assert "question" in error.value.error_dict
    assert not GuidanceRequest.objects.exists()


@pytest.mark.usefixtures("rvts_sor")
def test_it_audits_a_request_without_the_question(send):
    guidance = send(question="Hvordan bygger vi nettverk rundt en ung person?")
    entry = AuditEntry.objects.get(action="guidance.requested")
    assert entry.target_id == str(guidance.pk)
    assert entry.actor_username == "eier"
    assert entry.detail["municipality"] == "3911"
    assert "nettverk" not in str(entry.detail)


@pytest.mark.usefixtures("rvts_sor")
def test_it_refuses_sending_for_an_agency_the_user_does_not_work_for(owner, outsider_agency):
    from tverrnett.geography.services import resolve_municipality

    with pytest.raises(PermissionDenied):
        request_guidance(
            owner,
            outsider_agency,
            recipient=Recipient.RVTS,
            municipality=resolve_municipality("3911"),
            topic="other",
            question="Spørsmål",
        )


def test_it_lets_the_receiving_agency_answer_once(send, rvts_user):
    guidance = send()
    answered = answer_guidance_request(rvts_user, guidance, answer="Ring oss gjerne.")
    assert answered.status == Status.ANSWERED
    assert answered.answered_by == rvts_user
    assert answered.answered_at is not None
    assert AuditEntry.objects.filter(
        action="guidance.answered", target_id=str(guidance.pk)
    ).exists()
    with pytest.raises(ValidationError):
        answer_guidance_request(rvts_user, guidance, answer="Et svar til.")


def test_it_refuses_an_answer_from_anyone_else(send, rvts_user, owner, outsider):
    guidance = send()
    for user in (owner, outsider):
        with pytest.raises(PermissionDenied):
            answer_guidance_request(user, guidance, answer="Svar")
    guidance.refresh_from_db()
    assert guidance.status == Status.OPEN


def test_it_refuses_an_identity_number_in_the_answer(send, rvts_user):
    guidance = send()
    with pytest.raises(ValidationError):
        answer_guidance_request(rvts_user, guidance, answer=f"Gjelder det {FNR}?")
