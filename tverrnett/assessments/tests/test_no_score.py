"""L25: no endpoint, job or model computes a risk score, ranks people or decides about
a person. These tests look at the whole project, not only this app, so a score added
anywhere later fails here."""

import re

import pytest
from django.apps import apps
from django.core.management import get_commands

from tverrnett.access.urlwalk import routes
from tverrnett.assessments import services
from tverrnett.assessments.instruments import InstrumentError, parse_instrument
from tverrnett.assessments.tests.conftest import SHIPPED

SCORE_WORDS = re.compile(
    r"score|scoring|rank|ranking|risk_level|risiko_?niv|total|points|poeng|weight|vekt",
    re.IGNORECASE,
)


def test_no_model_field_holds_a_score_or_a_rank():
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("tverrnett.")
        for field in model._meta.get_fields()
        if SCORE_WORDS.search(field.name)
    ]
    assert offenders == []


def test_no_page_and_no_command_computes_a_score():
    # Path and name apart: run together, "/metrics" and "core:metrics" spell "score".
    assert [
        route.path for route in routes() if SCORE_WORDS.search(f"{route.path} {route.name}")
    ] == []
    assert [name for name in get_commands() if SCORE_WORDS.search(name)] == []


def test_the_assessment_services_expose_no_score():
    assert [name for name in dir(services) if SCORE_WORDS.search(name)] == []


@pytest.mark.parametrize("key", ["score", "weight", "points", "cutoff", "threshold", "total"])
def test_an_instrument_cannot_bring_a_score_in(key):
    text = SHIPPED.read_text(encoding="utf-8").replace("scales:\n", f"{key}: 10\nscales:\n", 1)
    with pytest.raises(InstrumentError, match="L25"):
        parse_instrument(text, SHIPPED.name)


@pytest.mark.django_db
def test_the_development_figures_are_counts_per_rating_only(team_case, assess, instrument):
    assessment = assess(team_case)
    for domain in services.development([assessment]):
        for column in domain["columns"]:
            assert set(column) == {"assessment", "counts", "rated"}
            # One figure per option of the scale, never one across them.
            assert [code for code, _label, _count in column["counts"]] == [
                code for code, _label in domain["options"]
            ]
