from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.forms import TEXT_MAX, _textarea
from tverrnett.core.identity_numbers import RefusesIdentityNumbers


class OwnGoalForm(RefusesIdentityNumbers, forms.Form):
    text = forms.CharField(
        label=_("Your goal, in your own words"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Write your goal.")},
    )


class OwnCommentForm(RefusesIdentityNumbers, forms.Form):
    text = forms.CharField(
        label=_("Your comment on the plan"),
        help_text=_(
            "Your coordinator reads it. Write what you think works, or what you want changed."
        ),
        max_length=TEXT_MAX,
        widget=_textarea(4),
        error_messages={"required": _("Write your comment.")},
    )


class WithdrawalRequestForm(RefusesIdentityNumbers, forms.Form):
    message = forms.CharField(
        label=_("What you want to tell the coordinator (not required)"),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )
