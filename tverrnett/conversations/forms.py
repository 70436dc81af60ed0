"""Forms for contact agreements and conversations. The rules live in services.py;
the conversation form asks the same rule (`services.check_conversation`) so every
message shows at once, on its field. No answer is ticked in advance."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.forms import _date_input, _textarea
from tverrnett.conversations import services
from tverrnett.conversations.models import Attendance, ContactChannel
from tverrnett.core.texts import TEXT_MAX
from tverrnett.core.validators import not_before_1900, refuse_past_if_changed

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=_DATETIME_FORMAT, **kwargs)


def _now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


_DATE_ERRORS = {
    "invalid": _("Enter a date, for example 2026-12-15."),
}
_DATETIME_ERRORS = {
    "required": _("Give the date and time of the conversation."),
    "invalid": _("Enter a date and a time, for example 2026-12-15 14:00."),
}


class _Versioned(forms.Form):
    """Carries the version the user read, so a stale save is refused (C5). Removed on
    forms that create."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["version"].required = True
        else:
            del self.fields["version"]


class ContactAgreementForm(_Versioned):
    agency = forms.ModelChoiceField(
        label=_("Agency that makes contact"),
        help_text=_("An agency on the follow-up team."),
        queryset=None,
        empty_label=_("Choose an agency"),
        error_messages={"required": _("Choose the agency that makes contact.")},
    )
    contact_name = forms.CharField(
        label=_("Who makes contact"),
        help_text=_("A name or a role, for example “the SLT coordinator”."),
        max_length=200,
        error_messages={"required": _("Say who makes contact.")},
    )
    channel = forms.ChoiceField(
        label=_("How"),
        choices=ContactChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how contact is made.")},
    )
    when = forms.CharField(
        label=_("When"),
        help_text=_("For example “Tuesdays after school” or “once a week”."),
        max_length=300,
        error_messages={"required": _("Say when contact is made.")},
    )
    next_contact_on = forms.DateField(
        label=_("Next contact (date)"),
        required=False,
        widget=_date_input(),
        error_messages=_DATE_ERRORS,
    )
    where = forms.CharField(label=_("Where"), max_length=300, required=False)
    not_to_contact = forms.CharField(
        label=_("Who must not contact the person, and why"),
        help_text=_(
            "For example an agency whose contact could warn a milieu or harm the dialogue."
        ),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )
    note = forms.CharField(
        label=_("Note"), max_length=TEXT_MAX, required=False, widget=_textarea(3)
    )
    agreed_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Agreed on"),
        widget=_date_input(),
        error_messages={"required": _("Give the date the contact was agreed."), **_DATE_ERRORS},
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agreed_on"].initial = timezone.localdate()

    def clean_next_contact_on(self):
        return refuse_past_if_changed(self, "next_contact_on")


class ConversationForm(_Versioned):
    """The conversation planner (L23). The guardians' and child welfare's fields are
    there only when the person is a child (`minor`)."""

    is_first = forms.BooleanField(label=_("This is the first conversation"), required=False)
    planned_at = forms.DateTimeField(
        label=_("Date and time"), widget=_DateTimeInput(), error_messages=_DATETIME_ERRORS
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        error_messages={"required": _("Say where the conversation takes place.")},
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Say what the conversation is for.")},
    )
    attendees = forms.CharField(
        label=_("Who attends"),
        help_text=_("One name or role per line. At least one."),
        max_length=TEXT_MAX,
        widget=_textarea(4),
        error_messages={
            "required": _(
                "List who attends the conversation: at least one name or role, one per line."
            )
        },
    )
    guardians_attend = forms.ChoiceField(
        label=_("Do the parents or guardians attend?"),
        choices=Attendance.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    guardians_reason = forms.CharField(
        label=_("Why the parents or guardians do not attend"),
        help_text=_("Required when they do not attend."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(2),
    )
    child_welfare_attends = forms.ChoiceField(
        label=_("Does child welfare attend?"),
        choices=Attendance.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    child_welfare_reason = forms.CharField(
        label=_("Why child welfare does not attend"),
        help_text=_("Required when child welfare does not attend."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(2),
    )
    trusted_person = forms.CharField(
        label=_("Another trusted person who attends"),
        help_text=_("For example a mentor, a teacher or someone from the person's own network."),
        max_length=300,
        required=False,
    )
    interpretation_needed = forms.BooleanField(label=_("Interpretation is needed"), required=False)
    interpreter_language = forms.CharField(
        label=_("Interpreter language"),
        help_text=_("Required when interpretation is needed."),
        max_length=100,
        required=False,
    )

    MINOR_FIELDS = (
        "guardians_attend",
        "guardians_reason",
        "child_welfare_attends",
        "child_welfare_reason",
    )

    def __init__(self, *args, case, minor, conversation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case, self.conversation = case, conversation
        # For a child the answers are required on the planned date: the service's rule
        # (check_conversation, called in clean) decides, so a person who turns 18
        # before the conversation is not asked.
        if not minor:
            for name in self.MINOR_FIELDS:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        fields = {name: data.get(name) for name in services.CONVERSATION_FIELDS}
        try:
            services.check_conversation(self.case, fields, conversation=self.conversation)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name not in self.fields:
                    self.add_error(None, messages)
                elif name not in self.errors:
                    self.add_error(name, messages)
        return data


class HeldForm(_Versioned):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=_DateTimeInput(),
        error_messages={
            "required": _("Give the date and time the conversation was held."),
            "invalid": _DATETIME_ERRORS["invalid"],
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, editing=True, **kwargs)
        self.fields["held_at"].initial = _now_to_the_minute()
