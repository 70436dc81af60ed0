"""Texts that must never hold an identity number refuse one in every free-text field
(issue 18, item 3): announcements, network mandates, forum names, event descriptions."""

import pytest
from django import forms
from django.utils import translation
from stdnum.no import fodselsnummer

from tverrnett.announcements.forms import AnnouncementForm
from tverrnett.core.identity_numbers import (
    RefusesIdentityNumbers,
    free_text_fields,
    identity_number_message,
)
from tverrnett.events.forms import EventForm
from tverrnett.networks.forms import ChildNetworkForm, ForumForm, NetworkEditForm
from tverrnett.networks.models import Network, NetworkLevel

IDENTITY_NUMBER = "15076500565"

# Each form with the field the issue names; the test walks all its free-text fields.
FORMS = {
    AnnouncementForm: ("body", lambda network: {"postable_networks": [network]}),
    NetworkEditForm: ("mandate", lambda network: {}),
    ChildNetworkForm: ("mandate", lambda network: {"parent": network}),
    ForumForm: ("name", lambda network: {"network": network}),
    EventForm: ("description", lambda network: {"network_ids": [network.pk]}),
}


def holding_a_number(form_class, field):
    """A value of the field's own kind that holds an identity number."""
    kind = form_class.base_fields[field]
    if isinstance(kind, forms.URLField):
        return f"https://example.org/{IDENTITY_NUMBER}"
    if isinstance(kind, forms.EmailField):
        return f"{IDENTITY_NUMBER}@example.org"
    return f"Gjelder 150765 00565, {IDENTITY_NUMBER}."


@pytest.fixture
def network(db):
    return Network.objects.create(name="Regionalt nettverk", level=NetworkLevel.REGIONAL)


def _cases():
    for form_class, (_named, arguments) in FORMS.items():
        for name in free_text_fields(
            form_class(**arguments(Network(pk=1, level=NetworkLevel.REGIONAL)))
        ):
            yield pytest.param(form_class, name, arguments, id=f"{form_class.__name__}.{name}")


@pytest.mark.parametrize(("form_class", "field", "arguments"), list(_cases()))
def test_the_text_refuses_an_identity_number(network, form_class, field, arguments):
    assert fodselsnummer.is_valid(IDENTITY_NUMBER)
    with translation.override("nb"):
        form = form_class(
            {field: f"Gjelder 150765 00565, {IDENTITY_NUMBER}."}, **arguments(network)
        )
        assert not form.is_valid()
        assert str(identity_number_message()) in form.errors.get(field, []), form.errors
        assert any("fødselsnummer" in error for error in form.errors[field])


def test_the_walk_reaches_the_fields_the_issue_names():
    names = {case.id for case in _cases()}
    for form_class, (named, _arguments) in FORMS.items():
        assert issubclass(form_class, RefusesIdentityNumbers)
        assert f"{form_class.__name__}.{named}" in names


def test_a_number_that_is_not_an_identity_number_is_kept(network):
    form = NetworkEditForm(
        {"mandate": "Kontonummer 1234.56.78903, tlf. 32 04 00 00.", "version": network.version}
    )
    assert form.is_valid(), form.errors
