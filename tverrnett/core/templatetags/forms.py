"""Template tags that render Django form widgets the Designsystemet way.

Django renders each widget's own <input>, <select> or <textarea>; these tags
add what Designsystemet and assistive technology need on top: the ``ds-input``
class, ``aria-describedby`` pointing at the help text and the error message,
and ``aria-invalid`` when the field has errors. The ids match the ones
``includes/field.html`` gives the help text and the error message, and the
ones Django itself uses (``<auto_id>_helptext`` and ``<auto_id>_error``).
"""

from django import template
from django.forms.utils import flatatt
from django.utils.html import format_html

register = template.Library()


def help_id(field):
    return f"{field.auto_id}_helptext" if field.auto_id else ""


def error_id(field):
    return f"{field.auto_id}_error" if field.auto_id else ""


def _describedby(field, existing=""):
    ids = existing.split() if existing else []
    if field.auto_id and not field.is_hidden:
        if field.help_text:
            ids.append(help_id(field))
        if field.errors:
            ids.append(error_id(field))
    # Keep the order, drop repeats.
    return " ".join(dict.fromkeys(ids))


def _with_class(existing, extra):
    classes = (existing or "").split()
    for name in extra.split():
        if name not in classes:
            classes.append(name)
    return " ".join(classes)


@register.filter
def field_help_id(field):
    """The id the help text of ``field`` carries."""
    return help_id(field)


@register.filter
def field_error_id(field):
    """The id the error message of ``field`` carries."""
    return error_id(field)


@register.filter
def field_describedby(field):
    """The ``aria-describedby`` value for ``field`` (help text and error ids)."""
    return _describedby(field)


@register.simple_tag
def ds_widget(field, css_class="ds-input", **attrs):
    """Render the widget of a BoundField with Designsystemet attributes.

    ``{% ds_widget field %}``; extra HTML attributes may be given as keyword
    arguments, with underscores for hyphens: ``{% ds_widget field data_width="auto" %}``.
    """
    widget = field.field.widget
    extra = {key.replace("_", "-"): value for key, value in attrs.items()}
    if field.is_hidden:
        return field.as_widget(attrs=extra)
    extra["class"] = _with_class(
        widget.attrs.get("class"), _with_class(extra.get("class"), css_class)
    )
    describedby = _describedby(field, widget.attrs.get("aria-describedby", ""))
    if describedby:
        extra["aria-describedby"] = describedby
    if field.errors:
        extra["aria-invalid"] = "true"
    return field.as_widget(attrs=extra)


@register.simple_tag
def ds_choice_input(option, css_class="ds-input"):
    """Render one option (a BoundWidget) of a RadioSelect or CheckboxSelectMultiple.

    Only the <input>; ``includes/field.html`` puts the label beside it, as
    Designsystemet wants a radio or checkbox and its label as siblings in a
    ``ds-field``.
    """
    data = option.data
    attrs = dict(data.get("attrs") or {})
    attrs["class"] = _with_class(attrs.get("class"), css_class)
    attrs["type"] = data["type"]
    attrs["name"] = data["name"]
    if data.get("value") is not None:
        attrs["value"] = str(data["value"])
    if data.get("selected"):
        attrs["checked"] = True
    return format_html("<input{}>", flatatt(attrs))
