from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.agencies.directory import Need
from tverrnett.agencies.models import AgencyType
from tverrnett.geography.services import (
    AmbiguousMunicipality,
    MunicipalityNotFound,
    resolve_municipality,
)

# Sort keys a user may choose on the agency list, and the ordering each means.
AGENCY_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "type": ("agency_type", "name"),
    "municipality": ("municipality__name", "name"),
}


class AgencyFilterForm(forms.Form):
    """Search, filter and sort on the agency list. Invalid input just means no filter."""

    q = forms.CharField(
        label=_("Search"),
        help_text=_("Name, municipality or type"),
        required=False,
        max_length=100,
    )
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *AgencyType.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name, A–Z")),
            ("-name", _("Name, Z–A")),
            ("type", _("Type")),
            ("municipality", _("Municipality")),
        ],
    )

    def filters(self):
        """(search text, type, sort key), falling back to no filter for invalid input."""
        data = self.cleaned_data if self.is_valid() else {}
        return (
            (data.get("q") or "").strip(),
            data.get("type") or "",
            data.get("sort") or "name",
        )


class ContactLookupForm(forms.Form):
    """Who should I contact about <need> in <municipality>? A GET form: a
    municipality name is not personal data."""

    municipality = forms.CharField(
        label=_("Municipality"),
        help_text=_("Name or four-digit number, for example Drammen or 3301."),
        max_length=100,
        error_messages={"required": _("Write the name or number of a municipality.")},
    )
    need = forms.ChoiceField(
        label=_("What is it about? (optional)"),
        required=False,
        choices=[("", _("Show every contact")), *Need.choices],
        error_messages={"invalid_choice": _("Choose one of the needs in the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Municipalities the input could mean, offered as links when it fits several.
        self.candidates = []

    def clean_municipality(self):
        text = self.cleaned_data["municipality"]
        try:
            return resolve_municipality(text)
        except AmbiguousMunicipality as error:
            self.candidates = error.candidates
            raise forms.ValidationError(str(error), code="ambiguous") from None
        except MunicipalityNotFound as error:
            raise forms.ValidationError(str(error), code="not_found") from None
