"""Documents on a case (dokumenter): files an agency uploads to a case, in versions.

A document is an information item of the agency that uploaded it, shared exactly like
a journal entry: each version is carried by its own JournalEntry ("Dokument: <title>
(versjon n)" and an optional note), written when the version is uploaded. A user sees
a version iff they may read its entry (`policy.visible_document_versions`, built on
`policy.visible_journal`), and a version reaches another agency only when its entry is
disclosed to it (tverrnett.consent). There is no second sharing mechanism.

The file lies under MEDIA_ROOT under a random name and is served only through the
access-checked download view; the user's file name is kept in the database only.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 200
NOTE_MAX = 2000


def document_path(instance, filename):
    """A random name under MEDIA_ROOT; the user's file name is kept only in the database."""
    return f"documents/{secrets.token_hex(16)}"


class CaseDocument(models.Model):
    """Dokument: a file on a case, owned by the agency that uploaded it. Its title never
    changes; new content is a new `DocumentVersion`, the old ones are kept."""

    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="documents"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.title


class DocumentVersion(models.Model):
    """One version of a document: the file and the information item that carries it."""

    document = models.ForeignKey(CaseDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # What consent and disclosure act on: whoever may read the entry may read the file.
    entry = models.OneToOneField(
        "cases.JournalEntry", on_delete=models.PROTECT, related_name="document_version"
    )
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_number_per_version")
        ]

    def __str__(self):
        return f"{self.document} ({self.number})"

    @property
    def kind(self):
        from tverrnett.core.files import label_for

        return label_for(self.content_type)
