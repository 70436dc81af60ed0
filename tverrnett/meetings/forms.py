"""Forms for forum meetings. Minutes and decisions use the case's own journal and task
forms (`cases.forms.JournalForm`, `TaskForm`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.core.identity_numbers import RefusesIdentityNumbers
from tverrnett.core.parsing import ModelMultipleChoiceField
from tverrnett.meetings.models import MeetingStatus

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=_DATETIME_FORMAT, **kwargs)


class MeetingForm(RefusesIdentityNumbers, forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=_DateTimeInput(),
        input_formats=[_DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        error_messages={
            "required": _("Give the date and time of the meeting."),
            "invalid": _("Enter a date and time, for example 2026-12-15 09:00."),
        },
    )
    place = forms.CharField(
        label=_("Place"),
        help_text=_("For example the address and room, or that the meeting is on video."),
        max_length=200,
        required=False,
    )


class MeetingEditForm(MeetingForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=MeetingStatus.choices, widget=forms.RadioSelect
    )
    attended = ModelMultipleChoiceField(
        label=_("Agencies that attended"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = agencies


class AgendaItemForm(RefusesIdentityNumbers, forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        help_text=_("For example 2026-00042. Only cases you may see can be added."),
        max_length=20,
        error_messages={"required": _("Give the case reference.")},
    )
    note = forms.CharField(
        label=_("Short label"),
        help_text=_(
            "Shown with the reference on the agenda and its print, to everyone who may see "
            "the case. No names: for example “Status after the school meeting”."
        ),
        max_length=120,
        required=False,
    )
