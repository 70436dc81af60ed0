from django import forms
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from tverrnett.core.identity_numbers import RefusesIdentityNumbers
from tverrnett.core.texts import TEXT_MAX
from tverrnett.records.models import ArchivePackage

DUE_FIRST = "due"
DUE_LAST = "-due"
REFERENCE = "reference"
# A case's reference is its year and id ("2026-00042").
SORTS = {
    DUE_FIRST: ("due_on", "id"),
    DUE_LAST: ("-due_on", "-id"),
    REFERENCE: (ExtractYear("case__created_at"), "case_id"),
}


class SearchForm(forms.Form):
    """Search by case reference. Anything invalid is ignored, so a hand-edited URL never
    fails the page."""

    q = forms.CharField(
        label=_("Case reference"),
        help_text=_("For example 2026-00042, or 42."),
        required=False,
        max_length=40,
    )

    def query(self):
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


class DueListForm(SearchForm):
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            (DUE_FIRST, _("Due date, earliest first")),
            (DUE_LAST, _("Due date, latest first")),
            (REFERENCE, _("Case reference")),
        ],
        error_messages={"invalid_choice": _("Choose an order from the list.")},
    )

    def ordering(self):
        sort = self.cleaned_data.get("sort") if self.is_valid() else None
        return SORTS[sort or DUE_FIRST]


class HoldForm(RefusesIdentityNumbers, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=TEXT_MAX,
        help_text=_(
            "Why the case must not be deleted now: a lawsuit, an inspection, a request for "
            "access under way. Do not write names: refer to the case reference."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the case is held.")},
    )


class LiftHoldForm(RefusesIdentityNumbers, forms.Form):
    reason = forms.CharField(
        label=_("Why the hold is lifted"),
        max_length=TEXT_MAX,
        help_text=_("Do not write names: refer to the case reference."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the hold is lifted.")},
    )


class ReceiptForm(forms.Form):
    reference = forms.CharField(
        label=_("The archive's receipt reference"),
        max_length=ArchivePackage._meta.get_field("receipt_reference").max_length,
        error_messages={
            "required": _("Write the archive's receipt reference."),
            "max_length": _("Shorten the reference to at most %(limit_value)s characters."),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
