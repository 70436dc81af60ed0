import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tverrnett.logreview import rules, services

WAITING = "waiting"
REVIEWED = "reviewed"


class ReviewFilterForm(forms.Form):
    """The period, rule, status and order of the flagged list. Anything invalid falls
    back to the default, so a hand-edited URL never fails the page (the errors are shown)."""

    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Write a valid date, for example 01.11.2026.")},
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Write a valid date, for example 30.11.2026.")},
    )
    rule = forms.ChoiceField(
        label=_("Rule"),
        required=False,
        choices=[("", _("All rules")), *rules.RULES.items()],
        error_messages={"invalid_choice": _("Choose a rule from the list.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), (WAITING, _("Waiting for review")), (REVIEWED, _("Reviewed"))],
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("-time", _("Newest first")), ("time", _("Oldest first"))],
        error_messages={"invalid_choice": _("Choose an order from the list.")},
    )

    def clean(self):
        data = super().clean()
        default_first, default_last = services.default_period()
        first = data.get("start") or (
            data["end"] - datetime.timedelta(days=settings.LOG_REVIEW["DEFAULT_PERIOD_DAYS"] - 1)
            if data.get("end")
            else default_first
        )
        last = data.get("end") or default_last
        longest = settings.LOG_REVIEW["MAX_PERIOD_DAYS"]
        if first > last:
            raise forms.ValidationError(
                _("The period must start on or before its last day."), code="order"
            )
        if (last - first).days + 1 > longest:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)s days.") % {"days": longest},
                code="too_long",
            )
        data["first_day"], data["last_day"] = first, last
        return data

    def filters(self):
        """(first day, last day, rule, status, order), the defaults where invalid."""
        if self.is_valid():
            data = self.cleaned_data
            return (
                data["first_day"],
                data["last_day"],
                data.get("rule") or "",
                data.get("status") or "",
                data.get("sort") or "-time",
            )
        return (*services.default_period(), "", "", "-time")


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        help_text=_(
            "What you found, or why the access was in order. Do not write names or "
            "identity numbers: refer to the case reference."
        ),
        required=False,
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": _("Shorten the note to at most %(limit_value)s characters."),
        },
    )

    def __init__(self, *args, note_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["note"]
        field.required = note_required
        field.error_messages["required"] = _(
            "Write what you found, or why the access was in order, before you mark it as reviewed."
        )
