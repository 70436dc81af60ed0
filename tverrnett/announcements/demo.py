"""A fictional demo announcement for `seed_demo`: one in the national network, so every
member of the regional and municipal networks below it (slt.demo, for one) sees it unread.

It is written straight to the database, as demo data: in the demo no one holds a
role in the national network, so no demo user could post there through the form.
"""

from django.utils import timezone

from tverrnett.announcements.models import Announcement, AnnouncementKind, ReadReceipt
from tverrnett.networks.demo import NATIONAL
from tverrnett.networks.models import Network

DEMO_TITLE = "Ny veileder om bekymringssamtaler"


def seed_announcements(agencies, users):
    author = users["pst.demo"]
    announcement, created = Announcement.objects.get_or_create(
        network=Network.objects.get(name=NATIONAL),
        title=DEMO_TITLE,
        defaults={
            "kind": AnnouncementKind.ANNOUNCEMENT,
            "body": (
                "En oppdatert veileder om bekymringssamtaler er klar.\n\n"
                "Den beskriver hvordan politiet, SLT-koordinator og andre etater forbereder "
                "og følger opp en bekymringssamtale, og hvem som gjør hva.\n"
                "Del den gjerne i deres lokale nettverk."
            ),
            "author": author,
            "author_agency": agencies["PST"],
            "published_at": timezone.now(),
        },
    )
    if created:
        ReadReceipt.objects.create(
            announcement=announcement, user=author, read_at=announcement.published_at
        )
    return announcement
