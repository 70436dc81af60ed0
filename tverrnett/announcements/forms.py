from django import forms
from django.utils.translation import gettext_lazy as _

from tverrnett.announcements.models import AnnouncementKind
from tverrnett.core.identity_numbers import RefusesIdentityNumbers
from tverrnett.core.texts import LONG_TEXT_MAX
from tverrnett.networks.models import Network


class AnnouncementSearchForm(forms.Form):
    SHOW_UNREAD = "ulest"
    SHOW_ALL = "alle"

    q = forms.CharField(label=_("Search in titles"), required=False, max_length=200)
    vis = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(SHOW_ALL, _("All")), (SHOW_UNREAD, _("Unread only"))],
    )


class AnnouncementForm(RefusesIdentityNumbers, forms.Form):
    network = forms.ModelChoiceField(
        label=_("Network"),
        help_text=_(
            "The announcement reaches the members of this network and of every network below it."
        ),
        queryset=Network.objects.filter(is_active=True),
        empty_label=_("Choose a network"),
        error_messages={
            "required": _("Choose the network to post in."),
            "invalid_choice": _("Choose one of the networks in the list."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=AnnouncementKind.choices,
        initial=AnnouncementKind.ANNOUNCEMENT,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether this is an announcement or a decision.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={
            "required": _("Write a title."),
            "max_length": _("The title can be at most %(limit_value)d characters long."),
        },
    )
    body = forms.CharField(
        label=_("Text"),
        help_text=_("Plain text. Leave an empty line between paragraphs."),
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        error_messages={
            "required": _("Write the text of the announcement."),
            "max_length": _("The text can be at most %(limit_value)d characters long."),
        },
    )

    def __init__(self, *args, postable_networks, **kwargs):
        super().__init__(*args, **kwargs)
        # The list offers only the networks the user may post in. Validation accepts
        # any active network, so that posting elsewhere reaches the service's
        # permission check and is refused with 403, in one place.
        field = self.fields["network"]
        field.choices = [("", field.empty_label)] + [
            (network.pk, network.name) for network in postable_networks
        ]
