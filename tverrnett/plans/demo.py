"""A fictional individual plan for `seed_demo`, on the exit case of the adult returnee in
Drammen: his consent to a plan with Nav and the SLT, and a first version of the plan
with his own goals. Every person here is made up."""

import datetime

from django.utils import timezone

from tverrnett.cases.models import ConcernCase
from tverrnett.consent import services as consent_services
from tverrnett.consent.models import ConsentCapacity
from tverrnett.plans import services
from tverrnett.plans.models import IndividualPlan

PERSON = "Eksempel Exitsen (fiktiv)"


def seed_plans(agencies, users):
    if IndividualPlan.objects.exists():
        return  # Safe to run again: made once.
    case = ConcernCase.objects.filter(subject__name=PERSON).first()
    if case is None:
        return
    slt, nav = users["slt.demo"], users["nav.demo"]
    for user in (slt, nav):
        user.is_verified = lambda: True  # development-only seeding acts for the demo users
    today = timezone.localdate()
    consent = consent_services.prepare_consent(
        slt,
        case,
        consenter_name=PERSON,
        capacity=ConsentCapacity.THE_PERSON,
        purpose="En individuell plan som samordner hjelpen fra Nav og kommunen, så han kan "
        "komme i arbeid og bo trygt.",
        categories=["personal_details", "school_work", "measures"],
        recipients=[agencies["Nav Drammen"]],
        starts_on=today - datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=365),
        individual_plan=True,
        plan_confidential_access=True,
        language="norsk",
        interpreter_used=False,
    )
    consent_services.record_consent_answer(
        slt,
        consent,
        decision="given",
        form="oral",
        oral_recorded_by="SLT-koordinator (demo)",
        oral_record_reference="Samtale 27.11., notat i kommunens journal",
    )
    plan = services.create_plan(slt, case, consent=consent)
    services.change_plan(
        slt,
        plan,
        version=plan.version,
        overview="Han vil ut av miljøet og ha et vanlig liv med jobb og egen bolig. Ressurser: "
        "motivert, god kontakt med mor, praktisk anlagt. Behov: arbeid, bolig, noen å snakke "
        "med når det blir vanskelig.",
        participation="Han deltar på alle planmøter og kan ta med mor. Nav og SLT deltar fast; "
        "politiet deltar når han selv ønsker det.",
        follow_up="Planmøte hver tredje måned. Koordinatoren kaller inn og skriver referat.",
        if_service_declined="Han kan si nei til et tiltak uten at de andre stopper. "
        "Koordinatoren tar det opp på neste planmøte.",
        period_start=today,
        period_end=today + datetime.timedelta(days=365),
    )
    services.add_goal(slt, plan, text="Jeg vil ha en jobb der jeg bruker hendene.", by_person=True)
    services.add_goal(slt, plan, text="Jeg vil bo for meg selv.", by_person=True)
    services.add_goal(slt, plan, text="Stabil økonomi innen ett år.", by_person=False)
    services.add_plan_measure(
        slt,
        plan,
        description="Arbeidstrening på verksted",
        responsible_agency=agencies["Nav Drammen"],
        extent="Tre dager i uken",
        timing="Fra desember i år til juni neste år",
        measure=case.measures.first(),
    )
    services.add_revision(slt, plan, due_on=today + datetime.timedelta(days=90))
    services.write_contribution(
        nav,
        plan,
        agency=agencies["Nav Drammen"],
        text="Nav følger opp arbeidstreningen og søknad om bostøtte.",
    )
    services.finalise(slt, plan, version=plan.version)
