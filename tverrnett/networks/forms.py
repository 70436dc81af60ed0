from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tverrnett.agencies.models import Agency
from tverrnett.core.identity_numbers import RefusesIdentityNumbers
from tverrnett.core.parsing import ModelMultipleChoiceField
from tverrnett.core.texts import LONG_TEXT_MAX
from tverrnett.core.validators import validate_contact_phone
from tverrnett.geography.models import Municipality, PoliceDistrict
from tverrnett.networks.models import ForumAudience, Network, NetworkLevel, RoleKind
from tverrnett.networks.services import KEEP, child_levels

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


# Keeping a network up to date (N4) -------------------------------------------


class NetworkEditForm(RefusesIdentityNumbers, forms.Form):
    # The version of the record the user read (C5): a save after someone else's is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    mandate = forms.CharField(
        label=_("Mandate"),
        required=False,
        max_length=LONG_TEXT_MAX,
        help_text=_("What the network is for and what it decides."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    meeting_rhythm = forms.CharField(
        label=_("Meeting rhythm"),
        required=False,
        max_length=200,
        help_text=_("For example: first Tuesday of the month."),
    )


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by agency or person"), required=False, max_length=100)

    def query(self):
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""


class AddMemberForm(forms.Form):
    """Bring an active agency that is not yet a member into the network, optionally with
    a named person from that agency. The service checks the person works there."""

    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        empty_label=_("Choose an agency"),
        error_messages={
            "required": _("Choose the agency to add."),
            "invalid_choice": _("Choose one of the agencies in the list."),
        },
    )
    person = forms.ModelChoiceField(
        label=_("Named member (optional)"),
        help_text=_("The person who represents the agency in the network."),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("No named member"),
        error_messages={"invalid_choice": _("Choose one of the people in the list.")},
    )

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(is_active=True).exclude(network_members__network=network)
        self.fields["agency"].queryset = agencies.order_by("name")
        people = (
            get_user_model()
            .objects.filter(
                is_active=True,
                memberships__is_active=True,
                memberships__agency__in=agencies,
            )
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = _person_label


class RoleCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose a role")), *RoleKind.choices],
        error_messages={
            "required": _("Choose which role to create."),
            "invalid_choice": _("Choose one of the roles in the list."),
        },
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        help_text=_("One of the network's member agencies."),
        queryset=Agency.objects.none(),
        empty_label=_("Choose an agency"),
        error_messages={
            "required": _("Choose the agency that fills the role."),
            "invalid_choice": _("Choose one of the agencies in the list."),
        },
    )
    scope = forms.ChoiceField(
        label=_("Covers"),
        error_messages={
            "required": _("Choose what the role covers."),
            "invalid_choice": _("Choose one of the options in the list."),
        },
    )
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=30, validators=[validate_contact_phone]
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        error_messages={"invalid": _("Enter a valid e-mail address.")},
    )

    def __init__(self, *args, network, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = (
            Agency.objects.filter(network_members__network=network).distinct().order_by("name")
        )
        self._scopes = {_scope_key(scope): scope for scope in scopes}
        self.fields["scope"].choices = [
            ("", _("Choose what the role covers")),
            *((key, _scope_label(scope)) for key, scope in self._scopes.items()),
        ]

    def clean_scope(self):
        return self._scopes[self.cleaned_data["scope"]]


def _scope_key(scope):
    return f"{scope._meta.model_name}-{scope.pk}"


def _scope_label(scope):
    if isinstance(scope, Network):
        return _("The network: %(name)s") % {"name": scope.name}
    if isinstance(scope, PoliceDistrict):
        return _("Police district: %(name)s") % {"name": scope.display_name}
    return _("Municipality: %(name)s") % {"name": scope.name}


# Creating child networks and case forums --------------------------------------


class ChildNetworkForm(RefusesIdentityNumbers, forms.Form):
    """A new network below `parent`. The field names match the service's error keys."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Write the network's name.")},
    )
    level = forms.ChoiceField(
        label=_("Level"),
        help_text=_("A level below the parent network's."),
        error_messages={
            "required": _("Choose a level below the parent network's."),
            "invalid_choice": _("Choose a level below the parent network's."),
        },
    )
    municipalities = ModelMultipleChoiceField(
        label=_("Municipalities"),
        help_text=_(
            "For a municipal or intermunicipal network: the municipalities it covers. "
            "Hold Ctrl (Cmd on a Mac) to choose more than one."
        ),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        error_messages={"invalid_choice": _("Choose municipalities from the list.")},
    )
    mandate = NetworkEditForm.base_fields["mandate"]
    meeting_rhythm = NetworkEditForm.base_fields["meeting_rhythm"]

    def __init__(self, *args, parent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            ("", _("Choose a level")),
            *((level.value, level.label) for level in child_levels(parent)),
        ]
        self.fields["municipalities"].queryset = Municipality.objects.filter(
            valid_to__isnull=True
        ).order_by("name")


class ForumForm(RefusesIdentityNumbers, forms.Form):
    # The version of the forum the user read (C5); none for a new forum.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Write the forum's name.")},
    )
    audience = forms.ChoiceField(
        label=_("For"),
        choices=[("", _("Choose who the forum is for")), *ForumAudience.choices],
        error_messages={
            "required": _("Choose who the forum is for."),
            "invalid_choice": _("Choose one of the options in the list."),
        },
    )
    meeting_rhythm = NetworkEditForm.base_fields["meeting_rhythm"]
    agencies = ModelMultipleChoiceField(
        label=_("Fixed member agencies"),
        help_text=_("Chosen among the network's member agencies."),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose agencies that are members of the network.")},
    )

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = (
            Agency.objects.filter(network_members__network=network).distinct().order_by("name")
        )
