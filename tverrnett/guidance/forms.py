from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.geography.services import (
    AmbiguousMunicipality,
    MunicipalityNotFound,
    resolve_municipality,
)
from tverrnett.guidance.models import Recipient, Topic
from tverrnett.guidance.services import contains_identity_number, identity_number_message

QUESTION_MAX_LENGTH = 4000


class GuidanceRequestForm(forms.Form):
    """No field asks about the person concerned: name, birth date and address have no place."""

    municipality = forms.CharField(
        label=_("Municipality"),
        help_text=_(
            "Municipality number or name, for example 3301 or Drammen. It decides which "
            "RVTS receives the request."
        ),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Enter a municipality number or name.")},
    )
    recipient = forms.ChoiceField(
        label=_("Send to"),
        choices=Recipient.choices,
        initial=Recipient.RVTS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who should receive the request.")},
    )
    topic = forms.ChoiceField(
        label=_("Topic"),
        choices=[("", _("Choose a topic"))] + Topic.choices,
        error_messages={"required": _("Choose a topic.")},
    )
    question = forms.CharField(
        label=_("Your question"),
        help_text=_(
            "Describe the situation in general terms. Do not write names, birth dates, "
            "national identity numbers, addresses or anything else that identifies the person."
        ),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write your question."),
            "max_length": _("Keep the question under %(limit_value)d characters."),
        },
    )

    def clean_municipality(self):
        try:
            return resolve_municipality(self.cleaned_data["municipality"])
        except (MunicipalityNotFound, AmbiguousMunicipality) as error:
            raise forms.ValidationError(str(error)) from error

    def clean_question(self):
        question = self.cleaned_data["question"]
        if contains_identity_number(question):
            raise forms.ValidationError(identity_number_message())
        return question


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        help_text=_("The sender's agency sees the answer. Do not identify anyone."),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write your answer."),
            "max_length": _("Keep the answer under %(limit_value)d characters."),
        },
    )

    def clean_answer(self):
        answer = self.cleaned_data["answer"]
        if contains_identity_number(answer):
            raise forms.ValidationError(identity_number_message())
        return answer


class ListForm(forms.Form):
    """Search and sorting on the request lists; bad input falls back to the defaults."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Open first")),
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
        ],
    )
