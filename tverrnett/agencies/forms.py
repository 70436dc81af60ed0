from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from tverrnett.agencies.directory import Need
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.core.texts import limited_formfield
from tverrnett.core.validators import validate_contact_phone
from tverrnett.geography.services import (
    AmbiguousMunicipality,
    MunicipalityNotFound,
    resolve_municipality,
)
from tverrnett.useradmin.forms import MEMBER_SORTS, MemberFilterForm

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
        # The browser suggests names while typing, from the page's datalist.
        self.fields["municipality"].widget.attrs.update(
            list="municipality-names", autocomplete="off"
        )

    def clean_municipality(self):
        text = self.cleaned_data["municipality"]
        try:
            # A misspelt name is asked about, not silently taken for another one.
            return resolve_municipality(text, ask_when_unsure=True)
        except AmbiguousMunicipality as error:
            self.candidates = error.candidates
            raise forms.ValidationError(str(error), code="ambiguous") from None
        except MunicipalityNotFound as error:
            raise forms.ValidationError(str(error), code="not_found") from None


# Managing an agency: its directory entry ----------------------


class DirectoryEntryForm(forms.ModelForm):
    """What an agency says about itself in the directory."""

    website = forms.URLField(
        label=_("Web address"),
        help_text=_("For example https://www.drammen.kommune.no"),
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={
            "invalid": _("Write a valid web address, for example https://www.etat.no.")
        },
    )

    # The version of the record the user read (C5): a save after someone else's is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Agency
        formfield_callback = limited_formfield
        fields = ["mandate", "working_methods", "phone", "email", "website"]
        labels = {
            "mandate": _("Mandate"),
            "working_methods": _("How we work and what we can help with"),
            "phone": _("Phone"),
            "email": _("E-mail"),
        }
        help_texts = {
            "mandate": _("What the agency is responsible for."),
            "working_methods": _("How you work, and what other agencies can ask you for."),
            "phone": _("The agency's switchboard or duty number, for example 32 04 00 00."),
            "email": _("A shared address, not a person's own."),
        }
        error_messages = {
            "email": {"invalid": _("Write a valid e-mail address, for example post@etat.no.")},
            "phone": {"max_length": _("The phone number can have at most 30 characters.")},
        }
        widgets = {
            "mandate": forms.Textarea(attrs={"rows": 5}),
            "working_methods": forms.Textarea(attrs={"rows": 5}),
        }

    def clean_phone(self):
        phone = " ".join(self.cleaned_data["phone"].split())
        validate_contact_phone(phone)
        return phone

    def clean_website(self):
        website = self.cleaned_data["website"]
        if website and not website.startswith("https://"):
            raise forms.ValidationError(
                _("The web address must start with https://."), code="insecure"
            )
        return website


# Special-category permissions (L34): the member list's search and sorts, and a sort by
# the permission's end date.
class SpecialCategoryFilterForm(MemberFilterForm):
    sorts = {
        **MEMBER_SORTS,
        "ends": (
            F("permission_ends").asc(nulls_last=True),
            "user__first_name",
            "user__last_name",
        ),
    }

    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name, A–Z")),
            ("-name", _("Name, Z–A")),
            ("role", _("Role in the agency")),
            ("ends", _("Permission ends, soonest first")),
        ],
    )


class GrantSpecialCategoriesForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Last day of the permission"),
        help_text=_("At most one year ahead. Grant it again when it runs out if still needed."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the last day the permission lasts."),
            "invalid": _("Write a valid date, for example 31.12.2026."),
        },
    )
    reason = forms.CharField(
        label=_("Why does the user need it?"),
        help_text=_("For example the cases or the kind of work. Do not write about a person."),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": None}),
        error_messages={
            "required": _("Say why the user needs to read such information."),
            "max_length": _("Keep the reason under %(limit_value)d characters."),
        },
    )
