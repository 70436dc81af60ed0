from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.core.identity_numbers import RefusesIdentityNumbers
from tverrnett.geography.services import (
    AmbiguousMunicipality,
    MunicipalityNotFound,
    resolve_municipality,
)
from tverrnett.guidance.library import FIELDS as LIBRARY_FIELDS
from tverrnett.guidance.models import LibraryKind, LibraryLanguage, Recipient, Topic
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


class LibraryResourceForm(RefusesIdentityNumbers, forms.Form):
    """Add or change an entry of the resource library (RVTS only)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={
            "required": _("Give the resource a title."),
            "max_length": _("Keep the title under %(limit_value)d characters."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Choose a kind"))] + LibraryKind.choices,
        error_messages={
            "required": _("Choose the kind of resource."),
            "invalid_choice": _("Choose one of the kinds in the list."),
        },
    )
    description = forms.CharField(
        label=_("Description"),
        help_text=_("What the resource is about and who it is for."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": _("Keep the description under %(limit_value)d characters.")},
    )
    link = forms.URLField(
        label=_("Link"),
        help_text=_("Optional. A full address starting with https://."),
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": _("Enter a full link, starting with https://."),
            "max_length": _("Keep the link under %(limit_value)d characters."),
        },
    )
    topic = forms.ChoiceField(
        label=_("Topic"),
        required=False,
        choices=[("", _("No particular topic"))] + Topic.choices,
        error_messages={"invalid_choice": _("Choose one of the topics in the list.")},
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=LibraryLanguage.choices,
        initial=LibraryLanguage.NB,
        error_messages={
            "required": _("Choose the language of the resource."),
            "invalid_choice": _("Choose one of the languages in the list."),
        },
    )
    is_published = forms.BooleanField(
        label=_("Published (shown to everyone in the library)"), required=False, initial=True
    )
    # The version the user read (C5); none for a new entry.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(instance, name) for name in LIBRARY_FIELDS},
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["version"].required = True

    def clean_link(self):
        link = self.cleaned_data.get("link", "")
        if link and not link.lower().startswith("https://"):
            raise forms.ValidationError(_("The link must start with https://."))
        return link

    def resource_fields(self):
        return {name: self.cleaned_data[name] for name in LIBRARY_FIELDS}


class LibraryListForm(forms.Form):
    """Search, filter and sort on the library; bad input falls back to the defaults."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + LibraryKind.choices
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("", _("Title")), ("updated", _("Recently changed"))],
    )


class ConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
