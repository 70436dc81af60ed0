"""Special-category permissions for `seed_demo` (L34): the SLT coordinator, who writes
and assesses the demo cases' items tagged GDPR Art. 9, may read them; the SLT's line
manager (leder.demo), who granted it, has none, so the withheld view can be seen."""

import datetime

from django.utils import timezone

from tverrnett.agencies.models import SpecialCategoryPermission


def seed_special_categories(agencies, users):
    slt_agency = agencies["Drammen kommune – SLT"]
    slt, manager = users["slt.demo"], users["leder.demo"]
    if SpecialCategoryPermission.objects.filter(user=slt, agency=slt_agency).exists():
        return  # Safe to run again: made once.
    SpecialCategoryPermission.objects.create(
        user=slt,
        agency=slt_agency,
        granted_by=manager,
        ends_on=timezone.localdate() + datetime.timedelta(days=180),
        reason="SLT-koordinator i bekymrings- og exitsaker (demo).",
    )
