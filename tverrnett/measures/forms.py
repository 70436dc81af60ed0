"""Forms for measures. The rules hold in services.py whoever calls; these give the user
clear messages before the service is asked."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.forms import TEXT_MAX, VersionedForm, _date_input, _textarea
from tverrnett.core.validators import not_before_1900
from tverrnett.measures.models import ENDED_STATUSES, OPEN_STATUSES, MeasureStatus

_DATE_INVALID = _("Enter a date, for example 2026-12-15.")


class MeasureForm(forms.Form):
    measure_type = forms.ModelChoiceField(
        label=_("Type of measure"),
        queryset=None,
        empty_label=_("Choose a type"),
        error_messages={"required": _("Choose the type of measure.")},
    )
    goal = forms.CharField(
        label=_("Goal"),
        help_text=_("What the measure is to achieve, agreed with the person."),
        max_length=TEXT_MAX,
        widget=_textarea(),
        error_messages={"required": _("Describe the goal of the measure, agreed with the person.")},
    )
    responsible_agency = forms.ModelChoiceField(
        label=_("Responsible agency"),
        help_text=_("An agency on the case's team."),
        queryset=None,
        empty_label=_("Choose an agency"),
        error_messages={"required": _("Choose the agency responsible for the measure.")},
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    start_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Start"),
        widget=_date_input(),
        error_messages={
            "required": _("Give the date the measure starts."),
            "invalid": _DATE_INVALID,
        },
    )
    status = forms.ChoiceField(label=_("Status"))
    evaluation_on = forms.DateField(
        label=_("Evaluation date"),
        help_text=_("When the team looks at what came of the measure."),
        widget=_date_input(),
        error_messages={
            "required": _("Give the date the measure is to be evaluated."),
            "invalid": _DATE_INVALID,
        },
    )
    person_view = forms.CharField(
        label=_("The person's own view"),
        help_text=_("What the person thinks of the measure, in their own words."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )

    def __init__(self, *args, measure_types, agencies, current_status=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure_type"].queryset = measure_types
        self.fields["responsible_agency"].queryset = agencies
        # Completing or stopping is the evaluation's; an ended measure keeps its status.
        statuses = list(OPEN_STATUSES)
        if current_status in ENDED_STATUSES:
            statuses.append(MeasureStatus(current_status))
        self.fields["status"].choices = [(status.value, status.label) for status in statuses]

    def clean(self):
        cleaned = super().clean()
        start_on, evaluation_on = cleaned.get("start_on"), cleaned.get("evaluation_on")
        if start_on and evaluation_on and evaluation_on < start_on:
            self.add_error("evaluation_on", _("The evaluation date cannot be before the start."))
        return cleaned


class MeasureEditForm(MeasureForm, VersionedForm):
    """Carries the measure's version, so a stale save is refused (C5)."""


class EvaluationForm(VersionedForm):
    outcome = forms.CharField(
        label=_("Evaluation"),
        help_text=_("What came of the measure, and what the person thinks of it."),
        max_length=TEXT_MAX,
        widget=_textarea(6),
        error_messages={"required": _("Write what came of the measure.")},
    )
    status = forms.ChoiceField(
        label=_("The measure is"),
        choices=[
            (MeasureStatus.COMPLETED, _("Completed")),
            (MeasureStatus.STOPPED, _("Stopped")),
            (MeasureStatus.ONGOING, _("Going on, with a new evaluation date")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the measure is completed, stopped or goes on.")},
    )
    evaluation_on = forms.DateField(
        label=_("New evaluation date"),
        help_text=_("Only when the measure goes on."),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _DATE_INVALID},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == MeasureStatus.ONGOING and not cleaned.get("evaluation_on"):
            self.add_error(
                "evaluation_on", _("A measure that goes on needs a new evaluation date.")
            )
        return cleaned
