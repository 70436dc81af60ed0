from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tverrnett.cases.forms import ItemClassForm, JournalForm
from tverrnett.cases.models import SPECIAL_CATEGORY_FIELDS
from tverrnett.core.files import ALLOWED_EXTENSIONS_TEXT, ALLOWED_TYPES, check_upload
from tverrnett.documents.models import NOTE_MAX, TITLE_MAX


def _textarea(rows):
    widget = forms.Textarea(attrs={"rows": rows})
    widget.attrs.pop("cols", None)  # the width comes from the CSS
    return widget


class VersionForm(ItemClassForm):
    """A file and how its information item is classed, as a journal entry is: the
    confidentiality, the category, the GDPR tags (L34) and, for police agencies, whether
    it is verified (L08). The file is checked here for the error summary and again by
    the service."""

    file = forms.FileField(
        label=_("File"),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty. Choose another file."),
            "invalid": _("Choose a file to upload."),
        },
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("Written in the journal with the document, for whoever may read it."),
        max_length=NOTE_MAX,
        required=False,
        widget=_textarea(3),
    )
    category = JournalForm.base_fields["category"]
    field_order = [
        "file",
        "note",
        "confidentiality",
        "category",
        *SPECIAL_CATEGORY_FIELDS,
        "police_verification",
    ]

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

    def item_fields(self):
        """The service's keyword arguments besides the file."""
        return {
            "note": self.cleaned_data["note"],
            "confidentiality": self.cleaned_data["confidentiality"],
            "category": self.cleaned_data["category"],
            **self.tags(),
        }


class DocumentForm(VersionForm):
    title = forms.CharField(
        label=_("Title"),
        help_text=_("Everyone who may see the document sees the title."),
        max_length=TITLE_MAX,
        error_messages={"required": _("Give the document a title.")},
    )
    field_order = ["title", *VersionForm.field_order]
