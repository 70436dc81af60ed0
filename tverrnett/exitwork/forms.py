"""Forms for exit work. The rules live in services.py; these give clear messages first."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.forms import TEXT_MAX, JournalForm, VersionedForm, _date_input, _textarea
from tverrnett.cases.models import StepStatus
from tverrnett.consent.models import Confirmation
from tverrnett.core.validators import not_before_1900, not_in_the_past
from tverrnett.exitwork.background import TOPICS
from tverrnett.exitwork.services import SHAREABLE_CONTEXT


class StartForm(forms.Form):
    is_returnee = forms.BooleanField(
        label=_("The person is a returning foreign fighter or another returnee"),
        help_text=_("A returnee's exit case can have linked child cases owned by child welfare."),
        required=False,
    )


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=StepStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the step's status.")},
    )
    note = forms.CharField(
        label=_("Note"), max_length=TEXT_MAX, required=False, widget=_textarea(4)
    )
    not_relevant_reason = forms.CharField(
        label=_("Why the step is not relevant"),
        help_text=_("Needed when the step is marked not relevant."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("status") == StepStatus.NOT_RELEVANT
            and not data.get("not_relevant_reason", "").strip()
        ):
            self.add_error(
                "not_relevant_reason", _("Say why the step is not relevant for this case.")
            )
        return data


class BackgroundForm(JournalForm):
    """A background or motivation entry: the topic's factor, then an information item."""

    factor = forms.ChoiceField(
        label=_("Factor"),
        choices=(),
        error_messages={"required": _("Choose the factor the entry is about.")},
    )

    # The factor first; the rest as on a journal entry.
    field_order = ["factor", *JournalForm.field_order]

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic = topic
        self.fields["text"].label = _("Describe it")
        self.fields["text"].error_messages["required"] = _("Describe it in your own words.")
        if topic.factors:
            self.fields["factor"].choices = [("", _("Choose a factor")), *topic.factors]
        else:
            del self.fields["factor"]
        self.fields["category"].initial = topic.category


class TopicChoiceForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("Part of the background"),
        choices=[(topic.code, topic.title) for topic in TOPICS],
    )


class CompareForm(forms.Form):
    day_from = forms.DateField(
        label=_("From"),
        widget=_date_input(),
        error_messages={"required": _("Give the first date."), "invalid": _("Give a valid date.")},
    )
    day_to = forms.DateField(
        label=_("To"),
        widget=_date_input(),
        error_messages={"required": _("Give the second date."), "invalid": _("Give a valid date.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("day_from") and data.get("day_to") and data["day_from"] > data["day_to"]:
            self.add_error("day_to", _("The second date must be on or after the first."))
        return data


class AskRvtsForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        help_text=_("Do not name the person. RVTS can advise without knowing who it is."),
        max_length=TEXT_MAX,
        widget=_textarea(6),
        error_messages={"required": _("Write your question.")},
    )
    context = forms.MultipleChoiceField(
        label=_("Send with the question"),
        help_text=_("Only what you tick goes with it. Nothing is ticked in advance."),
        choices=[(code, _(label)) for code, label in SHAREABLE_CONTEXT],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class ChildCaseForm(forms.Form):
    name = forms.CharField(
        label=_("The child's name"),
        max_length=200,
        error_messages={"required": _("Give the child's name.")},
    )
    birth_date = forms.DateField(
        validators=[not_before_1900],
        label=_("The child's birth date"),
        widget=_date_input(),
        error_messages={
            "required": _("Give the child's birth date."),
            "invalid": _("Give a valid date."),
        },
    )
    observation = forms.CharField(
        label=_("What child welfare needs to know"),
        help_text=_("Child welfare owns the child's case; the returnee's team will not see it."),
        max_length=TEXT_MAX,
        widget=_textarea(5),
        error_messages={"required": _("Say what child welfare needs to know.")},
    )
    legal_basis = forms.ModelChoiceField(
        label=_("Legal basis for telling child welfare"),
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the legal basis for telling child welfare about the child.")
        },
    )
    necessity_note = forms.CharField(
        label=_("Why child welfare must be told"),
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

    def __init__(self, *args, bases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].queryset = bases
        self.fields["legal_basis"].label_from_instance = lambda basis: (
            f"{basis.law} {basis.section}: {basis.title}"
        )


class CloseForm(VersionedForm):
    checklist_evaluation = forms.CharField(
        label=_("Evaluation of the checklist"),
        help_text=_("How the planning and mapping worked, step by step."),
        max_length=TEXT_MAX,
        widget=_textarea(5),
        error_messages={"required": _("Write the evaluation of the checklist.")},
    )
    evaluation = forms.CharField(
        label=_("Evaluation of the case"),
        max_length=TEXT_MAX,
        widget=_textarea(5),
        error_messages={"required": _("Write an evaluation before closing the case.")},
    )
    review_on = forms.DateField(
        validators=[not_in_the_past],
        label=_("Review date"),
        help_text=_("When the case's data is reviewed for deletion or anonymisation."),
        widget=_date_input(),
        error_messages={
            "required": _("Set a review date before closing the case."),
            "invalid": _("Give a valid date."),
        },
    )


class FollowUpReviewForm(forms.Form):
    outcome = forms.CharField(
        label=_("How is the person doing?"),
        max_length=TEXT_MAX,
        widget=_textarea(6),
        error_messages={"required": _("Write how the person is doing.")},
    )
