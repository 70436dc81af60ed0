"""A fictional demo event for `seed_demo`: an RVTS Sør professional day in the regional network."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from tverrnett.events.models import Event
from tverrnett.networks.demo import REGIONAL
from tverrnett.networks.models import Network

DEMO_EVENT_TITLE = "Fagdag: Forebygging av radikalisering i skolen"


def seed_events(agencies, users):
    """Three weeks from today, 09:00–15:00 local time; moved forward on every run."""
    day = timezone.localdate() + timedelta(days=21)
    zone = timezone.get_current_timezone()
    Event.objects.update_or_create(
        title=DEMO_EVENT_TITLE,
        organiser=agencies["RVTS Sør"],
        defaults={
            "network": Network.objects.get(name=REGIONAL),
            "description": (
                "En fiktiv fagdag for lærere, rådgivere, helsesykepleiere og SLT-koordinatorer. "
                "Vi går gjennom tegn på radikalisering hos elever, hvordan skolen kan snakke med "
                "eleven og foresatte, og når og hvordan skolen bør dele en bekymring med "
                "SLT-koordinator og politiets radikaliseringskontakt.\n\n"
                "Program: faglig innledning fra RVTS Sør, erfaringer fra en skole, "
                "gruppearbeid med caser og spørsmål til politiet."
            ),
            "starts_at": datetime.combine(day, time(9, 0), zone),
            "ends_at": datetime.combine(day, time(15, 0), zone),
            "place": "Drammen bibliotek, møterom Union (fiktivt)",
            "online_url": "",
            "capacity": 40,
            "created_by": users["rvts.demo"],
        },
    )
