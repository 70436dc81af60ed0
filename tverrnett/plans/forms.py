"""Forms for individual plans. The rules hold in services.py whoever calls; these give the
user clear messages before the service is asked."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.forms import TEXT_MAX, VersionedForm, _date_input, _textarea
from tverrnett.core import dates

_DATE_INVALID = _("Enter a date, for example 2026-12-15.")


def _consent_label(consent):
    services = ", ".join(agency.name for agency in consent.recipients.all())
    return _("%(purpose)s (%(start)s to %(end)s). Services: %(services)s") % {
        "purpose": consent.purpose,
        "start": dates.day(consent.starts_on),
        "end": dates.day(consent.ends_on),
        "services": services or "–",
    }


class CreatePlanForm(forms.Form):
    consent = forms.ModelChoiceField(
        label=_("The consent the plan is made under"),
        help_text=_(
            "A consent in which the person wants an individual plan and lets its services use "
            "the information the plan needs."
        ),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the consent the plan is made under.")},
    )

    def __init__(self, *args, consents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].queryset = consents
        self.fields["consent"].label_from_instance = _consent_label


class PlanForm(VersionedForm):
    """The sections written in words, the period, and the services' internal note."""

    overview = forms.CharField(
        label=_("Goals, resources and needs"),
        help_text=_("The person's situation as a whole: what works, what is hard, what they need."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(6),
    )
    participation = forms.CharField(
        label=_("Who takes part, and how the person takes part"),
        help_text=_("The services and people in the work, and how the person is involved."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(4),
    )
    period_start = forms.DateField(
        label=_("Plan period from"),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _DATE_INVALID},
    )
    period_end = forms.DateField(
        label=_("Plan period until"),
        help_text=_("Add the revision dates on the plan page; at least one inside the period."),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _DATE_INVALID},
    )
    follow_up = forms.CharField(
        label=_("How the plan is followed up and evaluated"),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(4),
    )
    if_service_declined = forms.CharField(
        label=_("If the person does not want a service"),
        help_text=_("What happens then, and what goes on as before."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(4),
    )
    internal_note = forms.CharField(
        label=_("Internal note for the services"),
        help_text=_(
            "Seen only by the plan's services. Never shown in the meeting view or in the PDF."
        ),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The plan period must end after it starts."))
        return data


class GoalForm(forms.Form):
    text = forms.CharField(
        label=_("Goal"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Write the goal.")},
    )
    by_person = forms.BooleanField(
        label=_("The person's own goal, in their own words"),
        help_text=_("Write it as the person said it."),
        required=False,
    )


class PlanMeasureForm(forms.Form):
    measure = forms.ModelChoiceField(
        label=_("The case's measure (optional)"),
        help_text=_("Link the line in the plan to a measure on the case, if there is one."),
        queryset=None,
        required=False,
        empty_label=_("No link"),
    )
    description = forms.CharField(
        label=_("Measure"),
        max_length=300,
        error_messages={"required": _("Describe the measure.")},
    )
    responsible_agency = forms.ModelChoiceField(
        label=_("Responsible service"),
        help_text=_("A service on the case's team."),
        queryset=None,
        empty_label=_("Choose a service"),
        error_messages={"required": _("Choose the service responsible for the measure.")},
    )
    extent = forms.CharField(
        label=_("Extent"),
        help_text=_("How much: for example two hours a week."),
        max_length=200,
        error_messages={"required": _("Say how much: for example two hours a week.")},
    )
    timing = forms.CharField(
        label=_("When"),
        help_text=_("For example from January to June."),
        max_length=200,
        error_messages={"required": _("Say when: for example from January to June.")},
    )

    def __init__(self, *args, measures, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = measures
        self.fields["measure"].label_from_instance = _measure_label
        self.fields["responsible_agency"].queryset = agencies


class ChangePlanMeasureForm(PlanMeasureForm):
    """Carries the version of the line the user read (C5)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _measure_label(measure):
    return f"{measure.measure_type.name}: {measure.goal[:80]}"


class RevisionForm(forms.Form):
    due_on = forms.DateField(
        label=_("Revision date"),
        help_text=_("The coordinator gets a task some days before."),
        widget=_date_input(),
        error_messages={"required": _("Give the revision date."), "invalid": _DATE_INVALID},
    )


class ContributionForm(forms.Form):
    """A service's own part; `version` is that of the part the user read, empty for a new one."""

    agency = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    text = forms.CharField(
        label=_("Our part of the plan"),
        help_text=_("What your service does in the plan. You write only your own service's part."),
        max_length=TEXT_MAX,
        widget=_textarea(4),
        error_messages={"required": _("Write your service's part of the plan.")},
    )


class EndPlanForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why the plan ends"),
        help_text=_("For example: the person no longer wants a plan, or it is no longer needed."),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Say why the plan ends.")},
    )


class CompareForm(forms.Form):
    fra = forms.TypedChoiceField(label=_("From version"), coerce=int)
    til = forms.TypedChoiceField(label=_("To version"), coerce=int)

    def __init__(self, *args, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(number, str(number)) for number in numbers]
        self.fields["fra"].choices = choices
        self.fields["til"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("fra") is not None and data.get("fra") == data.get("til"):
            self.add_error("til", _("Choose two different versions."))
        return data
