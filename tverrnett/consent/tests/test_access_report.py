"""The person's access report (innsynsrapport, L40): their data, consents, disclosures and
the access log, through a redaction step where every redaction has a reason.

The scenario: the owner (SLT coordinator) writes items on Kari Nordmann's case, records
her consent and discloses the items to Nav Drammen (the partner), whose user reads the
case page three times. The outsider reads nothing. Per Annenmann's case, in the same
network, is written on, read and listed too: nothing of it may reach Kari's report.
"""

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext
from stdnum.no import fodselsnummer

from tverrnett.access import policy
from tverrnett.assessments.tests.conftest import assess, instrument  # noqa: F401  (fixtures)
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import Person, SecurityClarification
from tverrnett.consent import services
from tverrnett.consent.access_report import (
    build_report,
    make_report,
    report_entries,
    report_json,
    report_pdf,
)
from tverrnett.consent.models import AccessReport, ConsentWithdrawal, Disclosure
from tverrnett.core.tests import samples
from tverrnett.networks.models import ForumAudience

OTHER_NAME = "Per Annenmann"
OTHER_TEXT = "Per har fortalt om broren sin."


# A valid (made-up) national identity number: born 1 January 1990.
IDENTITY_NUMBER = "01019010046"


def test_it_uses_a_valid_identity_number():
    assert fodselsnummer.is_valid(IDENTITY_NUMBER)


def acting(user, agency):
    """A request as the middleware leaves it: the user acting for `agency` in their role there."""
    request = RequestFactory().get("/")
    request.user = user
    request.agency = agency
    request.membership = user.memberships.get(agency=agency)
    return request


@pytest.fixture
def scenario(
    catalogue,
    team_case,
    register,
    owner,
    owner_agency,
    partner,
    partner_agency,
    outsider,
    write,
    give_consent,
):
    case = team_case
    person = case.subject
    person.identity_number = IDENTITY_NUMBER
    person.identity_number_reason = "Trengs for Nav."
    person.save(
        update_fields=[
            "identity_number_encrypted",
            "identity_number_hash",
            "identity_number_reason",
        ]
    )
    person.refresh_from_db()
    first = write(case, "Kari har sluttet på skolen.")
    second = write(case, f"Kari ringte fra {IDENTITY_NUMBER[:6]} {IDENTITY_NUMBER[6:]}.")
    consent = give_consent(case, recipients=[partner_agency])
    disclosure = services.disclose(
        owner,
        case,
        items=[first, second],
        recipient=partner_agency,
        purpose="Samordnet oppfølging av Kari",
        consent=consent,
    )
    as_partner = acting(partner, partner_agency)
    reads = [
        case_services.record_case_read(
            partner, case, parts=["summary", "journal"], access_path="team", request=as_partner
        )
        for _ in range(3)
    ]
    # Another person's case, in the same network, written on, read and listed.
    other = register(person={"name": OTHER_NAME, "birth_year": 1985}, audience=ForumAudience.ADULTS)
    write(other, OTHER_TEXT)
    as_owner = acting(owner, owner_agency)
    case_services.record_case_read(
        owner, other, parts=["journal"], access_path="team", request=as_owner
    )
    both_listed = case_services.record_case_list_read(
        owner, [other.pk, case.pk], searched=True, request=as_owner
    )
    case_services.record_case_list_read(owner, [other.pk], searched=True, request=as_owner)
    return {
        "owner": owner,
        "case": case,
        "person": person,
        "items": [first, second],
        "consent": consent,
        "disclosure": disclosure,
        "reads": reads,
        "both_listed": both_listed,
        "other": other,
    }


def _access_log(report):
    return {line["key"]: line for line in report["access_log"]}


def test_it_lists_every_read_of_the_case_with_user_agency_and_role(scenario):
    report = build_report(scenario["person"], reader=scenario["owner"], redactions=[])

    log = _access_log(report)
    for read in scenario["reads"]:
        line = log[f"access:{read.pk}"]
        assert line["actor"] == "partner"
        assert line["agency"] == "Nav Drammen"
        assert line["role"] == "case_worker"
        assert line["action"] == "case.viewed"
        assert line["parts"] == ["journal", "summary"]
        assert line["access_path"] == "team"
        assert line["cases"] == [scenario["case"].reference]
    assert sum(line["actor"] == "partner" for line in log.values()) == 3
    assert not any(line["actor"] == "utenfor" for line in log.values())
    # The writes and the disclosure are in the log as well, with the owner's agency.
    disclosed = [line for line in log.values() if line["action"] == "consent.disclosed"]
    assert [(line["actor"], line["agency"]) for line in disclosed] == [
        ("eier", "Drammen kommune – SLT")
    ]
    assert disclosed[0]["items"] == sorted(item.pk for item in scenario["items"])


def test_it_shows_the_disclosure_with_its_items_and_the_consent(scenario):
    report = build_report(scenario["person"], reader=scenario["owner"], redactions=[])

    [disclosure] = report["disclosures"]
    assert disclosure["key"] == f"disclosure:{scenario['disclosure'].pk}"
    assert disclosure["sender"] == "Drammen kommune – SLT"
    assert disclosure["recipient"] == "Nav Drammen"
    assert disclosure["items"] == sorted(item.pk for item in scenario["items"])
    assert disclosure["consent"] == scenario["consent"].pk
    assert disclosure["purpose"] == "Samordnet oppfølging av Kari"
    assert disclosure["legal_basis_citation"] == scenario["disclosure"].legal_basis_citation
    [consent] = report["consents"]
    assert consent["status"] == "given"
    assert consent["recipients"] == ["Nav Drammen"]
    assert consent["categories"] == ["concern"]
    assert consent["withdrawal"] is None
    assert [item["id"] for item in report["journal"]] == [item.pk for item in scenario["items"]]
    assert report["journal"][0]["text"] == "Kari har sluttet på skolen."
    assert report["journal"][0]["agency"] == "Drammen kommune – SLT"
    [case] = report["cases"]
    assert case["coordinator"]["agency"] == "Drammen kommune – SLT"
    assert sorted(member["agency"] for member in case["team"]) == [
        "Drammen kommune – SLT",
        "Nav Drammen",
    ]
    assert report["person"]["name"] == "Kari Nordmann"


def test_it_holds_nothing_about_another_person(scenario):
    other = scenario["other"]
    report = build_report(scenario["person"], reader=scenario["owner"], redactions=[])
    text = json.dumps(report, ensure_ascii=False)

    assert OTHER_NAME not in text
    assert OTHER_TEXT not in text
    assert other.reference not in text
    other_entries = set(
        AuditEntry.objects.filter(
            target_type="cases.concerncase", target_id=str(other.pk)
        ).values_list("pk", flat=True)
    )
    assert other_entries
    assert not {f"access:{pk}" for pk in other_entries} & set(_access_log(report))
    # The list that showed both cases is there, naming Kari's case only.
    listed = _access_log(report)[f"access:{scenario['both_listed'].pk}"]
    assert listed["cases"] == [scenario["case"].reference]
    assert listed["action"] == "case.list_viewed"
    list_views = [line for line in report["access_log"] if line["action"] == "case.list_viewed"]
    assert len(list_views) == 1


def test_it_never_writes_the_identity_number(scenario):
    report = build_report(scenario["person"], reader=scenario["owner"], redactions=[])
    text = json.dumps(report, ensure_ascii=False)

    assert IDENTITY_NUMBER not in text
    assert f"{IDENTITY_NUMBER[:6]} {IDENTITY_NUMBER[6:]}" not in text
    assert report["person"]["identity_number"] == gettext("Recorded (hidden)")
    assert "Kari ringte fra" in report["journal"][1]["text"]


def test_a_protected_address_is_left_out(scenario):
    Person.objects.filter(pk=scenario["person"].pk).update(
        protected_address="strengt_fortrolig", address="Hemmeligveien 1"
    )
    person = Person.objects.get(pk=scenario["person"].pk)

    report = build_report(person, reader=scenario["owner"], redactions=[])

    assert report["person"]["address"] == ""
    assert "Hemmeligveien" not in json.dumps(report, ensure_ascii=False)


def test_every_line_has_a_stable_key_a_section_and_a_label(scenario):
    entries = report_entries(scenario["person"], scenario["owner"])

    keys = [entry.key for entry in entries]
    assert len(keys) == len(set(keys))
    assert keys == [entry.key for entry in report_entries(scenario["person"], scenario["owner"])]
    assert all(entry.label and entry.section_label for entry in entries)
    assert f"person:{scenario['person'].pk}" in keys
    assert f"case:{scenario['case'].pk}" in keys
    assert f"consent:{scenario['consent'].pk}" in keys
    assert {entry.section for entry in entries} == {
        "person",
        "cases",
        "journal",
        "consents",
        "disclosures",
        "access_log",
    }


def test_a_redaction_with_a_reason_replaces_the_line_and_is_recorded(scenario, owner):
    read = scenario["reads"][0]
    item = scenario["items"][0]
    reason = "Hensynet til en pågående etterforskning (personopplysningsloven § 16)."
    redactions = [
        {"key": f"access:{read.pk}", "reason": reason},
        {"key": f"journal:{item.pk}", "reason": "Opplysninger om en tredjeperson."},
    ]

    stored = make_report(owner, scenario["person"], redactions=redactions)

    assert stored.redactions == redactions
    report = json.loads(report_json(stored))
    assert _access_log(report)[f"access:{read.pk}"] == {
        "key": f"access:{read.pk}",
        "redacted": True,
        "reason": reason,
    }
    assert report["journal"][0] == {
        "key": f"journal:{item.pk}",
        "redacted": True,
        "reason": "Opplysninger om en tredjeperson.",
    }
    assert "Kari har sluttet på skolen." not in json.dumps(report, ensure_ascii=False)
    # The other reads are still there.
    assert f"access:{scenario['reads'][1].pk}" in _access_log(report)
    assert report["report"]["id"] == stored.pk
    entry = AuditEntry.objects.get(action="consent.access_report")
    assert entry.actor_username == "eier"
    assert entry.agency_name == "Drammen kommune – SLT"
    assert entry.target_id == str(scenario["case"].pk)
    assert entry.detail == {
        "report": stored.pk,
        "person": scenario["person"].pk,
        "redactions": [f"access:{read.pk}", f"journal:{item.pk}"],
    }


def test_a_withdrawal_sits_in_its_consent_and_is_redacted_on_its_own(scenario, owner):
    services.withdraw_consent(
        owner,
        scenario["consent"],
        withdrawn_on=timezone.localdate(),
        note="Kari ringte og trakk samtykket.",
    )
    withdrawal = ConsentWithdrawal.objects.get(consent=scenario["consent"])

    report = build_report(scenario["person"], reader=scenario["owner"], redactions=[])
    assert report["consents"][0]["withdrawal"]["note"] == "Kari ringte og trakk samtykket."

    redacted = build_report(
        scenario["person"],
        reader=scenario["owner"],
        redactions=[{"key": f"withdrawal:{withdrawal.pk}", "reason": "Tredjeperson."}],
    )
    assert redacted["consents"][0]["status"] == "given"
    assert redacted["consents"][0]["withdrawal"] == {
        "key": f"withdrawal:{withdrawal.pk}",
        "redacted": True,
        "reason": "Tredjeperson.",
    }


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_redaction_without_a_reason_is_refused(scenario, owner, reason):
    key = f"access:{scenario['reads'][0].pk}"

    with pytest.raises(ValidationError) as refused:
        make_report(owner, scenario["person"], redactions=[{"key": key, "reason": reason}])

    assert refused.value.messages == [gettext("Give a reason for every redaction.")]
    assert not AccessReport.objects.exists()
    assert not AuditEntry.objects.filter(action="consent.access_report").exists()


def test_a_redaction_of_a_line_not_in_the_report_is_refused(scenario, owner):
    other_entry = AuditEntry.objects.filter(target_id=str(scenario["other"].pk)).first()

    with pytest.raises(ValidationError):
        make_report(
            owner,
            scenario["person"],
            redactions=[{"key": f"access:{other_entry.pk}", "reason": "Annen person."}],
        )

    assert not AccessReport.objects.exists()


def test_only_a_coordinator_of_a_case_about_the_person_may_make_it(
    scenario, owner, partner, outsider
):
    person = scenario["person"]

    assert policy.can_make_access_report(owner, person)
    for user in (partner, outsider):
        assert not policy.can_make_access_report(user, person)
        with pytest.raises(PermissionDenied):
            make_report(user, person, redactions=[])
    assert not AccessReport.objects.exists()


def test_a_deputy_of_the_coordinator_role_may_make_it(scenario, make_user, owner_agency):
    deputy = make_user("stedfortreder", owner_agency)
    role = scenario["case"].coordinator_role
    role.deputy = deputy
    role.save()

    assert policy.can_make_access_report(deputy, scenario["person"])


def test_the_json_parses_and_the_pdf_is_a_pdf_with_the_persons_name(scenario, owner):
    stored = make_report(owner, scenario["person"], redactions=[])

    report = json.loads(report_json(stored))
    assert report["report_version"] == 2
    assert report["person"]["name"] == "Kari Nordmann"
    pdf = report_pdf(stored)
    assert pdf.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Kari Nordmann" in text
    assert IDENTITY_NUMBER not in text.replace(" ", "")
    assert OTHER_NAME not in text


def test_the_command_writes_both_files(scenario, tmp_path):
    person = scenario["person"]
    read = scenario["reads"][0]
    out = tmp_path / "innsyn"
    stdout = io.StringIO()

    call_command(
        "access_report",
        "--person",
        str(person.pk),
        "--actor",
        "eier",
        "--out",
        str(out),
        "--redact",
        f"access:{read.pk}=Hensynet til en tredjeperson.",
        stdout=stdout,
    )

    files = sorted(path.name for path in out.iterdir())
    [stored] = AccessReport.objects.all()
    assert [name.rsplit(".", 1)[1] for name in files] == ["json", "pdf"]
    assert all(name.startswith("innsyn-") for name in files)
    for name in files:
        assert "kari" not in name.lower()
        assert "nordmann" not in name.lower()
        assert IDENTITY_NUMBER not in name
        assert str(out / name) in stdout.getvalue()
    report = json.loads((out / files[0]).read_text(encoding="utf-8"))
    assert report["report"]["id"] == stored.pk
    assert _access_log(report)[f"access:{read.pk}"]["redacted"] is True
    assert (out / files[1]).read_bytes().startswith(b"%PDF")


def test_the_command_refuses_a_redaction_without_a_reason(scenario, tmp_path):
    key = f"access:{scenario['reads'][0].pk}"
    for redaction in (f"{key}=", f"{key}=  ", key):
        with pytest.raises(CommandError):
            call_command(
                "access_report",
                "--person",
                str(scenario["person"].pk),
                "--actor",
                "eier",
                "--out",
                str(tmp_path),
                "--redact",
                redaction,
            )
    assert not AccessReport.objects.exists()
    assert not list(tmp_path.iterdir())


def test_the_command_refuses_a_user_who_does_not_coordinate(scenario, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "access_report",
            "--person",
            str(scenario["person"].pk),
            "--actor",
            "partner",
            "--out",
            str(tmp_path),
        )
    assert not AccessReport.objects.exists()


def _populate(
    register, owner, partner, partner_agency, write, give_consent, name, count, assessor=None
):
    """A case about `name` with `count` items, consents, disclosures and reads, and
    `count` of every other part of a case (a tenth as many assessments)."""
    case = register(person={"name": name, "birth_year": 1990}, audience=ForumAudience.ADULTS)
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    items = [write(case, f"Opplysning {number}.") for number in range(count)]
    for _ in range(count // 3):
        consent = give_consent(case, recipients=[partner_agency])
        services.disclose(
            owner, case, items=items[:3], recipient=partner_agency, purpose="Oppfølging",
            consent=consent,
        )  # fmt: skip
    as_partner = acting(partner, partner_agency)
    for _ in range(count):
        case_services.record_case_read(
            partner, case, parts=["journal"], access_path="team", request=as_partner
        )
    case_services.record_case_list_read(partner, [case.pk], searched=False, request=as_partner)
    if assessor is not None:
        give_consent(
            case, recipients=[partner_agency], categories=["measures"], individual_plan=True,
            plan_confidential_access=True,
        )  # fmt: skip
        _every_part(case, owner, owner.memberships.get().agency, count)
        for _ in range(max(1, count // 10)):
            assessor(case)
    return case.subject


def test_building_the_report_takes_the_same_queries_for_3_items_as_for_30(
    catalogue,
    register,
    owner,
    partner,
    partner_agency,
    write,
    give_consent,
    assess,  # noqa: F811
    django_assert_max_num_queries,
):
    made = (register, owner, partner, partner_agency, write, give_consent)
    small = _populate(*made, "Liten Sak", 3, assessor=assess)
    large = _populate(*made, "Stor Sak", 30, assessor=assess)

    with CaptureQueriesContext(connection) as queries:
        small_report = build_report(small, reader=owner, redactions=[])
    with django_assert_max_num_queries(len(queries.captured_queries)):
        large_report = build_report(large, reader=owner, redactions=[])

    # Each signed assessment writes its journal item too.
    assert len(small_report["journal"]) == 3 + 1
    assert len(large_report["journal"]) == 30 + 3
    assert len(large_report["disclosures"]) == 10
    for section in NEW_SECTIONS:
        if section not in ("plans", "security_clarifications", "files"):
            assert len(large_report[section]) == (3 if section == "assessments" else 30), section
    assert len(large_report["plans"][0]["goals"]) == 30
    assert sum(line["action"] == "case.viewed" for line in large_report["access_log"]) == 30


def test_times_are_local_and_iso(scenario):
    report = build_report(scenario["person"], reader=scenario["owner"], redactions=[])

    moment = datetime.datetime.fromisoformat(report["generated_at"])
    assert moment.utcoffset() == timezone.localtime().utcoffset()


def test_another_agencys_item_not_disclosed_to_the_maker_is_listed_without_its_text(
    scenario, partner, partner_agency
):
    """C1: the coordinator's report names every item, but the text of an item its agency
    may not read stays with the agency that owns it."""
    from tverrnett.cases.models import JournalEntry

    JournalEntry.objects.create(
        case=scenario["case"],
        agency=partner_agency,
        author=partner,
        confidentiality="confidential",
        text="Navs eget notat som aldri ble delt.",
        sector=partner_agency.agency_type,
    )

    report = build_report(scenario["person"], reader=scenario["owner"], redactions=[])

    [theirs] = [item for item in report["journal"] if item["agency"] == partner_agency.name]
    assert theirs["text"] is None
    assert theirs["text_held_by_owner"] is True
    assert "aldri ble delt" not in json.dumps(report, ensure_ascii=False)


# Every part of a case (issue 16 item 8) -------------------------------------------------

NEW_SECTIONS = (
    "measures",
    "plans",
    "conversations",
    "contact_agreements",
    "resources",
    "tasks",
    "security_clarifications",
    "assessments",
    "files",
)


def _every_part(case, owner, owner_agency, count=1):
    """`count` of each part of a case that is a list, made as the owner (the coordinator),
    and the one security clarification. Returns the rows by section."""
    from tverrnett.conversations.models import ContactAgreement, Conversation
    from tverrnett.measures.models import Measure, MeasureType
    from tverrnett.plans.models import IndividualPlan, PlanGoal, PlanMeasure, PlanRevision

    today = timezone.localdate()
    later = today + datetime.timedelta(days=60)
    measure_type, _created = MeasureType.objects.get_or_create(
        code="mentor", defaults={"name_nb": "Mentor", "name_en": "Mentor", "group": "network"}
    )
    rows = {section: [] for section in NEW_SECTIONS}
    for number in range(count):
        rows["measures"].append(
            Measure.objects.create(
                case=case, measure_type=measure_type, goal=f"Kari får en mentor ({number}).",
                responsible_agency=owner_agency, start_on=today, evaluation_on=later,
                person_view="Kari vil gjerne.", created_by=owner,
            )
        )  # fmt: skip
        rows["conversations"].append(
            Conversation.objects.create(
                case=case, planned_at=timezone.now(), place="Rådhuset",
                purpose=f"Bli kjent ({number})", attendees="Eva Eier\nKari", created_by=owner,
            )
        )  # fmt: skip
        rows["contact_agreements"].append(
            ContactAgreement.objects.create(
                case=case, agency=owner_agency, contact_name="Eva Eier", channel="phone",
                when="Hver tirsdag", agreed_on=today, not_to_contact="Onkelen, av hensyn til Kari.",
                created_by=owner,
            )
        )  # fmt: skip
        rows["resources"].append(
            case_services.add_resource(
                owner, case, name=f"Tante Tone {number}", relation="family",
                how_they_help="Middag på søndager.",
            )
        )  # fmt: skip
        rows["tasks"].append(
            case_services.add_task(
                owner, case, title=f"Ring Kari ({number})", owner_agency=owner_agency,
                owner_name="Eva", deadline=later,
            )
        )  # fmt: skip
    consent = case.consents.filter(individual_plan=True).first()
    if consent is not None:
        plan = IndividualPlan.objects.create(
            person=case.subject, case=case, consent=consent,
            coordinator_role=case.coordinator_role, overview="Kari vil fullføre skolen.",
            internal_note="Intern merknad.", created_by=owner,
        )  # fmt: skip
        for number in range(count):
            PlanGoal.objects.create(plan=plan, text=f"Mål {number}", by_person=True,
                                    recorded_by=owner)  # fmt: skip
            PlanMeasure.objects.create(plan=plan, description=f"Leksehjelp {number}",
                                       responsible_agency=owner_agency, extent="2 timer",
                                       timing="Ukentlig")  # fmt: skip
            PlanRevision.objects.create(plan=plan, due_on=later + datetime.timedelta(days=number))
        rows["plans"].append(plan)
    rows["security_clarifications"].append(
        SecurityClarification.objects.create(
            case=case, police_contact_consulted="yes", police_contact_note="Ingen bekymring.",
            pst_to_be_told="no", pst_note="Ikke nødvendig.", child_welfare_duty="no",
            child_welfare_reasoning="Voksen.", averting_duty="no",
            averting_reasoning="Ingen planlagt handling.", answered_by=owner,
            answered_at=timezone.now(),
        )
    )  # fmt: skip
    return rows


@pytest.fixture
def every_part(
    catalogue,
    team_case,
    owner,
    owner_agency,
    partner,
    partner_agency,
    school_agency,
    on_team,
    write,
    give_consent,
    assess,  # noqa: F811
    media_root,
):
    """Kari's case with one of each part and several disclosures: under a consent (since
    withdrawn; Nav Drammen records its own basis), under a statutory basis, and to the
    school. The consent with the signed declaration is the plan's consent."""
    case = team_case
    on_team(case, school_agency)
    item = write(case, "Kari har begynt på fotball.")
    assessment = assess(case)
    consent = give_consent(
        case, recipients=[partner_agency, school_agency], categories=["concern", "assessment"]
    )
    plan_consent = services.prepare_consent(
        owner, case, consenter_name="Kari Nordmann", capacity="the_person",
        purpose="Individuell plan", categories=["measures"], recipients=[partner_agency],
        ends_on=timezone.localdate() + datetime.timedelta(days=180), language="norsk",
        interpreter_used=False, individual_plan=True, plan_confidential_access=True,
    )  # fmt: skip
    services.record_consent_answer(
        owner, plan_consent, decision="given", form="written",
        declaration=samples.upload("signert.pdf", samples.pdf_bytes("Signert")),
    )  # fmt: skip
    rows = _every_part(case, owner, owner_agency)
    disclosures = [
        services.disclose(
            owner, case, items=[item, assessment.entry], recipient=partner_agency,
            purpose="Samordnet oppfølging", consent=consent,
        ),
        services.disclose(
            owner, case, items=[item], recipient=partner_agency, purpose="Bolig",
            legal_basis=catalogue["statutory-open"], necessity_note="Nav må vite det nå.",
        ),
        services.disclose(
            owner, case, items=[item], recipient=school_agency, purpose="Skolehverdag",
            consent=consent,
        ),
        # A team join: parts of the case opened to the school, no items.
        services.open_case_to(
            owner, case, recipient=school_agency, parts=["measures", "tasks"],
            purpose="Skolen følger opp tiltakene", legal_basis=catalogue["statutory-open"],
            necessity_note="Skolen har ansvar for tiltaket i skoletiden.",
        ),
    ]  # fmt: skip
    services.withdraw_consent(
        owner, consent, withdrawn_on=timezone.localdate(), note="Kari trakk samtykket."
    )
    kept = services.record_own_basis(
        partner,
        disclosures[0],
        legal_basis=catalogue["statutory-open"],
        necessity_note="Nav trenger det for ytelsen.",
    )
    rows["assessments"].append(assessment)
    rows["files"].append(plan_consent)
    return {
        "case": case,
        "person": case.subject,
        "rows": rows,
        "disclosures": disclosures,
        "kept": kept,
        "item": item,
    }


def _key(section, row):
    if section == "files":
        return f"file:declaration-{row.pk}"
    prefix = {
        "measures": "measure",
        "plans": "plan",
        "conversations": "conversation",
        "contact_agreements": "contact_agreement",
        "resources": "resource",
        "tasks": "task",
        "security_clarifications": "security_clarification",
        "assessments": "assessment",
    }[section]
    return f"{prefix}:{row.pk}"


def test_the_report_lists_every_part_of_the_case_and_every_disclosure(every_part, owner):
    report = build_report(every_part["person"], reader=owner, redactions=[])

    for section, rows in every_part["rows"].items():
        assert rows, section
        assert [line["key"] for line in report[section]] == [_key(section, r) for r in rows]
    # Every disclosure record of the person's cases, whatever its kind.
    every = Disclosure.objects.filter(case=every_part["case"]).order_by("shared_at", "id")
    assert [line["key"] for line in report["disclosures"]] == [
        f"disclosure:{disclosure.pk}" for disclosure in every
    ]
    assert len(report["disclosures"]) == 4
    assert [line["kind"] for line in report["disclosures"]] == [
        "items",
        "items",
        "items",
        "team_join",
    ]
    team_join = report["disclosures"][3]
    assert team_join["parts"] == ["measures", "tasks"]
    assert team_join["items"] == []
    assert team_join["recipient"] == "Fjell ungdomsskole"
    [measure] = report["measures"]
    assert measure["goal"] == "Kari får en mentor (0)."
    assert measure["responsible_agency"] == "Drammen kommune – SLT"
    [plan] = report["plans"]
    assert plan["overview"] == "Kari vil fullføre skolen."
    assert plan["goals"] == [{"text": "Mål 0", "by_person": True}]
    assert plan["measures"][0]["description"] == "Leksehjelp 0"
    assert report["contact_agreements"][0]["not_to_contact"] == "Onkelen, av hensyn til Kari."
    assert report["conversations"][0]["attendees"] == ["Eva Eier", "Kari"]
    assert report["resources"][0]["name"] == "Tante Tone 0"
    assert report["tasks"][0]["title"] == "Ring Kari (0)"
    assert report["security_clarifications"][0]["pst_note"] == "Ikke nødvendig."
    [assessment] = report["assessments"]
    assert assessment["summary"] == "Motivert, men usikker på bolig."
    assert assessment["ratings"]
    [declaration] = report["files"]
    assert declaration["file_name"] == "signert.pdf"
    assert declaration["consent"] == every_part["rows"]["files"][0].pk
    # The withdrawn consent's first disclosure: Nav Drammen's own basis is in the record.
    first = report["disclosures"][0]
    assert first["recipient_own_basis"]["necessity_note"] == "Nav trenger det for ytelsen."
    assert report["disclosures"][2]["recipient_own_basis"] is None


def test_another_agencys_assessment_is_listed_without_its_content(every_part, partner, school_user):
    """C1, as for journal items: a report made by Nav Drammen (which received the owner's
    signed assessment and kept it under its own basis) holds its content; one made by the
    school (which never received it) lists it without."""
    [received] = build_report(every_part["person"], reader=partner, redactions=[])["assessments"]
    [listed] = build_report(every_part["person"], reader=school_user, redactions=[])["assessments"]

    assert received["summary"] == "Motivert, men usikker på bolig."
    assert received["content_held_by_owner"] is False
    assert listed["content_held_by_owner"] is True
    assert listed["summary"] is None
    assert listed["ratings"] is None


def test_every_new_part_can_be_redacted_with_a_reason_and_the_pdf_holds_the_rest(every_part, owner):
    rows = every_part["rows"]
    redactions = [
        {"key": _key(section, rows[section][0]), "reason": f"Tredjeperson ({section})."}
        for section in NEW_SECTIONS
    ]

    stored = make_report(owner, every_part["person"], redactions=redactions)

    report = json.loads(report_json(stored))
    for section in NEW_SECTIONS:
        assert report[section][0] == {
            "key": _key(section, rows[section][0]),
            "redacted": True,
            "reason": f"Tredjeperson ({section}).",
        }
    text = json.dumps(report, ensure_ascii=False)
    for secret in ("Tante Tone", "Onkelen", "Leksehjelp", "Ingen planlagt handling", "signert.pdf"):
        assert secret not in text
    pypdf = pytest.importorskip("pypdf")
    pdf = report_pdf(stored)
    printed = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Tante Tone" not in printed
    assert "Tredjeperson (resources)." in printed
    assert "Kari har begynt på fotball." in printed


def test_the_pdf_prints_every_part(every_part, owner):
    stored = make_report(owner, every_part["person"], redactions=[])
    pypdf = pytest.importorskip("pypdf")

    pdf = report_pdf(stored)

    printed = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    printed = " ".join(printed.split())
    for expected in (
        "Kari får en mentor (0).",
        "Kari vil fullføre skolen.",
        "Leksehjelp 0",
        "Rådhuset",
        "Onkelen, av hensyn til Kari.",
        "Tante Tone 0",
        "Ring Kari (0)",
        "Ingen planlagt handling.",
        "Motivert, men usikker på bolig.",
        "signert.pdf",
        "Nav trenger det for ytelsen.",
        "Skolehverdag",
        "Skolen følger opp tiltakene",
    ):
        assert expected in printed, expected
