"""A fictional demo meeting for `seed_demo`: the youth forum of SLT Drammen meets in two
weeks, with the demo case (Demo Demosen, made up) on its agenda."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from tverrnett.cases.models import ConcernCase
from tverrnett.meetings.models import AgendaItem, ForumMeeting
from tverrnett.networks.demo import MUNICIPAL
from tverrnett.networks.models import Forum

DEMO_FORUM = "Samarbeidsforum for unge"


def seed_meetings(agencies, users):
    """Made once; safe to run again."""
    forum = Forum.objects.filter(network__name=MUNICIPAL, name=DEMO_FORUM).first()
    case = ConcernCase.objects.filter(
        is_anonymous=False, subject__name="Demo Demosen (fiktiv)"
    ).first()
    if forum is None or case is None or ForumMeeting.objects.filter(forum=forum).exists():
        return
    day = timezone.localdate() + timedelta(days=14)
    meeting = ForumMeeting.objects.create(
        forum=forum,
        starts_at=datetime.combine(day, time(13, 0), timezone.get_current_timezone()),
        place="Drammen rådhus, møterom 3 (fiktivt)",
        created_by=users["slt.demo"],
    )
    AgendaItem.objects.create(
        meeting=meeting,
        case=case,
        position=1,
        note="Status etter første samtale",
        added_by=users["slt.demo"],
    )
