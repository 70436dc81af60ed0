from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.core.texts import PASSWORD_MAX


class PasswordLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": _("Enter your username.")},
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )


class TotpCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from the authenticator app"),
        help_text=_("Six digits. A new code appears every 30 seconds."),
        regex=r"^\d{6}$",
        max_length=6,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"\d{6}",
            }
        ),
        error_messages={
            "required": _("Enter the six-digit code from your authenticator app."),
            "invalid": _("The code has exactly six digits."),
        },
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "")
