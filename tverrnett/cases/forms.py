"""Forms for concern cases. Rules that must hold whoever calls live in services.py;
these give the user clear Norwegian messages before the service is asked."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.models import (
    SPECIAL_CATEGORY_FIELDS,
    CaseState,
    Confidentiality,
    InformationCategory,
    PoliceVerification,
    ProtectedAddress,
    Resource,
    SecurityClarification,
    Source,
    TaskStatus,
    Urgency,
)
from tverrnett.cases.services import identity_number_refused_message
from tverrnett.core import dates
from tverrnett.core.identity_numbers import RefusesIdentityNumbers, refuse_identity_numbers_in
from tverrnett.core.texts import LONG_TEXT_MAX, limited_formfield
from tverrnett.core.validators import not_before_1900, not_in_the_past, validate_phone
from tverrnett.networks.models import ForumAudience

TEXT_MAX = LONG_TEXT_MAX


def _textarea(rows=5):
    widget = forms.Textarea(attrs={"rows": rows})
    widget.attrs.pop("cols", None)  # the width comes from the CSS
    return widget


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.Form):
    """Carries the case version the user read, so a stale save is refused (C5)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class IntakeForm(forms.Form):
    """What every concern starts with, anonymous or not."""

    network = forms.ModelChoiceField(
        label=_("Municipal network"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("Choose the network the concern belongs to.")},
    )
    municipality = forms.ModelChoiceField(
        label=_("Responsible municipality"),
        queryset=None,
        empty_label=_("Choose a municipality"),
        error_messages={"required": _("Choose the responsible municipality.")},
    )
    coordinator_role = forms.ModelChoiceField(
        label=_("Coordinator"),
        help_text=_("Usually the SLT coordinator or the police radicalisation contact."),
        queryset=None,
        empty_label=_("Choose a coordinator"),
        error_messages={"required": _("Choose who coordinates the case.")},
    )
    audience = forms.ChoiceField(
        label=_("The concern is about"),
        choices=[(ForumAudience.YOUTH, _("A young person")), (ForumAudience.ADULTS, _("An adult"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether the concern is about a young person or an adult.")
        },
    )
    observation = forms.CharField(
        label=_("What was observed"),
        help_text=_("What happened or was said, as concretely as you can. Facts first."),
        max_length=TEXT_MAX,
        widget=_textarea(6),
        error_messages={"required": _("Describe what was observed.")},
    )
    observed_by = forms.CharField(label=_("Observed by"), max_length=200, required=False)
    observed_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Observed on"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Enter a date, for example 2026-11-28.")},
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[("", _("Choose a source"))] + Source.choices,
        error_messages={"required": _("Choose where the information comes from.")},
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how urgent the concern is.")},
    )

    def __init__(self, *args, networks, municipalities, coordinator_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks
        self.fields["municipality"].queryset = municipalities
        self.fields["coordinator_role"].queryset = coordinator_roles
        self.fields["coordinator_role"].label_from_instance = _role_label

    def clean_observed_on(self):
        day = self.cleaned_data.get("observed_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        network, municipality = cleaned.get("network"), cleaned.get("municipality")
        if network and municipality and not network.municipalities.filter(pk=municipality.pk):
            self.add_error("municipality", _("The municipality is not covered by this network."))
        return cleaned


def _role_label(role):
    holder = role.holder.get_full_name() if role.holder else _("vacant")
    return f"{role.get_kind_display()} – {role.agency.name} ({holder})"


def guard_anonymous(form, case):
    """Every free text of an anonymous discussion refuses identity numbers (L18). Case
    views pass each form they build for a case through here; the form's fields are
    walked, so a field added later is guarded too."""
    if case.is_anonymous:
        refuse_identity_numbers_in(form, identity_number_refused_message)
    return form


class AnonymousIntakeForm(RefusesIdentityNumbers, IntakeForm):
    """An anonymous discussion (L18): no name, identity number, address or birth date;
    no free text of it may hold an identity number."""

    identity_number_message = staticmethod(identity_number_refused_message)

    approximate_age = forms.IntegerField(
        label=_("Age"),
        help_text=_("Leave empty, or give an age only when it does not identify the person."),
        required=False,
        min_value=0,
        max_value=120,
        error_messages={
            "min_value": _("Give an age from 0 to 120."),
            "max_value": _("Give an age from 0 to 120."),
        },
    )
    school = forms.CharField(
        label=_("School"),
        help_text=_("Leave empty when the school and the age together point to one person."),
        max_length=200,
        required=False,
    )


class PersonForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Give the person's name.")},
    )
    birth_date = forms.DateField(
        validators=[not_before_1900],
        label=_("Birth date"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Enter a date, for example 2010-05-17.")},
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        help_text=_("When the birth date is not known."),
        required=False,
        min_value=1900,
        error_messages={"min_value": _("Give a year from 1900 on.")},
    )
    identity_number = forms.CharField(
        label=_("National identity number"),
        help_text=_(
            "Only when your agency records identity numbers and the case needs it. "
            "It is masked everywhere afterwards."
        ),
        max_length=13,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    identity_number_reason = forms.CharField(
        label=_("Why the identity number is needed"),
        max_length=1000,
        required=False,
        widget=_textarea(2),
    )
    gender_in_own_words = forms.CharField(
        label=_("Gender and identity in the person's own words"), max_length=200, required=False
    )
    languages = forms.CharField(label=_("Languages"), max_length=200, required=False)
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    interpreter_language = forms.CharField(
        label=_("Interpreter language"), max_length=100, required=False
    )
    protected_address = forms.ChoiceField(
        label=_("Protected address"),
        help_text=_("A protected address is not recorded at all and never shown or exported."),
        choices=ProtectedAddress.choices,
        required=False,
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)

    def __init__(self, *args, agency_records_identity_numbers=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not agency_records_identity_numbers:
            del self.fields["identity_number"]
            del self.fields["identity_number_reason"]

    def clean_birth_date(self):
        day = self.cleaned_data.get("birth_date")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        return day

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year and year > timezone.localdate().year:
            raise forms.ValidationError(_("The birth year cannot be in the future."))
        return year

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("needs_interpreter") and not cleaned.get("interpreter_language"):
            self.add_error(
                "interpreter_language", _("Say which language the person needs an interpreter for.")
            )
        if cleaned.get("protected_address") and cleaned.get("address"):
            self.add_error(
                "address", _("Leave the address empty: a protected address is not recorded.")
            )
        return cleaned

    def person_fields(self):
        """The cleaned values for `Person`, text fields as "" rather than None."""
        fields = {}
        for name in PersonForm.base_fields:
            if name in self.fields:
                value = self.cleaned_data.get(name)
                text = isinstance(PersonForm.base_fields[name], forms.CharField)
                fields[name] = (value or "") if text else value
        fields["protected_address"] = fields.get("protected_address") or ""
        return fields


class IdentifiedIntakeForm(IntakeForm, PersonForm):
    not_a_duplicate = forms.BooleanField(
        label=_("This is another person: register a new case"), required=False
    )


class PersonEditForm(PersonForm, VersionedForm):
    remove_identity_number = forms.BooleanField(
        label=_("Remove the recorded identity number"), required=False
    )

    def __init__(self, *args, has_identity_number=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_identity_number:
            del self.fields["remove_identity_number"]
        elif "identity_number" in self.fields:
            self.fields["identity_number"].help_text = _(
                "An identity number is recorded. Leave this empty to keep it."
            )


class GuardianForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.CharField(label=_("Relation"), max_length=100)
    has_parental_responsibility = forms.BooleanField(
        label=_("Has parental responsibility"), required=False
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, validators=[validate_phone]
    )


GuardianFormSet = forms.formset_factory(GuardianForm, extra=2, max_num=6, can_delete=True)


class ConversionForm(PersonForm, VersionedForm):
    # The choices are the catalogue's bases the agency may use today; the view passes them.
    legal_basis = forms.ModelChoiceField(
        label=_("Legal basis for identifying the person"),
        queryset=None,
        empty_label=_("Choose a legal basis"),
        error_messages={
            "required": _("Choose the legal basis for identifying the person."),
            "invalid_choice": _("Choose the legal basis for identifying the person."),
        },
    )
    copy_entries = forms.MultipleChoiceField(
        label=_("Journal entries to copy into the identified case"),
        help_text=_("Nothing is copied unless you tick it."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, entries=(), legal_bases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].queryset = legal_bases
        self.fields["legal_basis"].label_from_instance = lambda basis: (
            f"{basis.law} {basis.section}: {basis.title}"
        )
        self.fields["copy_entries"].choices = [
            (str(entry.pk), f"{dates.day(entry.written_at)} – {_withheld_or(entry, 80)}")
            for entry in entries
        ]


def _withheld_or(entry, length):
    """The start of an item's text, or that it is withheld (L34; see
    policy.withhold_special_categories)."""
    if getattr(entry, "withheld", False):
        return str(_("Special category – withheld"))
    return entry.text[:length]


class StateForm(VersionedForm):
    to_state = forms.ChoiceField(
        label=_("Move the case to"),
        choices=CaseState.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the next state.")},
    )
    note = forms.CharField(
        label=_("Note for the timeline"), max_length=1000, required=False, widget=_textarea(2)
    )
    evaluation = forms.CharField(
        label=_("Evaluation"),
        help_text=_("Required when the case is closed: what was done, and how it went."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(4),
    )
    review_on = forms.DateField(
        label=_("Review date"),
        help_text=_("Required when the case is closed: when to look at it again."),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Enter a date, for example 2027-05-28.")},
    )

    def __init__(self, *args, states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = [(state, CaseState(state).label) for state in states]


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why the case is reopened"),
        max_length=1000,
        widget=_textarea(3),
        error_messages={"required": _("Say why the case is reopened.")},
    )


class SecurityClarificationForm(forms.ModelForm, VersionedForm):
    class Meta:
        model = SecurityClarification
        formfield_callback = limited_formfield
        fields = [
            "police_contact_consulted",
            "police_contact_note",
            "pst_to_be_told",
            "pst_note",
            "child_welfare_duty",
            "child_welfare_reasoning",
            "averting_duty",
            "averting_reasoning",
        ]
        widgets = {
            "police_contact_consulted": forms.RadioSelect,
            "pst_to_be_told": forms.RadioSelect,
            "child_welfare_duty": forms.RadioSelect,
            "averting_duty": forms.RadioSelect,
            "police_contact_note": _textarea(3),
            "pst_note": _textarea(3),
            "child_welfare_reasoning": _textarea(3),
            "averting_reasoning": _textarea(3),
        }
        error_messages = {
            name: {"required": _("Answer this question.")}
            for name in [
                "police_contact_consulted",
                "pst_to_be_told",
                "child_welfare_duty",
                "averting_duty",
                "pst_note",
                "child_welfare_reasoning",
                "averting_reasoning",
            ]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (
            "police_contact_consulted",
            "pst_to_be_told",
            "child_welfare_duty",
            "averting_duty",
        ):
            # No pre-selected answer: each one must be given on purpose.
            self.fields[name].choices = SecurityClarification.Answer.choices

    def answers(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SummaryForm(VersionedForm):
    summary = forms.CharField(
        label=_("Common summary"),
        help_text=_(
            "What every agency on the team may know. Keep agency-internal detail in "
            "your own journal."
        ),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(8),
    )


class CoordinatorForm(VersionedForm):
    role = forms.ModelChoiceField(
        label=_("New coordinator"),
        queryset=None,
        empty_label=_("Choose a coordinator"),
        error_messages={"required": _("Choose the new coordinator.")},
    )
    reason = forms.CharField(
        label=_("Why the coordinator changes"),
        max_length=1000,
        widget=_textarea(2),
        error_messages={"required": _("Say why the coordinator changes.")},
    )

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles
        self.fields["role"].label_from_instance = _role_label


class TeamMemberForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=None,
        empty_label=_("Choose an agency"),
        error_messages={"required": _("Choose an agency.")},
    )
    contact_name = forms.CharField(
        label=_("Contact person"),
        max_length=200,
        error_messages={"required": _("Name the agency's contact person for this case.")},
    )
    contact_phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, validators=[validate_phone]
    )
    contact_email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        error_messages={"invalid": _("Enter a valid e-mail address.")},
    )
    asked_for = forms.CharField(
        label=_("What the agency is asked to contribute"),
        max_length=300,
        required=False,
        help_text=_("For example: advice on the security assessment. Nothing about the person."),
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        formfield_callback = limited_formfield
        fields = ["name", "relation", "how_they_help", "contact"]
        widgets = {"how_they_help": _textarea(3)}
        error_messages = {
            "name": {"required": _("Give a name.")},
            "relation": {"required": _("Choose the relation.")},
        }


class ResponsibilityForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=None,
        empty_label=_("Choose an agency"),
        error_messages={"required": _("Choose an agency.")},
    )
    what = forms.CharField(
        label=_("Responsible for"),
        max_length=300,
        error_messages={"required": _("Say what the agency is responsible for.")},
    )
    agreed_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Agreed on"),
        widget=_date_input(),
        error_messages={
            "required": _("Give the date it was agreed."),
            "invalid": _("Enter a date, for example 2026-11-28."),
        },
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class TaskForm(forms.Form):
    title = forms.CharField(
        label=_("Task"), max_length=200, error_messages={"required": _("Describe the task.")}
    )
    owner_agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=None,
        empty_label=_("Choose an agency"),
        error_messages={"required": _("Choose the agency that owns the task.")},
    )
    owner_role = forms.ModelChoiceField(
        label=_("Owner role"),
        help_text=_("A task owned by a role follows the role when its holder changes."),
        queryset=None,
        required=False,
        empty_label=_("No role: name a person instead"),
    )
    owner_name = forms.CharField(label=_("Owner (person)"), max_length=200, required=False)
    deadline = forms.DateField(
        validators=[not_in_the_past],
        label=_("Deadline"),
        widget=_date_input(),
        error_messages={
            "required": _("Give a deadline."),
            "invalid": _("Enter a date, for example 2026-12-15."),
        },
    )

    def __init__(self, *args, agencies, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = agencies
        self.fields["owner_role"].queryset = roles
        self.fields["owner_role"].label_from_instance = _role_label

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("owner_role") and not cleaned.get("owner_name"):
            self.add_error("owner_name", _("Choose a role or name the person who owns the task."))
        return cleaned


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TaskInboxForm(forms.Form):
    """The task inbox's filters. The search text is posted and kept in the session (as
    the case list does): a task title may say something about a person."""

    WHOSE = [
        ("", _("My agency")),
        ("mine", _("Given to me")),
        ("roles", _("My roles")),
    ]
    STATUSES = [
        ("", _("Not done")),
        *TaskStatus.choices,
        ("all", _("All statuses")),
    ]
    q = forms.CharField(
        label=_("Search by task or case reference"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    whose = forms.ChoiceField(label=_("Whose tasks"), choices=WHOSE, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    overdue = forms.BooleanField(label=_("Only overdue tasks"), required=False)


class TaskAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Given to"), queryset=None, required=False, empty_label=_("Nobody in particular")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = colleagues
        self.fields["assignee"].label_from_instance = _person_label


def _person_label(user):
    return user.get_full_name() or user.username


class ItemClassForm(forms.Form):
    """How an information item is classed: confidentiality and the GDPR tags (L34); for
    police agencies also whether it is verified (L08). Journal entries and signed
    assessments ask the same."""

    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        choices=Confidentiality.choices,
        initial=Confidentiality.CONFIDENTIAL,
        widget=forms.RadioSelect,
    )
    health_data = forms.BooleanField(label=_("Contains health information"), required=False)
    religious_beliefs = forms.BooleanField(
        label=_("Contains religious or philosophical beliefs"), required=False
    )
    political_opinions = forms.BooleanField(label=_("Contains political opinions"), required=False)
    offences = forms.BooleanField(
        label=_("Contains offences or criminal convictions"), required=False
    )
    police_verification = forms.ChoiceField(
        label=_("Is the information verified?"),
        help_text=_("Police information is marked with its origin and whether it is verified."),
        choices=PoliceVerification.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the information is verified.")},
    )

    def __init__(self, *args, police=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not police:
            del self.fields["police_verification"]

    def tags(self):
        """The special-category flags and the police verification, for the service."""
        return {
            name: self.cleaned_data[name]
            for name in (*SPECIAL_CATEGORY_FIELDS, "police_verification")
            if name in self.fields
        }


class JournalForm(ItemClassForm):
    """An information item: text, confidentiality, category and the GDPR tags (L34);
    for police agencies also whether it is verified (L08)."""

    text = forms.CharField(
        label=_("Entry"),
        max_length=TEXT_MAX,
        widget=_textarea(6),
        error_messages={"required": _("Write the entry.")},
    )
    category = forms.ChoiceField(
        label=_("Information category"),
        help_text=_("Consents name the categories that may be shared."),
        # An assessment item is written only by signing an assessment.
        choices=[("", _("Choose a category"))]
        + [
            choice
            for choice in InformationCategory.choices
            if choice[0] != InformationCategory.ASSESSMENT
        ],
        error_messages={"required": _("Choose the information category.")},
    )
    field_order = [
        "text",
        "confidentiality",
        "category",
        *SPECIAL_CATEGORY_FIELDS,
        "police_verification",
    ]


class JournalCorrectionForm(JournalForm):
    reason = forms.CharField(
        label=_("Why it is corrected"),
        max_length=300,
        error_messages={"required": _("Say why the entry is corrected.")},
    )


class BreakGlassForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        help_text=_("For example 2026-00042."),
        max_length=20,
        error_messages={"required": _("Give the case reference.")},
    )
    reason = forms.CharField(
        label=_("Why you must open the case now"),
        help_text=_("Your manager reviews every emergency access. At least 20 characters."),
        max_length=2000,
        widget=_textarea(4),
        error_messages={"required": _("Give the reason.")},
    )

    def clean_reason(self):
        """Checked before the reference is looked up, so the answer to a short reason
        does not depend on whether the case exists."""
        from tverrnett.cases.services import BREAK_GLASS_MIN_REASON, break_glass_reason_error

        reason = self.cleaned_data["reason"].strip()
        if len(reason) < BREAK_GLASS_MIN_REASON:
            raise forms.ValidationError(break_glass_reason_error())
        return reason


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note"), max_length=2000, required=False, widget=_textarea(2)
    )


class CaseListForm(forms.Form):
    SORTS = [
        ("changed", _("Last changed first")),
        ("newest", _("Newest first")),
        ("oldest", _("Oldest first")),
        ("deadline", _("Next deadline first")),
    ]
    # Not kept by the browser's form history: it may be a name or an identity number.
    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All states"))] + CaseState.choices, required=False
    )
    forum = forms.ModelChoiceField(
        label=_("Forum"), queryset=None, required=False, empty_label=_("All forums")
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=None,
        required=False,
        empty_label=_("All municipalities"),
    )
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"),
        queryset=None,
        required=False,
        empty_label=_("All coordinators"),
    )
    overdue = forms.BooleanField(label=_("Only cases with overdue tasks"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)

    def __init__(self, *args, forums, municipalities, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forum"].queryset = forums
        self.fields["municipality"].queryset = municipalities
        self.fields["coordinator"].queryset = roles
        self.fields["coordinator"].label_from_instance = _role_label
