from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tverrnett.networks.models import NetworkLevel
from tverrnett.networks.services import KEEP

# Sort keys a user may choose on the network list, and the ordering each means.
NETWORK_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "level": ("level_rank", "name"),
    "-level": ("-level_rank", "name"),
}


class NetworkFilterForm(forms.Form):
    """Search, filter and sort on the network list. Invalid input just means no filter."""

    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("All levels")), *NetworkLevel.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name, A–Z")),
            ("-name", _("Name, Z–A")),
            ("level", _("Level, national first")),
            ("-level", _("Level, municipal first")),
        ],
    )

    def filters(self):
        """(search text, level, sort key), falling back to no filter for invalid input."""
        data = self.cleaned_data if self.is_valid() else {}
        return (
            (data.get("q") or "").strip(),
            data.get("level") or "",
            data.get("sort") or "name",
        )


def _person_label(user):
    return user.get_full_name() or user.get_username()


def handover_candidates(role):
    """Active people with an active membership in the role's agency: who may take the role."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__agency_id=role.agency_id,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


NO_DEPUTY = "none"
KEEP_DEPUTY = "keep"


class HandOverRoleForm(forms.Form):
    """Hand a role to a new holder, and optionally a new deputy.

    The field names match the keys of the ValidationError `hand_over_role`
    raises, so its messages land on the right field.
    """

    new_holder = forms.ChoiceField(
        label=_("New holder"),
        error_messages={
            "required": _("Choose who takes over the role."),
            "invalid_choice": _("Choose one of the people in the list."),
        },
    )
    new_deputy = forms.ChoiceField(
        label=_("Deputy"),
        error_messages={"invalid_choice": _("Choose one of the people in the list.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("For example: new job, leave, reorganisation. Shown in the role's history."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write why the role is handed over.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, role, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self._people = {str(person.pk): person for person in candidates}
        people = [(pk, _person_label(person)) for pk, person in self._people.items()]
        self.fields["new_holder"].choices = [("", _("Choose a person")), *people]
        if role.deputy_id:
            keep = _("Keep the current deputy (%(name)s)") % {"name": _person_label(role.deputy)}
        else:
            keep = _("Keep: no deputy")
        self.fields["new_deputy"].choices = [
            (KEEP_DEPUTY, keep),
            (NO_DEPUTY, _("No deputy")),
            *people,
        ]
        self.fields["new_deputy"].initial = KEEP_DEPUTY
        self.fields["version"].initial = role.version

    def clean_new_holder(self):
        return self._people[self.cleaned_data["new_holder"]]

    def clean_new_deputy(self):
        choice = self.cleaned_data["new_deputy"]
        if choice == KEEP_DEPUTY:
            return KEEP
        if choice == NO_DEPUTY:
            return None
        return self._people[choice]
