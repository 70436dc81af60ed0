"""Instruments as data (X8): the checker names the file, the line and the problem; a new
version loads without a code change; a published version never changes."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from tverrnett.assessments import services
from tverrnett.assessments.instruments import (
    InstrumentError,
    load_instrument,
    load_instruments,
    parse_instrument,
)
from tverrnett.assessments.models import Instrument
from tverrnett.assessments.tests.conftest import SHIPPED
from tverrnett.audit.models import AuditEntry


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are matched in English, the msgid language."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

VALID = """\
format: 1
code: test-profil
version: "1.0"
published_on: 2026-01-01
owner: RVTS Øst
raters: any
name: {nb: Testprofil, en: Test profile}
purpose: {nb: Støtte for skjønn., en: Supports judgement.}
licence: {nb: Fri bruk., en: Free use.}
scales:
  - code: presence
    options:
      - {code: nei, nb: Nei, en: "No"}
      - {code: ja, nb: Ja, en: "Yes"}
      - {code: unknown, nb: Ukjent, en: Unknown}
domains:
  - code: housing
    scale: presence
    name: {nb: Bolig, en: Housing}
    items:
      - code: stable-home
        kind: need
        question: {nb: "Trenger personen bolig?", en: "Does the person need a home?"}
      - code: family-help
        kind: protective
        question: {nb: "Hjelper familien?", en: "Does the family help?"}
        guidance: {nb: Spør om både praktisk og følelsesmessig hjelp., en: Ask about both.}
"""


def replaced(old, new, text=VALID):
    assert old in text
    return text.replace(old, new, 1)


def error_of(text, name="rvts.yaml"):
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, name)
    return str(caught.value)


def test_a_valid_file_becomes_its_definition():
    definition = parse_instrument(VALID, "rvts.yaml")
    assert definition["code"] == "test-profil"
    assert definition["version"] == "1.0"
    assert definition["scales"]["presence"][-1]["code"] == "unknown"
    assert [item["code"] for item in definition["domains"][0]["items"]] == [
        "stable-home",
        "family-help",
    ]
    assert definition["domains"][0]["items"][1]["guidance"]["nb"].startswith("Spør")


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        ("kind: need", "kind: needs", 22, "'kind' must be one of risk, need, protective"),
        ('version: "1.0"', "version: 1.0", 3, 'must be quoted text, for example "1.0"'),
        ("      - {code: unknown, nb: Ukjent, en: Unknown}\n", "", 13, "then 'unknown'"),
        ("    scale: presence\n", "    scale: level\n", 18, "must be one of presence"),
        ("        kind: protective\n", "        kind: protective\n        weight: 2\n", 26, "L25"),
        ("owner: RVTS Øst\n", "owner: RVTS Øst\nscore_total: x\n", 6, "unknown key"),
        ("code: family-help", "code: stable-home", 24, "used twice"),
        ("published_on: 2026-01-01", "published_on: snart", 4, "must be a date"),
        ("name: {nb: Testprofil, en: Test profile}", "name: {nb: Testprofil}", 7, "missing 'en'"),
        (
            "      - code: stable-home\n        kind",
            "      - code: Stable Home\n        kind",
            21,
            "lower-case",
        ),
    ],
)
def test_a_malformed_file_names_the_file_the_line_and_the_problem(old, new, line, problem):
    message = error_of(replaced(old, new))
    assert message.startswith(f"rvts.yaml, line {line}: "), message
    assert problem in message


def test_broken_yaml_names_its_line():
    message = error_of(VALID.replace("raters: any", "raters: [any"))
    assert message.startswith("rvts.yaml, line ")
    assert "not valid YAML" in message


def test_a_score_key_anywhere_is_refused_with_the_reason():
    text = replaced("scales:\n", "cutoff: 12\nscales:\n")
    message = error_of(text)
    assert "line 10" in message and "carry no scores" in message


def test_the_shipped_profile_is_valid_and_has_the_exit_guides_domains():
    definition = parse_instrument(SHIPPED.read_text(encoding="utf-8"), SHIPPED.name)
    domains = [domain["code"] for domain in definition["domains"]]
    assert domains == [
        "needs",
        "motivation",
        "push-pull",
        "belonging",
        "family",
        "living-conditions",
        "digital",
        "activity",
        "gender",
        "protective",
    ]
    kinds = {item["kind"] for domain in definition["domains"] for item in domain["items"]}
    assert kinds == {"risk", "need", "protective"}
    assert "score" in definition["purpose"]["en"].lower()  # it says it is not one


def test_a_new_version_loads_without_a_code_change_and_old_assessments_keep_theirs(
    tmp_path, team_case, assess, instrument, owner
):
    old = assess(team_case)
    newer = tmp_path / "behov-og-motivasjon-1.1.yaml"
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace('version: "1.0"', 'version: "1.1"').replace(
        "published_on: 2026-11-29", "published_on: 2026-11-30"
    )
    newer.write_text(text, encoding="utf-8")

    call_command("load_instruments", str(newer))

    current = {i.code: i for i in services.current_instruments()}["behov-og-motivasjon"]
    assert current.version == "1.1"
    old.refresh_from_db()
    assert old.instrument.version == "1.0"
    assert not services.is_current(old.instrument)
    # A new assessment with the old version is refused.
    with pytest.raises(Exception, match="newer version"):
        services.start_assessment(
            owner, team_case, instrument=instrument, assessed_on=old.assessed_on
        )
    published = AuditEntry.objects.filter(action="assessment.instrument_published")
    assert [entry.detail["version"] for entry in published.order_by("pk")] == ["1.0", "1.1"]


def test_loading_again_changes_nothing_and_other_content_under_the_same_version_is_refused(
    tmp_path, instrument
):
    assert load_instruments() == [(instrument, False)]
    changed = tmp_path / "endret.yaml"
    changed.write_text(
        SHIPPED.read_text(encoding="utf-8").replace("owner: Tverrnett", "owner: Noen andre"),
        encoding="utf-8",
    )
    with pytest.raises(InstrumentError, match="already published with other content"):
        load_instrument(changed)
    assert Instrument.objects.count() == 1
    assert Instrument.objects.get().owner == "Tverrnett"


def test_the_command_refuses_a_bad_file_and_publishes_nothing(tmp_path, db):
    good = tmp_path / "a.yaml"
    good.write_text(VALID, encoding="utf-8")
    bad = tmp_path / "b.yaml"
    bad.write_text(replaced("kind: need", "kind: needs"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"b\.yaml, line 22"):
        call_command("load_instruments", str(good), str(bad))
    assert not Instrument.objects.exists()


def test_instruments_dir_is_read_besides_the_shipped_files(tmp_path, settings, db):
    (tmp_path / "rvts.yaml").write_text(VALID, encoding="utf-8")
    settings.INSTRUMENTS_DIR = str(tmp_path)
    load_instruments()
    assert set(Instrument.objects.values_list("code", flat=True)) == {
        "behov-og-motivasjon",
        "test-profil",
    }
