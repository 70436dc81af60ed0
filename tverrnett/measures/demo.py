"""Fictional measures for `seed_demo`, on the young person's case in Drammen: a mentor
from the sports club, follow-up at school, and counselling with the SLT coordinator,
whose evaluation date has passed so the coordinator's start page shows it. Every
person here is made up."""

import datetime

from django.utils import timezone

from tverrnett.cases.models import ConcernCase
from tverrnett.measures import services
from tverrnett.measures.models import Measure, MeasureStatus, MeasureType


def seed_measures(agencies, users):
    if Measure.objects.exists():
        return  # Safe to run again: made once.
    case = ConcernCase.objects.filter(subject__name="Demo Demosen (fiktiv)").first()
    if case is None:
        return
    slt = users["slt.demo"]
    slt.is_verified = lambda: True  # development-only seeding acts for the demo user
    types = MeasureType.objects.in_bulk(field_name="code")
    team = set(case.team.values_list("agency__name", flat=True))
    today = timezone.localdate()
    measures = [
        {
            "measure_type": types["counselling"],
            "goal": "Faste samtaler hver uke om det Demo ser og leser på nett, og om hva han "
            "selv vil.",
            "responsible_agency": agencies["Drammen kommune – SLT"],
            "contact_name": "SLT-koordinator (demo)",
            "start_on": today - datetime.timedelta(days=45),
            "status": MeasureStatus.ONGOING,
            # Past its date: shows on the coordinator's start page (L24).
            "evaluation_on": today - datetime.timedelta(days=3),
            "person_view": "Demo sier samtalene er greie så lenge de ikke blir avhør.",
        },
        {
            "measure_type": types["volunteer_mentor"],
            "goal": "En fast trener i idrettsklubben som Demo møter etter trening, så han har "
            "en voksen å snakke med og et fellesskap utenfor nettforaene.",
            "responsible_agency": agencies["Fiktiv idrettsklubb (demo)"],
            "contact_name": "Trener (demo)",
            "start_on": today - datetime.timedelta(days=7),
            "status": MeasureStatus.ONGOING,
            "evaluation_on": today + datetime.timedelta(days=60),
            "person_view": "Vil gjerne fortsette på fotballaget.",
        },
        {
            "measure_type": types["help"],
            "goal": "Kontaktlærer følger opp fravær og trivsel og melder fra til teamet ved "
            "endringer.",
            "responsible_agency": agencies["Drammen videregående skole"],
            "contact_name": "Kontaktlærer (demo)",
            "start_on": today + datetime.timedelta(days=3),
            "evaluation_on": today + datetime.timedelta(days=90),
        },
    ]
    for fields in measures:
        if fields["responsible_agency"].name in team:
            services.add_measure(slt, case, **fields)
