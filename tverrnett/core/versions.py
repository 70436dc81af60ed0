"""Every editable record carries its version (C5).

An edit form carries the version the user read; the service saves with a
compare-and-swap: one conditional UPDATE of the row at that version, which also
moves the version on. Of two saves from the same version exactly one matches
(the UPDATE takes the row lock on PostgreSQL; SQLite serialises writers), and
the other is refused with `StaleEdit`, changing nothing.

Never `obj.save()` an edited record: on a row deleted in the meantime Django's
save runs an UPDATE that matches nothing and then INSERTs, so the record comes
back. `claim` matches 0 rows instead and refuses.

Which models are editable, and why the others are not, is checked by
`tverrnett/core/tests/test_versions.py`.
"""

from django.db.models import F
from django.utils.translation import gettext as _

VERSION_FIELD = "version"


class StaleEdit(Exception):
    """Someone else saved (or removed) the record after this user read it (C5)."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "Someone else changed this case after you opened it. Nothing was saved. "
                "Open the case again to see their change, then make yours."
            )
        )


def changed_message():
    """For records outside a case (an agency, a network, an event)."""
    return _(
        "Someone else changed this after you opened it. Nothing was saved. "
        "Open the page again to see their change, then make yours."
    )


def removed_message():
    return _("Someone else removed this after you opened it. Nothing was saved.")


def claim(obj, version, *, message=None, only_if=None, **changes):
    """Save `changes` to `obj`'s row only if it is still at `version`, and move it on.

    Raises `StaleEdit` (and changes nothing) when the row has moved on or is gone, or
    no longer meets `only_if` (extra conditions, e.g. still a draft). `changes` are
    plain values; `obj` gets them and its new version.
    """
    model = type(obj)
    rows = model._base_manager.filter(pk=obj.pk)
    current = rows.filter(**(only_if or {}), **{VERSION_FIELD: version})
    updated = version is not None and current.update(
        **changes, **{VERSION_FIELD: F(VERSION_FIELD) + 1}
    )
    if not updated:
        raise StaleEdit(message if rows.exists() else removed_message())
    for name, value in changes.items():
        setattr(obj, name, value)
    setattr(obj, VERSION_FIELD, version + 1)
    return obj
