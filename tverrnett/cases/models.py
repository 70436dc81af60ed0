"""Concern cases (bekymringssaker): the person, the case, its team and its work.

A case is either an anonymous discussion (no person at all, L18) or an
identified case about one `Person`. Who may see a case is decided in
`tverrnett.access.policy`, never here.
"""

import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tverrnett.cases import identity_encryption
from tverrnett.networks.models import ForumAudience


class CaseState(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("case state", "Registered")
    ANONYMOUS_DISCUSSION = "anonymous_discussion", _("Anonymous discussion")
    SECURITY_CLARIFICATION = "security_clarification", _("Security clarification")
    MAPPING = "mapping", _("Mapping")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


class Source(models.TextChoices):
    OWN_OBSERVATION = "own_observation", _("Own observation at work")
    FAMILY = "family", _("Family or friends")
    SCHOOL = "school", _("School or kindergarten")
    SOCIAL_MEDIA = "social_media", _("Social media")
    POLICE = "police", _("Police or PST")
    OTHER_AGENCY = "other_agency", _("Another agency")
    THE_PERSON = "the_person", _("The person themselves")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine: the next forum meeting")
    SOON = "soon", _("Soon: within a week")
    URGENT = "urgent", _("Urgent: today")


class ProtectedAddress(models.TextChoices):
    NONE = "", _("No protected address")
    CONFIDENTIAL = "fortrolig", _("Confidential address")
    STRICTLY_CONFIDENTIAL = "strengt_fortrolig", _("Strictly confidential address")


class Person(models.Model):
    """The person a concern is about. Anonymous discussions have none."""

    name = models.CharField(_("name"), max_length=200)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    # Stored only where the agency has it switched on and a reason is given.
    # Masked everywhere; shown only through the audited reveal action. Encrypted, with
    # a keyed hash for exact matches (cases.identity_encryption); read and set it
    # through the `identity_number` property, filter on `identity_number_hash`.
    identity_number_encrypted = models.CharField(max_length=200, blank=True, editable=False)
    identity_number_hash = models.CharField(max_length=100, blank=True, editable=False)
    identity_number_reason = models.TextField(_("why the identity number is needed"), blank=True)
    gender_in_own_words = models.CharField(
        _("gender and identity in the person's own words"), max_length=200, blank=True
    )
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    interpreter_language = models.CharField(_("interpreter language"), max_length=100, blank=True)
    protected_address = models.CharField(
        _("protected address"), max_length=20, choices=ProtectedAddress.choices, blank=True
    )
    # Always empty when the address is protected (see services.save_person).
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["name"]), models.Index(fields=["identity_number_hash"])]

    def __str__(self):
        return self.name

    @property
    def identity_number(self):
        """The national identity number in clear text ("" when none is recorded)."""
        stored = self.identity_number_encrypted
        cached = getattr(self, "_identity_number_clear", None)
        if cached is None or cached[0] != stored:
            cached = (stored, identity_encryption.decrypt(stored))
            self._identity_number_clear = cached
        return cached[1]

    @identity_number.setter
    def identity_number(self, number):
        number = identity_encryption.normalised(number)
        if number == self.identity_number:
            return  # keep the stored value: re-encrypting would change it for nothing
        self.identity_number_encrypted = identity_encryption.encrypt(number)
        self.identity_number_hash = identity_encryption.keyed_hash(number)
        self._identity_number_clear = (self.identity_number_encrypted, number)

    @property
    def effective_birth_year(self):
        return self.birth_date.year if self.birth_date else self.birth_year

    def age_on(self, day):
        if self.birth_date:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - before_birthday
        if self.birth_year:
            return day.year - self.birth_year
        return None

    @property
    def is_minor(self):
        age = self.age_on(timezone.localdate())
        return age is not None and age < 18

    @property
    def address_is_protected(self):
        return bool(self.protected_address)


class Guardian(models.Model):
    """A guardian (foresatt) of a minor."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=100)
    has_parental_responsibility = models.BooleanField(
        _("has parental responsibility"), default=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("guardian")

    def __str__(self):
        return self.name


class ConcernCase(models.Model):
    """A concern about one person, or an anonymous discussion about nobody in particular."""

    state = models.CharField(_("state"), max_length=30, choices=CaseState.choices)
    is_anonymous = models.BooleanField(_("anonymous discussion"), default=False)
    subject = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("person"),
    )
    network = models.ForeignKey(
        "networks.Network",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("municipal network"),
    )
    forum = models.ForeignKey(
        "networks.Forum",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("case forum"),
    )
    audience = models.CharField(_("about"), max_length=10, choices=ForumAudience.choices)
    # Exactly one responsible municipality and one coordinator (L21): both are
    # required columns, so a case can have neither zero nor two.
    municipality = models.ForeignKey(
        "geography.Municipality",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("responsible municipality"),
    )
    coordinator_role = models.ForeignKey(
        "networks.Role",
        on_delete=models.PROTECT,
        related_name="coordinated_cases",
        verbose_name=_("coordinator"),
    )
    # The intake.
    observation = models.TextField(_("what was observed"))
    observed_by = models.CharField(_("observed by"), max_length=200, blank=True)
    observed_on = models.DateField(_("observed on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    # The common summary every agency on the team sees (N11).
    summary = models.TextField(_("common summary"), blank=True)
    # Anonymous discussions only: what may be said without identifying anyone.
    approximate_age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    school = models.CharField(_("school"), max_length=200, blank=True)
    converted_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="converted_to",
        verbose_name=_("converted from"),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=40, blank=True)
    evaluation = models.TextField(_("evaluation"), blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(pgettext_lazy("case", "registered"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Optimistic locking (C5): a save carries the version it was read at.
    version = models.PositiveIntegerField(default=1)
    # The earliest deadline among the case's tasks that are not done (None: no open
    # task). Kept by `cases.deadlines.refresh_next_deadline`, which every service that
    # adds, moves or closes a task calls, so the case list and the start page read the
    # overdue flag from the case row instead of every task in the country;
    # `manage.py check_case_deadlines` finds and repairs drift.
    next_open_deadline = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("concern case")
        verbose_name_plural = _("concern cases")
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["is_anonymous", "created_at"]),
            models.Index(fields=["updated_at"]),
            # The list's overdue filter and deadline sort; the start page's overdue
            # tasks start from the coordinator role's cases with a passed deadline.
            models.Index(fields=["next_open_deadline", "updated_at"]),
            models.Index(fields=["coordinator_role", "next_open_deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_anonymous=False, subject__isnull=False)
                | models.Q(is_anonymous=True, subject__isnull=True),
                name="case_identified_has_subject_anonymous_has_none",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self):
        return f"{self.created_at:%Y}-{self.pk:05d}" if self.pk else ""

    @property
    def is_closed(self):
        return self.state == CaseState.CLOSED


class SecurityClarification(models.Model):
    """The answers a case needs before it may leave security clarification (L10, L22)."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")

    case = models.OneToOneField(
        ConcernCase, on_delete=models.CASCADE, related_name="security_clarification"
    )
    police_contact_consulted = models.CharField(
        _("Was the police radicalisation contact consulted?"),
        max_length=3,
        choices=Answer.choices,
    )
    police_contact_note = models.TextField(_("What the police advised"), blank=True)
    pst_to_be_told = models.CharField(
        _("Does PST need to be told?"), max_length=3, choices=Answer.choices
    )
    pst_note = models.TextField(_("Reasoning about PST"))
    child_welfare_duty = models.CharField(
        _("Does the duty to report to child welfare apply?"),
        max_length=3,
        choices=Answer.choices,
    )
    child_welfare_reasoning = models.TextField(_("Reasoning about the duty to report"))
    averting_duty = models.CharField(
        _("Does the duty to avert a crime (straffeloven § 196) apply?"),
        max_length=3,
        choices=Answer.choices,
    )
    averting_reasoning = models.TextField(_("Reasoning about the duty to avert"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField()

    def __str__(self):
        return f"{self.case}: security clarification"


class StepStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class ChecklistItem(models.Model):
    """A step the team must not forget: the first-step advice on a social-media concern,
    and the fourteen steps of exit work's planning checklist (X11, tverrnett.exitwork)."""

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="checklist")
    code = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(default=100)
    status = models.CharField(
        _("status"), max_length=20, choices=StepStatus.choices, default=StepStatus.NOT_STARTED
    )
    note = models.TextField(_("note"), blank=True)
    # Required when the step is marked not relevant: why it does not apply.
    not_relevant_reason = models.TextField(_("why the step is not relevant"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="checklist_item_once_per_case")
        ]

    def __str__(self):
        return self.code

    @property
    def is_settled(self):
        """Done, or explicitly not relevant with a reason."""
        return self.status in (StepStatus.DONE, StepStatus.NOT_RELEVANT)


class TeamMember(models.Model):
    """An agency in the follow-up team, with its named contact (X2, X3)."""

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="team")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="case_teams"
    )
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    has_lead = models.BooleanField(_("has the lead"), default=False)
    # What the agency is asked to contribute, e.g. advice, while the case is not (or not
    # wholly) opened to it: coordination text about the work, never about the person.
    asked_for = models.CharField(_("asked to contribute"), max_length=300, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-has_lead", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["case", "agency"], name="team_agency_once_per_case"),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(has_lead=True),
                name="team_one_lead_per_case",
            ),
        ]
        indexes = [models.Index(fields=["agency", "case"])]

    def __str__(self):
        return f"{self.agency}: {self.contact_name}"


class Resource(models.Model):
    """Someone in the person's own network who can help (X3)."""

    class Relation(models.TextChoices):
        FAMILY = "family", _("Family")
        FRIEND = "friend", _("Friend")
        MENTOR = "mentor", _("Mentor")
        TRUSTED_PERSON = "trusted_person", _("Trusted person")
        OTHER = "other", _("Other")

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    how_they_help = models.TextField(_("how they can help"), blank=True)
    contact = models.CharField(_("how to reach them"), max_length=200, blank=True)

    class Meta:
        ordering = ["relation", "name", "id"]

    def __str__(self):
        return self.name


class Responsibility(models.Model):
    """One line of the responsibility matrix: who does what, agreed when (X1)."""

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="responsibilities")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    what = models.CharField(_("responsible for"), max_length=300)
    agreed_on = models.DateField(_("agreed on"))

    class Meta:
        ordering = ["agreed_on", "id"]

    def __str__(self):
        return self.what


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Task(models.Model):
    """A task with an owner: a role (so it follows the role) or a person."""

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    owner_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    owner_role = models.ForeignKey(
        "networks.Role",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("owner role"),
    )
    owner_name = models.CharField(_("owner"), max_length=200, blank=True)
    # A colleague in the owning agency the task was given to (the task inbox, issue 21
    # item 4): an active case-work member of `owner_agency` (policy.task_assignees).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    # None: made by the system, e.g. from the person's own request (ownaccess).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self):
        return self.status != TaskStatus.DONE and self.deadline < timezone.localdate()


class Confidentiality(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    CONFIDENTIAL = "confidential", _("Subject to the duty of confidentiality")
    SENSITIVE = "sensitive", _("Special categories (health, beliefs)")


class InformationCategory(models.TextChoices):
    """What an information item is about. Consents and disclosures name these (L11, L12)."""

    PERSONAL_DETAILS = "personal_details", _("Personal details and contact information")
    CONCERN = "concern", _("The concern and what was observed")
    FAMILY = "family", _("Family and living situation")
    SCHOOL_WORK = "school_work", _("School, work and income")
    HEALTH = "health", _("Health")
    BELIEFS = "beliefs", _("Religion, beliefs and political views")
    OFFENCES = "offences", _("Offences and police information")
    MEASURES = "measures", _("Measures and follow-up")
    # Written only by signing a risk and needs assessment (tverrnett.assessments).
    ASSESSMENT = "assessment", _("Risk and needs assessments")


class CasePart(models.TextChoices):
    """The parts of a case another agency sees only when they were opened to it (C1, L05):
    by being on the coordinator's side of the case, or by a disclosure that names them
    (tverrnett.consent, a team join). Journal entries, background items and signed
    assessments are gated item by item instead; individual plans by the plan's consent."""

    IDENTITY = "identity", _("The person's identity and contact details")
    INTAKE = "intake", _("The concern as registered")
    SUMMARY = "summary", _("The common summary")
    TASKS = "tasks", _("Every task (an agency always sees its own)")
    MEASURES = "measures", _("Measures")
    CONVERSATIONS = "conversations", _("Conversations and contact agreements")
    OWN_NETWORK = "own_network", _("The person's own network")
    CLARIFICATION = "clarification", _("The security clarification")


# Short names of the parts, for tables (the choices' labels are for forms).
# The context keeps them apart from the same words elsewhere (Norwegian: all indefinite).
CASE_PART_SHORT_LABELS = {
    CasePart.IDENTITY: pgettext_lazy("case part", "person"),
    CasePart.INTAKE: pgettext_lazy("case part", "concern"),
    CasePart.SUMMARY: pgettext_lazy("case part", "summary"),
    CasePart.TASKS: pgettext_lazy("case part", "tasks"),
    CasePart.MEASURES: pgettext_lazy("case part", "measures"),
    CasePart.CONVERSATIONS: pgettext_lazy("case part", "conversations"),
    CasePart.OWN_NETWORK: pgettext_lazy("case part", "own network"),
    CasePart.CLARIFICATION: pgettext_lazy("case part", "security clarification"),
}


# The information category a consent must name to open each part to an agency.
CASE_PART_CATEGORIES = {
    CasePart.IDENTITY: InformationCategory.PERSONAL_DETAILS,
    CasePart.INTAKE: InformationCategory.CONCERN,
    CasePart.SUMMARY: InformationCategory.CONCERN,
    CasePart.TASKS: InformationCategory.MEASURES,
    CasePart.MEASURES: InformationCategory.MEASURES,
    CasePart.CONVERSATIONS: InformationCategory.MEASURES,
    CasePart.OWN_NETWORK: InformationCategory.FAMILY,
    CasePart.CLARIFICATION: InformationCategory.CONCERN,
}


class PoliceVerification(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    UNVERIFIED = "unverified", _("Unverified")


class JournalEntry(models.Model):
    """An information item: a journal entry, owned by the agency that wrote it, carrying
    that agency's sector, a category and the GDPR special-category tags (L34).

    Never changed once written: a correction is a new entry that supersedes it.
    Other agencies read it only through a disclosure (tverrnett.consent).
    """

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="journal")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confidentiality = models.CharField(
        _("confidentiality"), max_length=20, choices=Confidentiality.choices
    )
    text = models.TextField(_("entry"))
    category = models.CharField(
        _("information category"),
        max_length=30,
        choices=InformationCategory.choices,
        default=InformationCategory.CONCERN,
    )
    # The writing agency's type when it was written: its sector's confidentiality
    # rules travel with the item (sector profiles in the legal-basis catalogue).
    sector = models.CharField(_("sector"), max_length=40, blank=True)
    # GDPR Art. 9 (special categories) and Art. 10 (offences).
    health_data = models.BooleanField(_("health information"), default=False)
    religious_beliefs = models.BooleanField(_("religious or philosophical beliefs"), default=False)
    political_opinions = models.BooleanField(_("political opinions"), default=False)
    offences = models.BooleanField(_("offences and criminal convictions"), default=False)
    # Police items only (L08): origin under politiregisterloven, verified or not.
    police_verification = models.CharField(
        _("verified by the police"), max_length=10, choices=PoliceVerification.choices, blank=True
    )
    written_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="superseded_by"
    )
    version_number = models.PositiveIntegerField(default=1)
    correction_reason = models.CharField(_("why it was corrected"), max_length=300, blank=True)
    # Background and motivation items of exit work (X5-X7): which part of the
    # background the item is about, and the structured factor it names. Blank on
    # ordinary journal entries. The choices live in tverrnett.exitwork.background.
    topic = models.CharField(_("background topic"), max_length=40, blank=True)
    factor = models.CharField(_("factor"), max_length=40, blank=True)

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [
            models.Index(fields=["case", "agency", "written_at"]),
            models.Index(fields=["case", "topic"]),
        ]

    def __str__(self):
        return f"{self.case}: {self.agency} {self.written_at:%Y-%m-%d}"

    @property
    def special_categories(self):
        """The Art. 9 / Art. 10 tags set on this item, by field name."""
        return [name for name in SPECIAL_CATEGORY_FIELDS if getattr(self, name)]

    @property
    def required_categories(self):
        """The information categories a consent must cover to let this item go:
        its own, and the one each special-category tag belongs to."""
        needed = {self.category}
        for name in self.special_categories:
            needed.add(SPECIAL_CATEGORY_FIELDS[name])
        return needed


# Each special-category tag, and the information category a consent must name for it.
SPECIAL_CATEGORY_FIELDS = {
    "health_data": InformationCategory.HEALTH,
    "religious_beliefs": InformationCategory.BELIEFS,
    "political_opinions": InformationCategory.BELIEFS,
    "offences": InformationCategory.OFFENCES,
}


class TimelineEvent(models.Model):
    """What happened to the case, in order: state changes, coordinator and team changes."""

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30)
    from_state = models.CharField(max_length=30, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=30, choices=CaseState.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.case}: {self.kind}"


class BreakGlassAccess(models.Model):
    """Access to a case outside the user's own, with a reason, for a limited time (L43).

    Each one is also a review item for the managers of the user's agency.
    """

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return f"{self.case}: {self.user}"

    def is_active(self, now=None):
        return (now or timezone.now()) < self.expires_at


def anonymous_cutoff(now=None):
    """Anonymous discussions registered before this moment are due for deletion."""
    days = settings.ANONYMOUS_DISCUSSION_RETENTION_DAYS
    return (now or timezone.now()) - datetime.timedelta(days=days)


class Removal(models.Model):
    """Something a user removed from a case (fjernet), kept for a short while so that the
    same user, acting for the same agency, can undo it (angre): the removed row's values
    as they were (`tverrnett.cases.undo`). Rows past the time limit are deleted by the
    worker, so the values live no longer than the chance to undo."""

    class Kind(models.TextChoices):
        TEAM_MEMBER = "team_member", _("team member")
        RESOURCE = "resource", _("someone in the person's own network")
        PLAN_GOAL = "plan_goal", _("plan goal")
        PLAN_MEASURE = "plan_measure", _("plan measure")

    case = models.ForeignKey(ConcernCase, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the message names: the agency, the person, the goal or measure (shortened).
    label = models.CharField(max_length=200)
    # The removed row's fields by column name (its id too), as JSON.
    values = models.JSONField(encoder=DjangoJSONEncoder)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The agency the user acted for; only acting for it again may they undo.
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, null=True, related_name="+"
    )
    removed_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "removed_by", "removed_at"])]

    def __str__(self):
        return f"{self.case}: {self.kind} {self.label}"
