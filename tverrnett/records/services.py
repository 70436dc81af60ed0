"""The records lifecycle's rules (tverrnett/records/models.py explains the whole).

Each function that changes something checks permission through
`tverrnett.access.policy`, changes data and writes the audit entry in one transaction.
"""

from django.utils.translation import gettext_noop

from tverrnett.audit import actions

for _name, _description in [
    ("records.schedule_loaded", gettext_noop("Loaded the retention schedules")),
    ("records.schedule_confirmed", gettext_noop("Confirmed a retention schedule")),
    ("records.previewed", gettext_noop("A case came on the list of cases due for deletion")),
    ("records.legal_hold_placed", gettext_noop("Placed a legal hold on a case")),
    ("records.legal_hold_lifted", gettext_noop("Lifted a legal hold on a case")),
    ("records.archived", gettext_noop("Exported cases as an archival package")),
    ("records.receipt_recorded", gettext_noop("Recorded the archive's receipt for a package")),
    ("records.package_read", gettext_noop("Downloaded an archival package")),
    ("records.deleted", gettext_noop("Deleted a case under its retention schedule")),
    ("records.tombstone_reapplied", gettext_noop("Deleted a restored case again")),
]:
    actions.register(_name, _description)
