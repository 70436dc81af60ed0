"""includes/form_errors.html: the form's own errors first without a link, then each
field's with its label and a link to the field; hidden fields' errors shown too."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import override


class _Form(forms.Form):
    name = forms.CharField(label="Navn", max_length=10)
    kind = forms.ChoiceField(
        label="Slag", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label="Notat", max_length=5, widget=forms.Textarea)

    def clean(self):
        raise ValidationError("Noen andre har endret saken.")


def _render(form):
    with override("nb"):
        return render_to_string("includes/form_errors.html", {"form": form})


def test_every_error_is_listed_in_order_with_links():
    form = _Form({"name": "", "version": "x", "note": "for lang tekst"})
    form.is_valid()

    html = _render(form)

    assert "data-error-summary" in html
    assert 'tabindex="-1"' in html
    assert html.index("Noen andre har endret saken.") < html.index('href="#id_name"')
    assert "<li>Noen andre har endret saken.</li>" in html
    assert 'href="#id_name">Navn: ' in html
    assert 'href="#id_kind_0">Slag: ' in html
    assert 'href="#id_note">Notat: ' in html
    # The hidden field's error has nowhere to link to, but is not lost.
    assert "<li>Oppgi et heltall.</li>" in html or "<li>Oppgi et heltall" in html


def test_a_valid_or_unbound_form_has_no_summary():
    assert "data-error-summary" not in _render(_Form())
    assert "data-error-summary" not in _render(None)


def test_a_prefixed_form_has_its_own_heading_id():
    form = _Form({}, prefix="goal-3")
    form.is_valid()

    html = _render(form)

    assert 'aria-labelledby="goal-3-error-summary-heading"' in html
    assert 'id="goal-3-error-summary-heading"' in html
    assert 'href="#id_goal-3-name"' in html
