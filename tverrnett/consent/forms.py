"""Forms for consent and sharing. The rules hold in services.py whoever calls; these
give clear Norwegian messages first. No choice is ticked in advance (L15)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tverrnett.cases.models import CasePart, InformationCategory
from tverrnett.consent.models import Confirmation, ConsentCapacity, ConsentForm, ConsentStatus
from tverrnett.core import dates
from tverrnett.core.files import ALLOWED_EXTENSIONS_TEXT
from tverrnett.core.parsing import ModelMultipleChoiceField
from tverrnett.core.texts import TEXT_MAX
from tverrnett.core.validators import not_before_1900, not_in_the_past


def _textarea(rows=4):
    widget = forms.Textarea(attrs={"rows": rows})
    widget.attrs.pop("cols", None)
    return widget


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def item_label(reads_special_categories):
    """An item as a choice: its day, category and first words; a special-category item's
    text only for a user who may read it (policy.may_read_special_categories, L34)."""

    def label(entry):
        written = dates.day(entry.written_at)
        if entry.special_categories and not reads_special_categories:
            return f"{written} · {_('Special category – withheld')}"
        return f"{written} · {entry.get_category_display()} · {entry.text[:100]}"

    return label


def fit_basis_fields(form, basis):
    """Under a consent its scope is the reason: no necessity note or confirmations. Under
    a basis, the statements it requires must all be confirmed."""
    if basis is None:
        del form.fields["necessity_note"]
        del form.fields["confirmations"]
    elif basis.confirmations:
        form.fields["confirmations"].choices = [
            (code, Confirmation(code).label) for code in basis.confirmations
        ]
        form.fields["confirmations"].required = True
        form.fields["confirmations"].error_messages["required"] = _(
            "Confirm every statement this basis requires."
        )
    else:
        del form.fields["confirmations"]


def ground_choices(consents, bases):
    """What may allow a sharing or a request: the case's valid consents, then the
    catalogue's bases, as radio choices ("consent-<pk>", "basis-<pk>")."""
    return [
        (
            f"consent-{consent.pk}",
            _("Consent: %(purpose)s (until %(until)s)")
            % {"purpose": consent.purpose[:80], "until": dates.day(consent.ends_on)},
        )
        for consent in consents
    ] + [(f"basis-{basis.pk}", f"{basis.law} {basis.section}: {basis.title}") for basis in bases]


class PrepareConsentForm(forms.Form):
    consenter_name = forms.CharField(
        label=_("Who consents"),
        max_length=200,
        help_text=_("The person, or for a child the holders of parental responsibility."),
        error_messages={"required": _("Give the name of who consents.")},
    )
    capacity = forms.ChoiceField(
        label=_("Who gives the consent"),
        choices=ConsentCapacity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say who gives the consent.")},
    )
    guardians = ModelMultipleChoiceField(
        label=_("Holders of parental responsibility who consent"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    child_views = forms.CharField(
        label=_("The child's own views"),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        help_text=_("What the information will be used for, in words the person understands."),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Say what the information will be used for.")},
    )
    categories = forms.MultipleChoiceField(
        label=_("Information that may be shared"),
        choices=InformationCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one category of information.")},
    )
    recipients = ModelMultipleChoiceField(
        label=_("Services that may receive it"),
        help_text=_("Services, not named people."),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service that may receive information.")},
    )
    starts_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Valid from"),
        widget=_date_input(),
        error_messages={"required": _("Give the start date."), "invalid": _("Give a valid date.")},
    )
    ends_on = forms.DateField(
        label=_("Valid until"),
        help_text=_("A consent always has an end date."),
        widget=_date_input(),
        error_messages={
            "required": _("A consent must have an end date."),
            "invalid": _("Give a valid date."),
        },
    )
    individual_plan = forms.BooleanField(
        label=_("The person wants an individual plan"),
        help_text=_("An individual plan coordinates the services over time (L30)."),
        required=False,
    )
    plan_confidential_access = forms.BooleanField(
        label=_(
            "The services named above may use the confidential information the individual "
            "plan needs"
        ),
        required=False,
    )
    language = forms.CharField(
        label=_("Language of the conversation"),
        max_length=100,
        error_messages={"required": _("Give the language the conversation was held in.")},
    )
    interpreter_used = forms.BooleanField(label=_("An interpreter was used"), required=False)
    interpreter_language = forms.CharField(
        label=_("Interpreter language"), max_length=100, required=False
    )

    def __init__(self, *args, guardians, recipients, minor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardians"].queryset = guardians
        self.fields["recipients"].queryset = recipients
        self.fields["starts_on"].initial = timezone.localdate()
        if minor:
            self.fields["guardians"].required = True
            self.fields["guardians"].error_messages["required"] = _(
                "Choose the holders of parental responsibility who consent."
            )
            self.fields["child_views"].required = True
            self.fields["child_views"].error_messages["required"] = _(
                "Record the child's own views."
            )
        else:
            del self.fields["guardians"]
            del self.fields["child_views"]

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date must be on or after the start date."))
        if data.get("interpreter_used") and not data.get("interpreter_language", "").strip():
            self.add_error("interpreter_language", _("Give the interpreter language."))
        if data.get("plan_confidential_access") and not data.get("individual_plan"):
            self.add_error(
                "individual_plan",
                _("Access for the plan's services is part of a consent to an individual plan."),
            )
        return data


class ConsentAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("The answer"),
        choices=[
            (ConsentStatus.GIVEN, _("Consent given")),
            (ConsentStatus.REFUSED, _("Consent refused")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the consent was given or refused.")},
    )
    form = forms.ChoiceField(
        label=_("How it was given"),
        choices=ConsentForm.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    declaration = forms.FileField(
        label=_("The signed declaration"),
        help_text=_("A scan or photo: %(types)s. Never upload classified material.")
        % {"types": ALLOWED_EXTENSIONS_TEXT},
        required=False,
    )
    oral_recorded_by = forms.CharField(
        label=_("Who heard and recorded the oral consent"), max_length=200, required=False
    )
    oral_record_reference = forms.CharField(
        label=_("Where it is recorded"),
        help_text=_("For example the journal reference in your agency's own system."),
        max_length=300,
        required=False,
    )
    refusal_note = forms.CharField(
        label=_("What the person said (if refused)"),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )


class WithdrawalForm(forms.Form):
    withdrawn_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Withdrawn on"),
        widget=_date_input(),
        error_messages={"required": _("Give the date."), "invalid": _("Give a valid date.")},
    )
    note = forms.CharField(
        label=_("How and to whom it was withdrawn"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Say how and to whom the consent was withdrawn.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = timezone.localdate()


class GroundForm(forms.Form):
    """Step 1 of sharing: the ground (a consent or a statutory basis). Sent with GET, so
    step 2's address names the ground: ?grunnlag=consent-12 or ?grunnlag=basis-3."""

    grunnlag = forms.ChoiceField(
        label=_("Ground for sharing"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a consent or a legal basis from the catalogue.")},
    )

    def __init__(self, *args, consents, bases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grunnlag"].choices = ground_choices(consents, bases)


class ShareForm(forms.Form):
    """Step 2 of sharing: the items, the recipient, why."""

    recipient = forms.ModelChoiceField(
        label=_("Share with"),
        queryset=None,
        empty_label=_("Choose an agency"),
        error_messages={"required": _("Choose an agency on the case's team.")},
    )
    items = ModelMultipleChoiceField(
        label=_("Information to share"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the information to share.")},
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=TEXT_MAX,
        widget=_textarea(2),
        error_messages={"required": _("Say what the information is shared for.")},
    )
    necessity_note = forms.CharField(
        label=_("Why sharing is necessary"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Explain why sharing is necessary.")},
    )
    confirmations = forms.MultipleChoiceField(
        label=_("Confirm"),
        choices=Confirmation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self, *args, recipients, items, basis=None, reads_special_categories=True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients
        self.fields["items"].queryset = items

        self.fields["items"].label_from_instance = item_label(reads_special_categories)
        fit_basis_fields(self, basis)


class InformPersonForm(forms.Form):
    informed_on = forms.DateField(
        validators=[not_before_1900],
        label=_("The person was informed on"),
        widget=_date_input(),
        required=False,
        error_messages={"invalid": _("Give a valid date.")},
    )
    postponement_reason = forms.CharField(
        label=_("Or: why informing the person is postponed"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        required=False,
    )


class ReviewForm(forms.Form):
    review_note = forms.CharField(
        label=_("What the review found"),
        max_length=TEXT_MAX,
        widget=_textarea(4),
        error_messages={"required": _("Write what the review found.")},
    )


class DeclarationForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None, empty_label=None, widget=forms.HiddenInput
    )
    accept = forms.BooleanField(
        label=_("I have read the declaration and accept the duty of confidentiality"),
        error_messages={"required": _("Tick the box to accept the declaration.")},
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class CaseOpeningForm(forms.Form):
    """Opening parts of a case to a team agency (C1): the ground, the parts, why. With
    `optional`, the ground may be left out: the agency then has the reduced view."""

    ground = forms.ChoiceField(
        label=_("Ground"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a consent or a legal basis from the catalogue.")},
    )
    parts = forms.MultipleChoiceField(
        label=_("What the agency may see"),
        choices=CasePart.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Only what the agency needs for its part of the work. A consent must cover "
            "the categories of what you open."
        ),
    )
    purpose = forms.CharField(
        label=_("What the agency needs it for"),
        max_length=TEXT_MAX,
        widget=_textarea(2),
        required=False,
    )
    necessity_note = forms.CharField(
        label=_("Why sharing is necessary (for a legal basis)"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        required=False,
    )
    confirmations = forms.MultipleChoiceField(
        label=_("Confirm (for a legal basis that asks it)"),
        choices=Confirmation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    NO_GROUND = "none"

    def __init__(self, *args, consents, bases, optional=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.consents = {f"consent-{consent.pk}": consent for consent in consents}
        self.bases = {f"basis-{basis.pk}": basis for basis in bases}
        choices = ground_choices(consents, bases)
        if optional:
            choices.insert(
                0,
                (
                    self.NO_GROUND,
                    _(
                        "No sharing yet: the agency is asked to contribute without seeing "
                        "the person (the reduced view)"
                    ),
                ),
            )
            self.fields["ground"].initial = self.NO_GROUND
        self.fields["ground"].choices = choices

    def clean(self):
        data = super().clean()
        key = data.get("ground")
        data["consent"] = self.consents.get(key)
        data["legal_basis"] = self.bases.get(key)
        if data["consent"] is not None or data["legal_basis"] is not None:
            if not data.get("parts"):
                self.add_error("parts", _("Choose what the agency may see."))
            if not (data.get("purpose") or "").strip():
                self.add_error("purpose", _("Say what the agency needs the information for."))
        return data

    def opening(self):
        """The service's keyword arguments for the ground chosen."""
        data = self.cleaned_data
        return {
            "parts": data.get("parts") or [],
            "purpose": data.get("purpose") or "",
            "consent": data["consent"],
            "legal_basis": data["legal_basis"],
            "necessity_note": data.get("necessity_note") or "",
            "confirmations": data.get("confirmations") or [],
        }


class OwnBasisForm(forms.Form):
    """The recipient's own legal basis for keeping information it received under a consent
    that was withdrawn (L13). The service checks the basis against the items' sectors."""

    legal_basis = forms.ModelChoiceField(
        label=_("Your agency's own legal basis"),
        queryset=None,
        empty_label=_("Choose a legal basis"),
        error_messages={
            "required": _("Choose the legal basis your agency keeps the information on."),
            "invalid_choice": _("Your agency cannot use this legal basis today."),
        },
    )
    necessity_note = forms.CharField(
        label=_("Why your agency must keep the information"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Explain why your agency must keep the information.")},
    )
    confirmations = forms.MultipleChoiceField(
        label=_("Confirm, where the basis requires it"),
        choices=Confirmation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, bases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].queryset = bases
        self.fields["legal_basis"].label_from_instance = lambda basis: (
            f"{basis.law} {basis.section}: {basis.title}"
        )


class RedactionRuleForm(forms.Form):
    """A rule of the access report's redaction step: hold back every read by one agency,
    or within a period, or both, with one reason (consent.access_report, "Redaction
    rules")."""

    EVERY_AGENCY = ""

    agency = forms.ChoiceField(label=_("Reads by"), required=False)
    starts_on = forms.DateField(
        validators=[not_before_1900],
        label=_("From (date)"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Give a valid date.")},
    )
    ends_on = forms.DateField(
        label=_("To (date)"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _("Give a valid date.")},
    )
    hide = forms.ChoiceField(
        label=_("Hold back"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the rule holds back.")},
    )
    reason = forms.CharField(
        label=_("Reason for redaction"),
        max_length=500,
        error_messages={"required": _("Give the reason for the redaction.")},
    )

    def __init__(self, *args, agencies, **kwargs):
        """`agencies`: (id, name, reads) of the agencies whose reads are in the report."""
        from tverrnett.consent.access_report import HIDE_CHOICES, HIDE_READER

        super().__init__(*args, **kwargs)
        self.names = {str(agency): name for agency, name, _count in agencies}
        self.fields["agency"].choices = [(self.EVERY_AGENCY, _("Every agency"))] + [
            (
                str(agency),
                ngettext("%(name)s (%(count)s read)", "%(name)s (%(count)s reads)", count)
                % {"name": name, "count": count},
            )
            for agency, name, count in agencies
        ]
        self.fields["hide"].choices = HIDE_CHOICES
        self.fields["hide"].initial = HIDE_READER

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and start > end:
            self.add_error("ends_on", _("The period ends before it starts."))
        return cleaned

    def rule(self):
        """The rule as the report stores it."""
        data = self.cleaned_data
        agency = data["agency"] or None
        return {
            "agency": int(agency) if agency else None,
            "agency_name": self.names.get(agency, "") if agency else "",
            "from": data["starts_on"].isoformat() if data["starts_on"] else None,
            "to": data["ends_on"].isoformat() if data["ends_on"] else None,
            "hide": data["hide"],
            "reason": data["reason"].strip(),
        }


# Requests for information between agencies (consent.information_requests) -------------


class AskForInformationForm(forms.Form):
    """Ask another agency for information on a named ground."""

    recipient = forms.ModelChoiceField(
        label=_("Agency you are asking"),
        queryset=None,
        empty_label=_("Choose an agency"),
        error_messages={"required": _("Choose the agency you are asking.")},
    )
    ground = forms.ChoiceField(
        label=_("Ground for the request"),
        help_text=_(
            "The consent or the legal basis under which the agency may give your agency the "
            "information. Your question goes to the agency on the same ground."
        ),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a consent or a legal basis from the catalogue.")},
    )
    question = forms.CharField(
        label=_("What do you ask about?"),
        help_text=_("Ask only for what the case needs, and say why."),
        max_length=TEXT_MAX,
        widget=_textarea(5),
        error_messages={"required": _("Write what you are asking about.")},
    )
    deadline = forms.DateField(
        label=_("Answer wanted by"),
        validators=[not_before_1900, not_in_the_past],
        widget=_date_input(),
        error_messages={"required": _("Give a deadline for the answer.")},
    )

    def __init__(self, *args, recipients, consents, bases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients
        self.fields["ground"].choices = ground_choices(consents, bases)


class AnswerInformationRequestForm(forms.Form):
    """Answer a request by disclosing the agency's own items, or an answer written now."""

    items = ModelMultipleChoiceField(
        label=_("Your agency's information on the case to disclose"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label=_("Write the answer"),
        help_text=_(
            "Saved as an information item of your agency on the case and disclosed to the "
            "asking agency in the same step."
        ),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(5),
    )
    category = forms.ChoiceField(
        label=_("Information category of the answer"),
        choices=[
            choice
            for choice in InformationCategory.choices
            if choice[0] != InformationCategory.ASSESSMENT
        ],
        initial=InformationCategory.CONCERN,
        required=False,
    )
    police_verification = forms.ChoiceField(
        label=_("Verified by the police?"),
        choices=[("", _("Choose")), ("verified", _("Verified")), ("unverified", _("Unverified"))],
        required=False,
    )
    necessity_note = forms.CharField(
        label=_("Why sharing is necessary"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Explain why sharing is necessary.")},
    )
    confirmations = forms.MultipleChoiceField(
        label=_("Confirm"),
        choices=Confirmation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, items, basis, police, reads_special_categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items
        self.fields["items"].label_from_instance = item_label(reads_special_categories)
        if not items.exists():
            del self.fields["items"]
        if not police:
            del self.fields["police_verification"]
        fit_basis_fields(self, basis)

    def clean(self):
        data = super().clean()
        if not data.get("items") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Choose information to disclose, or write the answer."))
        if "police_verification" in self.fields and (data.get("text") or "").strip():
            if not data.get("police_verification"):
                self.add_error("police_verification", _("Say whether the information is verified."))
        return data


class DeclineInformationRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the request is declined"),
        help_text=_("The asking agency sees this. Do not write personal data here."),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Say why the request is declined.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class InformationRequestListForm(forms.Form):
    SIDES = [("", _("Received by my agency")), ("sent", _("Sent by my agency"))]
    STATUSES = [("", _("Waiting for an answer")), ("all", _("All statuses"))]
    SORTS = [
        ("", _("Deadline, earliest first")),
        ("-deadline", _("Deadline, latest first")),
        ("-asked", _("Newest first")),
        ("asked", _("Oldest first")),
    ]
    q = forms.CharField(
        label=_("Search by agency or case reference"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    vis = forms.ChoiceField(label=_("Requests"), choices=SIDES, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    sorter = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
