"""The resource library (issue 21, item 6): add, change and unpublish entries.

Each function takes the acting user first, checks `policy.edits_library`, changes the
row and writes the audit entry in one transaction. Changes are versioned (C5): an
edit or unpublish from a stale page is refused with `StaleEdit` and changes nothing.

`load_library` brings the shipped entries (`data/library.json`) in: idempotent, keyed
by their slug. An entry already there is left as it is: RVTS may have edited it.
"""

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.core.versions import changed_message, claim
from tverrnett.guidance.models import LibraryKind, LibraryLanguage, LibraryResource, Topic

actions.register("guidance.library_added", gettext_noop("Added an entry to the resource library"))
actions.register(
    "guidance.library_changed", gettext_noop("Changed an entry in the resource library")
)
actions.register(
    "guidance.library_unpublished",
    gettext_noop("Unpublished an entry in the resource library"),
)

LIBRARY_PATH = Path(__file__).resolve().parent / "data" / "library.json"

FIELDS = ("title", "kind", "description", "link", "topic", "language", "is_published")


def https_only(link):
    """Raise ValidationError unless `link` is empty or an https:// address."""
    if link and not link.lower().startswith("https://"):
        raise ValidationError({"link": _("The link must start with https://.")})


def _require_editor(actor):
    if not policy.edits_library(actor):
        raise PermissionDenied(_("Only RVTS can change the resource library."))


def add_resource(actor, *, request=None, **fields):
    _require_editor(actor)
    https_only(fields.get("link", ""))
    with transaction.atomic():
        resource = LibraryResource(**fields, created_by=actor, updated_by=actor)
        resource.full_clean()
        resource.save()
        record(
            "guidance.library_added",
            actor=actor,
            target=resource,
            request=request,
            detail={"kind": resource.kind},
        )
    return resource


def change_resource(actor, resource, *, version, request=None, **fields):
    """Change `resource` if it is still at the `version` the user read (C5)."""
    _require_editor(actor)
    https_only(fields.get("link", resource.link))
    with transaction.atomic():
        changed = sorted(name for name, value in fields.items() if getattr(resource, name) != value)
        for name, value in fields.items():
            setattr(resource, name, value)
        resource.full_clean()
        claim(
            resource,
            version,
            message=changed_message(),
            updated_by=actor,
            updated_at=timezone.now(),
            **fields,
        )
        record(
            "guidance.library_changed",
            actor=actor,
            target=resource,
            request=request,
            detail={"fields": changed},
        )
    return resource


def unpublish_resource(actor, resource, *, version, request=None):
    """Take `resource` out of the list for everyone but RVTS; it can be published again."""
    _require_editor(actor)
    with transaction.atomic():
        claim(
            resource,
            version,
            message=changed_message(),
            is_published=False,
            updated_by=actor,
            updated_at=timezone.now(),
        )
        record("guidance.library_unpublished", actor=actor, target=resource, request=request)
    return resource


def _parse(data):
    entries = []
    slugs = set()
    for raw in data["entries"]:
        slug = raw["slug"]
        if not slug or slug in slugs:
            raise ValidationError(f"entry {slug!r}: missing or listed twice")
        slugs.add(slug)
        if raw["kind"] not in LibraryKind.values:
            raise ValidationError(f"entry {slug!r}: unknown kind {raw['kind']!r}")
        if raw.get("topic", "") and raw["topic"] not in Topic.values:
            raise ValidationError(f"entry {slug!r}: unknown topic {raw['topic']!r}")
        if raw.get("language", "nb") not in LibraryLanguage.values:
            raise ValidationError(f"entry {slug!r}: unknown language")
        if not raw.get("source"):
            raise ValidationError(f"entry {slug!r}: name its source")
        https_only(raw.get("link", ""))
        entries.append(
            {
                "slug": slug,
                "title": raw["title"],
                "kind": raw["kind"],
                "description": raw.get("description", ""),
                "link": raw.get("link", ""),
                "topic": raw.get("topic", ""),
                "language": raw.get("language", "nb"),
            }
        )
    return entries


def load_library(path=LIBRARY_PATH):
    """Add the file's entries that are not there yet (by slug). Returns how many were added."""
    with open(path, encoding="utf-8") as handle:
        entries = _parse(json.load(handle))
    added = 0
    with transaction.atomic():
        for fields in entries:
            resource, created = LibraryResource.objects.get_or_create(
                slug=fields["slug"], defaults=fields
            )
            if created:
                resource.full_clean()
                added += 1
    return added
