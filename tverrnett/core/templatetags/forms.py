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
from django.utils.translation import ngettext

register = template.Library()


def help_id(field):
    return f"{field.auto_id}_helptext" if field.auto_id else ""


def error_id(field):
    return f"{field.auto_id}_error" if field.auto_id else ""


def counter_id(field):
    return f"{field.auto_id}_counter" if field.auto_id else ""


def _has_counter(field):
    """A textarea with a limit shows how many characters are left (issue 21, item 9)."""
    return (
        bool(field.auto_id)
        and field.widget_type == "textarea"
        and getattr(field.field, "max_length", None) is not None
    )


def _describedby(field, existing=""):
    ids = existing.split() if existing else []
    if field.auto_id and not field.is_hidden:
        if field.help_text:
            ids.append(help_id(field))
        if field.errors:
            ids.append(error_id(field))
        if _has_counter(field):
            ids.append(counter_id(field))
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
    if _has_counter(field):
        # No maxlength on a textarea: the browser would cut a pasted text silently.
        # The counter says how much is too much, and the form refuses it with a message.
        extra["maxlength"] = False
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


def _summary_target(field):
    """The id a link in the error summary points at: the input itself, or the first
    option of a group of radio buttons or checkboxes."""
    if field.is_hidden or not field.auto_id:
        return ""
    if field.use_fieldset:
        subwidgets = field.subwidgets
        return subwidgets[0].id_for_label if subwidgets else field.auto_id
    return field.id_for_label or field.auto_id


@register.simple_tag
def error_summary_items(form):
    """Every error of ``form`` for the error summary, in the order the form shows them:
    the form's own errors first (no link), then each field's, as a dict with ``text``
    and ``href`` (``#<id of the field>``, empty for a hidden field)."""
    if form is None or not getattr(form, "errors", None):
        return []
    items = [{"text": error, "href": ""} for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            target = _summary_target(field)
            text = error if field.is_hidden else f"{field.label}: {error}"
            items.append({"text": text, "href": f"#{target}" if target else ""})
    return items


def _under(count):
    return ngettext("%(count)s character left", "%(count)s characters left", count)


def _over(count):
    return ngettext("%(count)s character too many", "%(count)s characters too many", count)


@register.simple_tag
def character_counter(field):
    """What ``includes/field.html`` needs for the character count under a textarea with
    a max_length (Designsystemet's Textfield with a character limit), or None. The
    texts for one and for several are given to static/js/forms.js, which replaces
    ``%(count)s`` while the user types."""
    if not _has_counter(field):
        return None
    limit = field.field.max_length
    value = field.value() or ""
    # A line break arrives as \r\n and counts two, as in the form's own check.
    remaining = limit - len(str(value).replace("\r\n", "\n").replace("\n", "\r\n"))
    over = remaining < 0
    count = abs(remaining)
    return {
        "id": counter_id(field),
        "limit": limit,
        "over": over,
        "text": (_over if over else _under)(count) % {"count": count},
        "under_one": _under(1),
        "under_other": _under(2),
        "over_one": _over(1),
        "over_other": _over(2),
    }
