"""Every text field of every form has a max_length (issue 18, item 6): no form accepts
an unbounded text. The forms are found by importing every module of the project and
walking the subclasses of Django's BaseForm, not by listing them."""

import importlib
import pkgutil

import pytest
from django import forms

import tverrnett
from tverrnett.core.texts import LONG_TEXT_MAX, limited_formfield


def _project_modules():
    for module in pkgutil.walk_packages(tverrnett.__path__, "tverrnett."):
        parts = module.name.split(".")
        if {"tests", "migrations"} & set(parts) or parts[-1] in {"wsgi", "asgi"}:
            continue
        yield module.name


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def project_forms():
    for name in _project_modules():
        importlib.import_module(name)
    return sorted(
        {cls for cls in _subclasses(forms.BaseForm) if cls.__module__.startswith("tverrnett.")},
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def _fields(form_class):
    """The declared fields, and those the form adds in __init__ when it can be built
    without arguments."""
    fields = dict(form_class.base_fields)
    try:
        fields.update(form_class().fields)
    except Exception:  # noqa: BLE001, S110  (a form that needs arguments: declared fields only)
        pass
    return fields


def test_the_walk_finds_the_forms():
    names = {cls.__name__ for cls in project_forms()}
    assert {"JournalForm", "EventForm", "ResourceForm", "PasswordLoginForm"} <= names
    assert len(names) >= 80


@pytest.mark.django_db
def test_every_text_field_of_every_form_has_a_max_length():
    unbounded = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in project_forms()
        for name, field in _fields(cls).items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert not unbounded, "Give these text fields a max_length (core.texts): " + ", ".join(
        unbounded
    )


def test_a_model_text_field_gets_the_long_limit_and_refuses_more():
    from tverrnett.cases.forms import ResourceForm

    field = ResourceForm.base_fields["how_they_help"]
    assert field.max_length == LONG_TEXT_MAX
    form = ResourceForm({"name": "Onkel", "relation": "family", "how_they_help": "x" * 20_001})
    assert not form.is_valid()
    assert "how_they_help" in form.errors


def test_a_form_may_name_a_shorter_limit():
    from tverrnett.cases.models import Resource

    field = limited_formfield(Resource._meta.get_field("how_they_help"), max_length=50)
    assert field.max_length == 50
