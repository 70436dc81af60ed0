from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.forms import TEXT_MAX, _textarea
from tverrnett.notices.models import Urgency

CONTENT_HELP = _(
    "Exactly what the recipient needs, and nothing more. Without a legal basis, write "
    "nothing that identifies the person."
)


class _ContentForm(forms.Form):
    content = forms.CharField(
        label=_("Content"),
        help_text=CONTENT_HELP,
        max_length=TEXT_MAX,
        widget=_textarea(6),
        error_messages={"required": _("Write what the recipient needs to know, and nothing more.")},
    )
    legal_basis = forms.ModelChoiceField(
        label=_("Legal basis for giving the information"),
        help_text=_("The bases your agency may use and the recipient may receive under."),
        queryset=None,
        required=False,
        empty_label=_("No personal information is given"),
    )

    def __init__(self, *args, bases, **kwargs):
        super().__init__(*args, **kwargs)
        from tverrnett.consent.models import LegalBasis

        self.fields["legal_basis"].queryset = LegalBasis.objects.filter(
            pk__in=[basis.pk for basis in bases]
        )


class StartForm(_ContentForm):
    template = forms.ChoiceField(
        label=_("What the notice is about"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the notice is about.")},
    )
    municipality = forms.CharField(
        label=_("Municipality"),
        help_text=_("The municipality the person lives in or returns to: name or number."),
        max_length=100,
        error_messages={"required": _("Give the municipality.")},
    )
    subject = forms.CharField(
        label=_("Subject"),
        help_text=_("Shown in the inbox. Name no one."),
        max_length=200,
        error_messages={"required": _("Give the notice a subject that names no one.")},
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    field_order = ["template", "municipality", "subject", "urgency", "content", "legal_basis"]

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.code, t.name) for t in templates]


class ForwardForm(_ContentForm):
    pass


class DecisionForm(_ContentForm):
    special_follow_up = forms.TypedChoiceField(
        label=_("The municipality's decision"),
        choices=[
            ("yes", _("Special follow-up is started")),
            ("no", _("No special follow-up")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the municipality starts special follow-up.")},
    )
    note = forms.CharField(
        label=_("About the decision"),
        help_text=_("Kept with the chain, for the municipality and the police."),
        max_length=TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )
    field_order = ["special_follow_up", "note", "content", "legal_basis"]


class LinkCaseForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        help_text=_("For example 2026-00004."),
        max_length=20,
        error_messages={"required": _("Give the case reference.")},
    )
