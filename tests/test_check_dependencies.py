"""The decision of CI's dependency scan (scripts/check_dependencies.py): it fails closed.
The database and the index are injected; nothing here touches the network."""

import importlib.util
import json
from pathlib import Path

import pytest
from packaging.version import Version

_PATH = Path(__file__).resolve().parent.parent / "scripts" / "check_dependencies.py"
_spec = importlib.util.spec_from_file_location("check_dependencies", _PATH)
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

INDEX = "https://index.example/simple"
PINS = [("Django", Version("5.2.20")), ("pyyaml", Version("6.0.4"))]
UNREACHED = check.AuditResult(reached=False, detail="could not resolve api.osv.dev")


def index(releases):
    def versions_of(name):
        return [Version(version) for version in releases[name]]

    return versions_of


def unreachable_index(name):
    raise check.IndexUnreachable(f"{INDEX}/{name}/: Name or service not known")


def decide(audit, versions_of):
    return check.decide(PINS, lambda: audit, versions_of, INDEX)


def test_it_fails_when_neither_the_database_nor_the_index_can_be_reached():
    decision = decide(UNREACHED, unreachable_index)

    assert not decision.ok
    text = "\n".join(decision.lines)
    assert "vulnerability database could not be reached" in text
    assert "package index could not be reached either" in text


def test_it_passes_without_the_database_when_every_pin_is_the_newest_patch():
    decision = decide(
        UNREACHED, index({"Django": ["5.2.19", "5.2.20", "6.0.1"], "pyyaml": ["6.0.4"]})
    )

    assert decision.ok
    text = "\n".join(decision.lines)
    assert "vulnerability database could not be reached" in text
    assert "All 2 runtime dependencies are at the newest patch release" in text
    assert "This is not a vulnerability scan" in text


def test_it_fails_naming_a_newer_patch_release():
    decision = decide(UNREACHED, index({"Django": ["5.2.20", "5.2.21"], "pyyaml": ["6.0.4"]}))

    assert not decision.ok
    assert "  Django==5.2.20: 5.2.21 is out (upgrade the pin)" in decision.lines


def test_a_newer_minor_release_or_a_pre_release_is_not_a_missed_patch():
    decision = decide(
        UNREACHED,
        index({"Django": ["5.2.20", "5.3", "5.2.21rc1", "6.0"], "pyyaml": ["6.0.4", "6.1.0"]}),
    )

    assert decision.ok


def test_it_fails_when_the_index_lists_nothing_for_a_pin():
    decision = decide(UNREACHED, index({"Django": [], "pyyaml": ["6.0.4"]}))

    assert not decision.ok


def test_it_fails_on_a_vulnerability_the_database_reports():
    found = check.AuditResult(reached=True, vulnerabilities=["django 5.2.20: PYSEC-2026-1"])

    decision = decide(found, unreachable_index)

    assert not decision.ok
    assert "  django 5.2.20: PYSEC-2026-1" in decision.lines


def test_it_passes_on_a_clean_answer_from_the_database_without_asking_the_index():
    decision = decide(check.AuditResult(reached=True), unreachable_index)

    assert decision.ok
    assert decision.lines == ["pip-audit: no known vulnerabilities in the runtime dependencies."]


def report(*dependencies):
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_pip_audit_without_a_report_did_not_reach_its_database():
    stderr = "ERROR:pip_audit._cli:django: Dependency not found on PyPI and could not be audited"

    result = check.interpret_pip_audit(1, None, stderr)

    assert not result.reached
    assert "could not be audited" in result.detail


def test_pip_audit_with_findings_reached_its_database():
    vulnerable = {
        "name": "django",
        "version": "5.2.19",
        "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["5.2.20"]}],
    }

    result = check.interpret_pip_audit(1, report(vulnerable), "")

    assert result.reached
    assert result.vulnerabilities == ["django 5.2.19: PYSEC-2026-1 (fixed in 5.2.20)"]


def test_pip_audit_with_a_clean_report_reached_its_database():
    result = check.interpret_pip_audit(
        0, report({"name": "django", "version": "5.2.20", "vulns": []}), ""
    )

    assert result == check.AuditResult(reached=True)


def test_a_skipped_dependency_is_not_a_clean_answer():
    skipped = {"name": "private", "version": "1.0", "skip_reason": "not on PyPI"}

    assert not check.interpret_pip_audit(0, report(skipped), "").reached


@pytest.mark.parametrize(
    ("environ", "config", "expected"),
    [
        ({}, "", check.DEFAULT_INDEX),
        ({}, "global.extra-index-url='file:///opt/pypi/simple'\n", check.DEFAULT_INDEX),
        ({}, "global.index-url='https://mirror.example/simple'\n", "https://mirror.example/simple"),
        (
            {"PIP_INDEX_URL": "https://env.example/simple"},
            "global.index-url='https://mirror.example/simple'\n",
            "https://env.example/simple",
        ),
    ],
)
def test_it_asks_the_index_pip_installs_from(environ, config, expected):
    assert check.configured_index_url(environ, config) == expected


def test_it_reads_a_pep_503_index_and_skips_yanked_releases(tmp_path):
    page = tmp_path / "django"
    page.mkdir()
    (page / "index.html").write_text(
        "<html><body>"
        '<a href="Django-5.2.20.tar.gz">Django-5.2.20.tar.gz</a>'
        '<a href="x">django-5.2.21-py3-none-any.whl</a>'
        '<a href="y" data-yanked="broken">django-5.2.22-py3-none-any.whl</a>'
        "</body></html>"
    )

    versions = check.fetch_versions("Django", tmp_path.as_uri())

    assert versions == [Version("5.2.20"), Version("5.2.21")]


def test_an_index_that_does_not_answer_is_unreachable(tmp_path):
    with pytest.raises(check.IndexUnreachable):
        check.fetch_versions("django", (tmp_path / "missing").as_uri())


def test_a_runtime_dependency_that_is_not_an_exact_pin_stops_the_check(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["Django==5.2.20", "pyyaml>=6"]\n')

    with pytest.raises(SystemExit, match="not an exact pin"):
        check.runtime_pins(pyproject)
