from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm, SetPasswordMixin
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tverrnett.accounts.forms import TotpCodeForm
from tverrnett.accounts.models import MembershipRole
from tverrnett.core.texts import PASSWORD_MAX
from tverrnett.useradmin.services import EndReason

ROLE_ERRORS = {"required": _("Choose a role."), "invalid_choice": _("Choose a role.")}

# Sort keys a user may choose on the member list, and the ordering each means. Users who
# never logged in come last when the newest logins come first, and first otherwise
# (PostgreSQL and SQLite place NULLs differently unless told).
MEMBER_SORTS = {
    "name": ("user__first_name", "user__last_name", "user__username"),
    "-name": ("-user__first_name", "-user__last_name", "-user__username"),
    "role": ("role", "user__first_name", "user__last_name"),
    "since": ("created_at",),
    "-since": ("-created_at",),
    "login": (F("user__last_login").desc(nulls_last=True),),
    "-login": (F("user__last_login").asc(nulls_first=True),),
}


class MemberFilterForm(forms.Form):
    """Search and sort an agency's members: the member list, and the special-category
    permissions page (which adds its own sort). Invalid input just means no filter."""

    sorts = MEMBER_SORTS

    q = forms.CharField(
        label=_("Search"),
        help_text=_("Name, username or e-mail"),
        required=False,
        max_length=100,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name, A–Z")),
            ("-name", _("Name, Z–A")),
            ("role", _("Role in the agency")),
            ("since", _("Active since, oldest first")),
            ("-since", _("Active since, newest first")),
            ("login", _("Last login, newest first")),
            ("-login", _("Last login, oldest first")),
        ],
    )

    def filters(self):
        """(search text, sort key)."""
        data = self.cleaned_data if self.is_valid() else {}
        return (data.get("q") or "").strip(), data.get("sort") or "name"

    def apply(self, memberships):
        """`memberships` narrowed to the search and in the chosen order."""
        query, sort = self.filters()
        if query:
            memberships = memberships.filter(
                Q(user__first_name__icontains=query)
                | Q(user__last_name__icontains=query)
                | Q(user__username__icontains=query)
                | Q(user__email__icontains=query)
            )
        return memberships.order_by(*self.sorts[sort], "pk")


class InvitationForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        error_messages={"required": _("Enter the first name.")},
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        error_messages={"required": _("Enter the last name.")},
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The invitation link is sent here. Use the person's work address."),
        max_length=254,
        error_messages={
            "required": _("Enter the e-mail address."),
            "invalid": _("Enter a valid e-mail address, like name@agency.no."),
        },
    )
    role = forms.ChoiceField(
        label=_("Role in the agency"), choices=MembershipRole.choices, error_messages=ROLE_ERRORS
    )
    language = forms.ChoiceField(
        label=_("Language"),
        help_text=_("The language of the e-mail, and of the person's pages until they change it."),
        choices=settings.LANGUAGES,
        error_messages={
            "required": _("Choose a language."),
            "invalid_choice": _("Choose a language."),
        },
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("New role in the agency"),
        choices=MembershipRole.choices,
        error_messages=ROLE_ERRORS,
    )


class EndMembershipForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why does the membership end?"),
        choices=EndReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose why the membership is ended."),
            "invalid_choice": _("Choose why the membership is ended."),
        },
    )


def _new_password_fields():
    """Django's two new-password fields, with the project's length limit (core.texts)."""
    return tuple(
        forms.CharField(
            label=field.label,
            strip=False,
            max_length=PASSWORD_MAX,
            widget=field.widget,
            help_text=field.help_text,
        )
        for field in SetPasswordMixin.create_password_fields(
            label1=_("New password"), label2=_("New password confirmation")
        )
    )


class AcceptInvitationForm(SetPasswordForm):
    """Choose a password (the project's validators) when accepting an invitation."""

    new_password1, new_password2 = _new_password_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(None, *args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = _("Choose a password.")
        self.fields["new_password2"].error_messages["required"] = _("Repeat the password.")

    def clean_new_password2(self):
        # SetPasswordForm validates against self.user, which does not exist yet; the
        # service validates against the user it creates.
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The two passwords differ."))
        return second


class OwnPasswordForm(PasswordChangeForm):
    old_password = forms.CharField(
        label=_("Old password"),
        strip=False,
        max_length=PASSWORD_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1, new_password2 = _new_password_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].error_messages["required"] = _("Enter your current password.")
        self.fields["new_password1"].error_messages["required"] = _("Choose a new password.")
        self.fields["new_password2"].error_messages["required"] = _("Repeat the new password.")


class ConfirmWithPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=PASSWORD_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is wrong."))
        return password


NewDeviceCodeForm = TotpCodeForm
