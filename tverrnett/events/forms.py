from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tverrnett.core.files import ALLOWED_EXTENSIONS_TEXT, ALLOWED_TYPES, check_upload
from tverrnett.core.identity_numbers import RefusesIdentityNumbers
from tverrnett.core.parsing import INT_MAX
from tverrnett.core.texts import limited_formfield
from tverrnett.events.models import Event
from tverrnett.networks.models import Network

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=_DATETIME_FORMAT, **kwargs)


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return limited_formfield(model_field, **kwargs)


class EventForm(RefusesIdentityNumbers, forms.ModelForm):
    # The version the user read (C5); none for a new event.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Event
        formfield_callback = _formfield
        fields = [
            "network",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "capacity",
        ]
        widgets = {
            "starts_at": _DateTimeInput(),
            "ends_at": _DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "place": _("For example the address and room. Give a place, a link or both."),
            "online_url": _("The link to the video meeting, starting with https://."),
            "capacity": _("Leave empty when there is no limit."),
        }
        error_messages = {
            "network": {
                "required": _("Choose the network the event is for."),
                "invalid_choice": _("Choose one of the networks in the list."),
            },
            "title": {"required": _("Give the event a title.")},
            "starts_at": {
                "required": _("Enter when the event starts."),
                "invalid": _("Enter a date and time, for example 14.05.2026 09:00."),
            },
            "ends_at": {
                "required": _("Enter when the event ends."),
                "invalid": _("Enter a date and time, for example 14.05.2026 15:00."),
            },
            "online_url": {"invalid": _("Enter a full link, starting with https://.")},
            "capacity": {
                "invalid": _("Enter the number of places as a whole number."),
                "min_value": _("The number of places cannot be negative."),
                "max_value": _("The number of places cannot be more than %(limit_value)s."),
            },
        }

    def __init__(self, *args, network_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["network"]
        field.queryset = Network.objects.filter(pk__in=network_ids).order_by("name")
        field.empty_label = _("Choose a network")
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [_DATETIME_FORMAT, "%d.%m.%Y %H:%M"]
        capacity = self.fields["capacity"]
        capacity.widget.attrs["min"] = 1
        # The column holds what every database's integer holds; beyond it the model's
        # own check would fail after the form had accepted the number.
        capacity.max_value = INT_MAX
        capacity.widget.attrs["max"] = INT_MAX
        capacity.validators.append(MaxValueValidator(INT_MAX))
        if self.instance.pk:
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version

    def clean_online_url(self):
        url = self.cleaned_data.get("online_url", "")
        if url and not url.lower().startswith("https://"):
            raise ValidationError(_("Enter a full link, starting with https://."))
        return url

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if capacity == 0:
            raise ValidationError(_("An event needs at least one place. Leave empty for no limit."))
        return capacity

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        if (
            not cleaned.get("place")
            and not cleaned.get("online_url")
            and "online_url" not in (self.errors)
        ):
            self.add_error("place", _("Give a place, a link to an online meeting, or both."))
        return cleaned

    def _post_clean(self):
        # The model's own checks run in the service; the form gives the friendly messages.
        pass

    def event_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class MaterialForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty. Choose another file."),
            "invalid": _("Choose a file to upload."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "%(allowed)s, at most %(limit)s. Unclassified material only."
        ) % {
            "allowed": ALLOWED_EXTENSIONS_TEXT,
            "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
        }
        self.fields["file"].widget.attrs["accept"] = ",".join(
            ext for file_type in ALLOWED_TYPES for ext in file_type.extensions
        )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        check_upload(uploaded)
        return uploaded


ATTENDANCE_CHOICES = [
    ("", _("Not marked")),
    ("yes", _("Attended")),
    ("no", _("Did not attend")),
]
_ATTENDANCE_VALUES = {"": None, "yes": True, "no": False}


class AttendanceForm(forms.Form):
    """One choice per registration, named attendance-<id>."""

    def __init__(self, *args, registrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.registrations = list(registrations)
        for registration in self.registrations:
            person = registration.user.get_full_name() or registration.user.get_username()
            self.fields[f"attendance-{registration.pk}"] = forms.ChoiceField(
                label=_("Attendance for %(person)s") % {"person": person},
                choices=ATTENDANCE_CHOICES,
                required=False,
                initial=(
                    ""
                    if registration.attended is None
                    else "yes"
                    if registration.attended
                    else "no"
                ),
            )

    def rows(self):
        return [
            (registration, self[f"attendance-{registration.pk}"])
            for registration in self.registrations
        ]

    def attendance(self):
        return {
            registration.pk: _ATTENDANCE_VALUES[self.cleaned_data[f"attendance-{registration.pk}"]]
            for registration in self.registrations
        }
