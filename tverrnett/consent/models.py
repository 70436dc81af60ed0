"""Consent, the legal-basis catalogue and disclosures between agencies (C1, L01–L17).

The rule this app enforces: no information item passes from one agency to
another without a recorded consent that covers it, or a recorded legal basis.
The checks live in `services.py`; who sees what is decided in
`tverrnett.access.policy`.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.models import CasePart, InformationCategory


class LegalBasisKind(models.TextChoices):
    CONSENT = "consent", _("Consent")
    STATUTORY = "statutory", _("Statutory basis")


class Confirmation(models.TextChoices):
    """What a user must confirm before disclosing under some bases (L06)."""

    ANONYMISED_NOT_ENOUGH = "anonymised_not_enough", _("Anonymised information is not enough")
    MINIMUM_INFORMATION = (
        "minimum_information",
        _("Only the minimum information needed is disclosed"),
    )


class LegalBasis(models.Model):
    """One provision of the legal-basis catalogue (L03).

    Loaded from `data/legal_bases.json` by `load_legal_bases`; never edited in
    the application. A basis is selectable only between valid_from and valid_to.
    """

    code = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=LegalBasisKind.choices)
    law = models.CharField(_("act"), max_length=100)
    section = models.CharField(_("section"), max_length=100)
    title_nb = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    text_nb = models.TextField()
    text_en = models.TextField()
    source_url = models.URLField(max_length=300, blank=True)
    agency_types = models.JSONField(default=list)
    recipient_agency_types = models.JSONField(default=list)
    confirmations = models.JSONField(default=list)
    review_task = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    catalogue_version = models.CharField(max_length=40)

    class Meta:
        ordering = ["law", "section", "code"]
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")

    def __str__(self):
        return f"{self.law} {self.section}"

    @property
    def title(self):
        return self.title_en if (get_language() or "").startswith("en") else self.title_nb

    @property
    def text(self):
        return self.text_en if (get_language() or "").startswith("en") else self.text_nb

    def is_valid_on(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class SectorProfile(models.Model):
    """A sector's confidentiality rules (L04): the bases its information may not go out
    under, and the person's fields its users see marked as confidential."""

    sector = models.CharField(max_length=40, unique=True)
    excluded_bases = models.JSONField(default=list)
    confidential_person_fields = models.JSONField(default=list)
    note_nb = models.TextField(blank=True)
    note_en = models.TextField(blank=True)
    catalogue_version = models.CharField(max_length=40)

    def __str__(self):
        return self.sector

    @property
    def sector_label(self):
        from tverrnett.agencies.models import AgencyType

        return AgencyType(self.sector).label

    @property
    def note(self):
        return self.note_en if (get_language() or "").startswith("en") else self.note_nb


class ConsentStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared, waiting for the answer")
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")


class ConsentCapacity(models.TextChoices):
    THE_PERSON = "the_person", _("The person themselves")
    GUARDIANS = "guardians", _("Holders of parental responsibility, for a child")


class ConsentForm(models.TextChoices):
    WRITTEN = "written", _("Written, with a signed declaration")
    ORAL = "oral", _("Oral")


def declaration_path(instance, filename):
    """A random name under MEDIA_ROOT; the user's file name is kept only in the database."""
    return f"consent/{secrets.token_hex(16)}"


class ConsentQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Given, not withdrawn, and `day` inside the period: `Consent.is_valid_on` as a
        query (L12, L13, L49)."""
        return self.filter(
            status=ConsentStatus.GIVEN,
            withdrawal__isnull=True,
            starts_on__lte=day,
            ends_on__gte=day,
        )


class Consent(models.Model):
    """Samtykke: the person (or, for a child, the holders of parental responsibility) lets
    named services share named categories of information for a purpose, for a time
    (L11). It is prepared first, so the declaration can be printed and signed, and
    then recorded as given or refused (L17). Never edited: a new scope is a new consent.
    """

    case = models.ForeignKey("cases.ConcernCase", on_delete=models.PROTECT, related_name="consents")
    status = models.CharField(
        _("status"), max_length=20, choices=ConsentStatus.choices, default=ConsentStatus.PREPARED
    )
    consenter_name = models.CharField(_("who consents"), max_length=200)
    capacity = models.CharField(
        _("in what capacity"), max_length=20, choices=ConsentCapacity.choices
    )
    guardians = models.ManyToManyField(
        "cases.Guardian",
        blank=True,
        related_name="consents",
        verbose_name=_("holders of parental responsibility"),
    )
    child_views = models.TextField(_("the child's own views"), blank=True)
    purpose = models.TextField(_("purpose"))
    categories = models.JSONField(_("information categories"), default=list)
    recipients = models.ManyToManyField(
        "agencies.Agency", related_name="consents_received", verbose_name=_("receiving services")
    )
    starts_on = models.DateField(_("valid from"))
    ends_on = models.DateField(_("valid until"))
    # An individual plan (L30) needs both: the person wants a plan, and the services
    # making it may see the confidential information the plan needs.
    individual_plan = models.BooleanField(_("the person wants an individual plan"), default=False)
    plan_confidential_access = models.BooleanField(
        _("the plan's services may use the confidential information the plan needs"),
        default=False,
    )
    language = models.CharField(_("language of the conversation"), max_length=100)
    interpreter_used = models.BooleanField(_("an interpreter was used"), default=False)
    interpreter_language = models.CharField(_("interpreter language"), max_length=100, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(default=timezone.now)
    # The answer.
    form = models.CharField(_("form"), max_length=10, choices=ConsentForm.choices, blank=True)
    declaration_file = models.FileField(upload_to=declaration_path, max_length=200, blank=True)
    declaration_file_name = models.CharField(max_length=255, blank=True)
    declaration_content_type = models.CharField(max_length=100, blank=True)
    oral_recorded_by = models.CharField(_("recorded by"), max_length=200, blank=True)
    oral_record_reference = models.CharField(
        _("where the oral consent is recorded"), max_length=300, blank=True
    )
    refusal_note = models.TextField(_("what the person said"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-prepared_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["case", "status", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="consent_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.case}: {self.purpose[:40]}"

    @property
    def is_withdrawn(self):
        # `withdrawal` is a reverse one-to-one; select_related("withdrawal") avoids a query.
        try:
            return self.withdrawal is not None
        except ConsentWithdrawal.DoesNotExist:
            return False

    def is_valid_on(self, day):
        """Given, not withdrawn, and `day` inside its period (L12, L13)."""
        return (
            self.status == ConsentStatus.GIVEN
            and not self.is_withdrawn
            and self.starts_on <= day <= self.ends_on
        )

    def category_labels(self):
        return [InformationCategory(code).label for code in self.categories]


class ConsentWithdrawal(models.Model):
    """A consent taken back (L13). The consent itself is kept as it was."""

    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, related_name="withdrawal")
    withdrawn_on = models.DateField(_("withdrawn on"))
    note = models.TextField(_("how and to whom it was withdrawn"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.consent}: withdrawn"


class WithdrawalRequest(models.Model):
    """The person asked, through their own access, to withdraw a consent (L13, L33).
    It reaches the coordinator as a task; the withdrawal itself is recorded by a user
    as any other (`ConsentWithdrawal`), after talking with the person."""

    consent = models.ForeignKey(
        Consent, on_delete=models.CASCADE, related_name="withdrawal_requests"
    )
    message = models.TextField(_("what you want to tell the coordinator"), blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    task = models.OneToOneField(
        "cases.Task", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.consent}: withdrawal requested"


class ImmutableRecord(Exception):
    """A disclosure record was about to be changed or deleted (L02)."""


class _AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecord("Disclosure records cannot be changed.")

    def delete(self):
        raise ImmutableRecord("Disclosure records cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableRecord("Disclosure records cannot be changed.")


class _AppendOnly(models.Model):
    """Written once; the ORM's save, update and delete refuse anything else."""

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("Disclosure records cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("Disclosure records cannot be deleted.")


class _DisclosureQuerySet(_AppendOnlyQuerySet):
    def record(self, *, items=(), parts=(), **fields):
        """Create a disclosure with its items and case parts: the only moment they can
        join it."""
        disclosure = self.create(**fields)
        disclosure._open_for_items = True
        try:
            DisclosedItem.objects.bulk_create(
                DisclosedItem(disclosure=disclosure, entry=item) for item in items
            )
            DisclosedPart.objects.bulk_create(
                DisclosedPart(disclosure=disclosure, part=part) for part in sorted(set(parts))
            )
        finally:
            disclosure._open_for_items = False
        return disclosure


def _joins_while_open(disclosed_item):
    """Only `Disclosure.objects.record` opens a disclosure for items; `items.add()` and
    a later create() name a closed one (or only its id) and are refused."""
    disclosure = disclosed_item._state.fields_cache.get("disclosure")
    return getattr(disclosure, "_open_for_items", False)


class _DisclosedItemQuerySet(_AppendOnlyQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if not all(_joins_while_open(obj) for obj in objs):
            raise ImmutableRecord("Items join a disclosure only when it is made.")
        return super().bulk_create(objs, *args, **kwargs)


class Disclosure(_AppendOnly):
    """Utlevering: items one agency shared with another on a case (L02), or parts of the
    case opened to an agency on its follow-up team (a team join, `DisclosedPart`).

    Immutable. The basis is the catalogue entry used (for a consent, the consent
    basis of the sender's sector), with its citation copied so the record keeps
    its meaning when the catalogue changes.
    """

    case = models.ForeignKey("cases.ConcernCase", on_delete=models.PROTECT, related_name="+")
    sender_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="disclosures_sent"
    )
    recipient_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="disclosures_received"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, related_name="+")
    legal_basis_citation = models.CharField(max_length=300)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosures"
    )
    necessity_note = models.TextField(_("why it is necessary"), blank=True)
    confirmations = models.JSONField(default=list)
    items = models.ManyToManyField(
        "cases.JournalEntry", through="DisclosedItem", related_name="disclosures"
    )

    objects = _DisclosureQuerySet.as_manager()

    class Meta:
        ordering = ["-shared_at", "-id"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        indexes = [models.Index(fields=["case", "recipient_agency"])]

    def __str__(self):
        return f"{self.case}: {self.sender_agency} → {self.recipient_agency}"


class DisclosedItem(_AppendOnly):
    """One item of a disclosure, exactly the version that was shared."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey("cases.JournalEntry", on_delete=models.PROTECT, related_name="+")

    objects = _DisclosedItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "entry"], name="disclosed_item_once")
        ]
        indexes = [models.Index(fields=["entry", "disclosure"])]

    def __str__(self):
        return f"{self.disclosure_id}: {self.entry_id}"

    def save(self, *args, **kwargs):
        if self._state.adding and not _joins_while_open(self):
            raise ImmutableRecord("Items join a disclosure only when it is made.")
        super().save(*args, **kwargs)


class DisclosedPart(_AppendOnly):
    """One part of a case (cases.CasePart) a disclosure opened to its recipient agency:
    joining the follow-up team with a consent or a legal basis."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="parts")
    part = models.CharField(max_length=30, choices=CasePart.choices)

    objects = _DisclosedItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "part"], name="disclosed_part_once")
        ]

    def __str__(self):
        return f"{self.disclosure_id}: {self.part}"

    def save(self, *args, **kwargs):
        if self._state.adding and not _joins_while_open(self):
            raise ImmutableRecord("Parts join a disclosure only when it is made.")
        super().save(*args, **kwargs)


class RecipientBasis(_AppendOnly):
    """Eget rettslig grunnlag: the recipient of a disclosure made under a consent that was
    later withdrawn records its own legal basis for keeping the items (L13).

    Without one, a withdrawal ends the recipient's access to the items in Tverrnett
    (`access.policy`). One per disclosure, made by the recipient agency, immutable
    like the disclosure itself; the citation is copied as on a disclosure.
    """

    disclosure = models.OneToOneField(
        Disclosure, on_delete=models.PROTECT, related_name="recipient_basis"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    legal_basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, related_name="+")
    legal_basis_citation = models.CharField(max_length=300)
    necessity_note = models.TextField(_("why your agency must keep the information"))
    confirmations = models.JSONField(default=list)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recipient's own legal basis")
        verbose_name_plural = _("recipients' own legal bases")

    def __str__(self):
        return f"{self.disclosure}: {self.legal_basis_citation}"


class FollowUpKind(models.TextChoices):
    REVIEW = "review", _("Review of a disclosure by the manager or data protection officer")
    INFORM_PERSON = "inform_person", _("Inform the person about the disclosure")


class DisclosureFollowUp(models.Model):
    """Work a disclosure leaves behind for the sending agency (L06, L07)."""

    kind = models.CharField(max_length=20, choices=FollowUpKind.choices)
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="follow_ups")
    case = models.ForeignKey("cases.ConcernCase", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(_("due"))
    # Inform the person: the date they were told, or why it is postponed.
    informed_on = models.DateField(_("the person was informed on"), null=True, blank=True)
    postponement_reason = models.TextField(_("why informing the person is postponed"), blank=True)
    review_note = models.TextField(_("review"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["agency", "done_at"])]

    def __str__(self):
        return f"{self.case}: {self.kind}"

    @property
    def is_open(self):
        return self.done_at is None


class NoticeKind(models.TextChoices):
    CONSENT_WITHDRAWN = (
        "consent_withdrawn",
        _("A consent you received information under was withdrawn"),
    )
    ITEM_CORRECTED = "item_corrected", _("Information disclosed to you was corrected")


class DisclosureNotice(models.Model):
    """A message to an agency that received information (L13, L41)."""

    kind = models.CharField(max_length=30, choices=NoticeKind.choices)
    case = models.ForeignKey("cases.ConcernCase", on_delete=models.PROTECT, related_name="+")
    recipient_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="disclosure_notices"
    )
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="notices")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, related_name="+")
    corrected_entry = models.ForeignKey(
        "cases.JournalEntry", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient_agency", "acknowledged_at"])]

    def __str__(self):
        return f"{self.case}: {self.kind} → {self.recipient_agency}"


class ConfidentialityDeclaration(models.Model):
    """Taushetserklæring: a voluntary organisation's user accepts the duty of
    confidentiality before any case opens to them (L49)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="confidentiality_declarations",
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    text_version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "text_version"], name="declaration_once_per_text"
            )
        ]

    def __str__(self):
        return f"{self.user} / {self.agency}"


class AccessReport(models.Model):
    """An access-request report for a person (L40): when it was made, by whom, and
    every redaction with its reason. The report itself is built again from the data."""

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)
    # [{"key": "access:123", "reason": "..."}]
    redactions = models.JSONField(default=list)
    # Reads held back by rule (consent.access_report.clean_rules): [{"agency", "agency_name",
    # "from", "to", "hide", "reason"}]
    redaction_rules = models.JSONField(default=list)

    class Meta:
        ordering = ["-made_at", "-id"]

    def __str__(self):
        return f"{self.person}: {self.made_at:%Y-%m-%d}"


class InformationRequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class InformationRequest(models.Model):
    """Forespørsel om opplysninger (issue 21, item 3; exit checklist step 11): a user on a
    case asks another agency for information on a named ground, a statutory basis from
    the catalogue or a valid consent of the case that names both agencies.

    The question is itself a disclosure from the asking agency to the recipient on that
    ground: it is written once and never changed (a withdrawal keeps it), and this row
    is its record (docs/security.md). The recipient answers with a `Disclosure` made
    through the ordinary disclosure rules (`disclosure`), or declines with a reason.
    """

    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="information_requests"
    )
    asking_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="information_requests_sent"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="information_requests_received",
        verbose_name=_("agency asked"),
    )
    legal_basis = models.ForeignKey(
        LegalBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The basis as cited when the question was sent (kept if the catalogue changes).
    legal_basis_citation = models.CharField(max_length=300, blank=True)
    question = models.TextField(_("question"), max_length=4_000)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InformationRequestStatus.choices,
        default=InformationRequestStatus.OPEN,
    )
    asked_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(
        _("why the request is declined"), max_length=4_000, blank=True
    )
    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        indexes = [
            models.Index(fields=["recipient_agency", "status", "deadline"]),
            models.Index(fields=["asking_agency", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_basis__isnull=True, consent__isnull=False)
                | models.Q(legal_basis__isnull=False, consent__isnull=True),
                name="information_request_one_ground",
            ),
        ]

    def __str__(self):
        return f"{self.case}: {self.asking_agency_id} → {self.recipient_agency_id}"

    @property
    def is_open(self):
        return self.status == InformationRequestStatus.OPEN

    @property
    def is_overdue(self):
        return self.is_open and self.deadline < timezone.localdate()
