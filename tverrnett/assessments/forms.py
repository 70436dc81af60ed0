"""Forms for assessments. The rules hold in services.py whoever calls; these give the user
clear messages before the service is asked. The rating form is built from the
instrument's own definition: one radio group per item, with a note and, for
"unknown", the reason."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.forms import TEXT_MAX, ItemClassForm, VersionedForm, _date_input, _textarea
from tverrnett.core.validators import not_before_1900, refuse_past_if_changed

_DATE_INVALID = _("Enter a date, for example 2026-12-15.")


class StartForm(forms.Form):
    instrument = forms.ModelChoiceField(
        label=_("Instrument"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the instrument.")},
    )
    assessed_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Date of the assessment"),
        widget=_date_input(),
        error_messages={
            "required": _("Give the date of the assessment."),
            "invalid": _DATE_INVALID,
        },
    )

    def __init__(self, *args, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments
        self.fields["instrument"].label_from_instance = lambda instrument: (
            f"{instrument.name} ({instrument.version}, {instrument.owner})"
        )

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of the assessment cannot be in the future."))
        return day


class RatingForm(VersionedForm):
    """The draft: every item's rating, note and reason for "unknown"; the summary, the
    recommended measures and the dates. `domains`: `services.rated_domains(assessment)`.
    The rules across fields ("unknown" needs a reason, the review after the assessment)
    are the service's; its errors land on these fields by name."""

    assessed_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Date of the assessment"),
        widget=_date_input(),
        error_messages={
            "required": _("Give the date of the assessment."),
            "invalid": _DATE_INVALID,
        },
    )
    summary = forms.CharField(
        label=_("Your summary judgement"),
        help_text=_(
            "Your own professional judgement of the person's situation, needs and motivation, "
            "in words. The ratings support it; they do not replace it."
        ),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(6),
    )
    recommended_measures = forms.CharField(
        label=_("Recommended measures"),
        help_text=_("What you recommend doing, and for which needs."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(4),
    )
    review_on = forms.DateField(
        label=_("Review date"),
        help_text=_("When the assessment is to be made again."),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _DATE_INVALID},
    )

    def __init__(self, *args, domains, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = domains
        for domain in domains:
            for item in domain["items"]:
                code = item["code"]
                rating = item["rating"]
                self.fields[f"{code}-value"] = forms.ChoiceField(
                    label=item["question"],
                    help_text=item["guidance"],
                    choices=domain["options"],
                    required=False,
                    widget=forms.RadioSelect,
                    initial=rating.value if rating else "",
                )
                self.fields[f"{code}-note"] = forms.CharField(
                    label=_("Note"),
                    max_length=TEXT_MAX,
                    required=False,
                    widget=_textarea(2),
                    initial=rating.note if rating else "",
                )
                self.fields[f"{code}-unknown_reason"] = forms.CharField(
                    label=_("If unknown: why, and how it can be found out"),
                    max_length=TEXT_MAX,
                    required=False,
                    widget=_textarea(2),
                    initial=rating.unknown_reason if rating else "",
                )

    def clean_review_on(self):
        return refuse_past_if_changed(self, "review_on")

    def sections(self):
        """The bound fields by domain and item, for the template."""
        return [
            {
                "domain": domain,
                "items": [
                    {
                        "item": item,
                        "value": self[f"{item['code']}-value"],
                        "note": self[f"{item['code']}-note"],
                        "unknown_reason": self[f"{item['code']}-unknown_reason"],
                    }
                    for item in domain["items"]
                ],
            }
            for domain in self.domains
        ]

    def ratings(self):
        """{item code: {"value", "note", "unknown_reason"}} for the service."""
        return {
            item["code"]: {
                name: self.cleaned_data.get(f"{item['code']}-{name}") or ""
                for name in ("value", "note", "unknown_reason")
            }
            for domain in self.domains
            for item in domain["items"]
        }


class SignForm(ItemClassForm, VersionedForm):
    """Signing: how the assessment's information item is classed, as a journal entry is."""


class ProposeMeasureForm(forms.Form):
    """Which items the measure is for; the measure itself is `measures.forms.MeasureForm`."""

    items = forms.MultipleChoiceField(
        label=_("The items the measure is for"),
        help_text=_(
            "The items you judge most important. The whole team sees the measure and "
            "these items' questions."
        ),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose the items the measure is for, from this assessment.")
        },
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = items


class CertificationForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"),
        queryset=None,
        empty_label=_("Choose a user"),
        error_messages={"required": _("Choose the user.")},
    )
    instrument_code = forms.ChoiceField(
        label=_("Instrument"), error_messages={"required": _("Choose a published instrument.")}
    )
    issued_by = forms.CharField(
        label=_("Issued by"),
        help_text=_("Who trained and certified the rater, e.g. RVTS Øst."),
        max_length=200,
        error_messages={"required": _("Say who issued the certification.")},
    )
    reference = forms.CharField(label=_("Certificate reference"), max_length=100, required=False)
    certified_on = forms.DateField(
        validators=[not_before_1900],
        label=_("Certified on"),
        widget=_date_input(),
        error_messages={
            "required": _("Give the date of the certification."),
            "invalid": _DATE_INVALID,
        },
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        help_text=_("Leave empty if it does not expire."),
        required=False,
        widget=_date_input(),
        error_messages={"invalid": _DATE_INVALID},
    )

    def __init__(self, *args, users, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda user: user.get_full_name() or user.username
        self.fields["instrument_code"].choices = [("", _("Choose an instrument"))] + [
            (instrument.code, instrument.name) for instrument in instruments
        ]
