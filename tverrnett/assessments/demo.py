"""Three fictional assessments for `seed_demo`, on the exit case of the adult returnee in
Drammen: the SLT coordinator assesses him with the needs-and-motivation profile at the
start of the exit work, after two and a half months and now. Motivation and protective
factors grow; the pull of the milieu fades. Every person here is made up."""

import datetime

from django.utils import timezone

from tverrnett.assessments import services
from tverrnett.assessments.instruments import load_instruments
from tverrnett.assessments.models import UNKNOWN, Assessment, Instrument
from tverrnett.cases.models import ConcernCase, Confidentiality

PERSON = "Eksempel Exitsen (fiktiv)"
INSTRUMENT = "behov-og-motivasjon"
DAYS_AGO = (150, 75, 5)

# The rating of an item at each of the three assessments, by kind and scale.
_COURSE = {
    ("presence", "risk"): (("present", "partly", "not_present"), ("present", "present", "partly")),
    ("presence", "need"): (("present", "present", "partly"), ("present", "partly", "partly")),
    ("presence", "protective"): (
        ("not_present", "partly", "present"),
        ("partly", "partly", "present"),
    ),
    ("level", "risk"): (("high", "moderate", "low"), ("high", "high", "moderate")),
    ("level", "need"): (("high", "moderate", "moderate"), ("high", "high", "moderate")),
    ("level", "protective"): (("low", "moderate", "high"), ("moderate", "moderate", "high")),
}
SUMMARIES = (
    "Han er ambivalent: vil ut, men er redd for reaksjonene fra miljøet og har få venner "
    "utenfor. Bolig og inntekt er usikre. Det er for tidlig å si noe om familiens rolle.",
    "Motivasjonen er tydeligere. Han har fått midlertidig bolig og møter jevnlig hos Nav. "
    "Kontakten med miljøet er mindre, men han får fortsatt meldinger fra tidligere venner.",
    "Han har tatt avstand fra miljøet og har en mentor han stoler på. Arbeidstrening gir "
    "struktur i hverdagen. Behovet for bolig og gjeldsrådgivning består.",
)
MEASURES = (
    "Samtaler med SLT-koordinator hver uke; avklaring av bolig med Nav.",
    "Arbeidstrening via Nav; mentor fra frivillig organisasjon.",
    "Fast bolig og gjeldsrådgivning; fortsette arbeidstrening.",
)


def seed_assessments(agencies, users):
    load_instruments()
    if Assessment.objects.exists():
        return  # Safe to run again: made once.
    case = ConcernCase.objects.filter(subject__name=PERSON).first()
    instrument = Instrument.objects.filter(code=INSTRUMENT).order_by("-published_on", "-id").first()
    if case is None or instrument is None:
        return
    slt = users["slt.demo"]
    slt.is_verified = lambda: True  # development-only seeding acts for the demo user
    today = timezone.localdate()
    earlier = None
    for index, days_ago in enumerate(DAYS_AGO):
        assessed_on = today - datetime.timedelta(days=days_ago)
        assessment = services.start_assessment(
            slt, case, instrument=instrument, assessed_on=assessed_on, supersedes=earlier
        )
        services.save_draft(
            slt,
            assessment,
            version=assessment.version,
            ratings=_ratings(instrument, index),
            summary=SUMMARIES[index],
            recommended_measures=MEASURES[index],
            assessed_on=assessed_on,
            review_on=assessed_on + datetime.timedelta(days=90),
        )
        earlier = services.sign_assessment(
            slt,
            assessment,
            version=assessment.version,
            confidentiality=Confidentiality.CONFIDENTIAL,
            political_opinions=True,
        )


def _ratings(instrument, index):
    ratings = {}
    for domain in instrument.definition["domains"]:
        for position, item in enumerate(domain["items"]):
            course = _COURSE[(domain["scale"], item["kind"])][position % 2]
            ratings[item["code"]] = {"value": course[index], "note": "", "unknown_reason": ""}
    # At the first assessment the family's role was not yet known.
    family = next(d for d in instrument.definition["domains"] if d["code"] == "family")
    ratings[family["items"][0]["code"]] = {
        "value": UNKNOWN,
        "note": "",
        "unknown_reason": "Han vil ikke snakke om familien ennå; tas opp igjen i neste samtale.",
    }
    return ratings
