#!/usr/bin/env python3
"""CI's dependency scan, which fails closed (issue 18, item 9).

1. pip-audit, with --strict, on the runtime dependencies: the exact pins of
   pyproject.toml's [project].dependencies and what they pull in, at the versions
   installed. A vulnerability fails the step; a clean answer from the database passes.
2. When the vulnerability database cannot be reached (pip-audit without --strict would
   skip what it cannot look up and still report success), the step says so and checks
   instead that every pin is the newest patch release of its series on the package
   index pip is configured with (`index-url`). A newer patch fails the step, and so
   does an index that cannot be reached: no success without a check that ran.

The index is asked directly (PEP 691 JSON, or the PEP 503 HTML page) rather than
through `pip index versions`, because pip falls back to its other indexes and
find-links without an error when the main index is unreachable, and then answers
from a stale local mirror: that would pass without a check that ran.

Run it where the network reaches the database for the full scan (docs/operations.md).
Exit status 0: checked and clean; 1: a finding or a check that could not run.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX = "https://pypi.org/simple"
TIMEOUT_SECONDS = 30


class IndexUnreachable(Exception):
    """The package index did not answer (network, HTTP error, unreadable page)."""


@dataclass
class AuditResult:
    """What pip-audit said. `reached` is False when it did not get an answer from its
    vulnerability database for every dependency (then `detail` says why)."""

    reached: bool
    vulnerabilities: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass
class Decision:
    ok: bool
    lines: list[str]


# pyproject.toml and the installed environment -------------------------------------


def runtime_pins(pyproject: Path) -> list[tuple[str, Version]]:
    """(name, pinned version) of every runtime dependency; each must be an exact pin."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    pins = []
    for line in data["project"]["dependencies"]:
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
            raise SystemExit(f"{line!r} in {pyproject} is not an exact pin (name==version)")
        pins.append((requirement.name, Version(specifiers[0].version)))
    return pins


def runtime_closure(pyproject: Path) -> list[tuple[str, str]]:
    """The runtime dependencies and everything they require, at the installed versions.
    Development tools (the `dev` extra) are not part of it."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    pending = [Requirement(line) for line in data["project"]["dependencies"]]
    seen: dict[str, str] = {}
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(
                f"{requirement.name} is not installed: run `make setup` first"
            ) from None
        seen[name] = distribution.version
        extras = {""} | set(requirement.extras)
        for line in distribution.requires or ():
            child = Requirement(line)
            if child.marker is None or any(
                child.marker.evaluate({"extra": extra}) for extra in extras
            ):
                pending.append(child)
    return sorted(seen.items())


# pip-audit ----------------------------------------------------------------------


def run_pip_audit(closure: list[tuple[str, str]]) -> AuditResult:
    """pip-audit --strict on exactly these versions (--no-deps --disable-pip: nothing is
    resolved or installed). It writes its JSON report only when every dependency got an
    answer from the database; --strict makes any skipped one fatal."""
    with tempfile.TemporaryDirectory() as directory:
        requirements = Path(directory, "requirements.txt")
        requirements.write_text("".join(f"{name}=={version}\n" for name, version in closure))
        report = Path(directory, "report.json")
        try:
            # The arguments are built here, from this interpreter and a file of our own.
            completed = subprocess.run(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "pip_audit",
                    "--strict",
                    "--no-deps",
                    "--disable-pip",
                    "--progress-spinner",
                    "off",
                    "--timeout",
                    str(TIMEOUT_SECONDS),
                    "--requirement",
                    str(requirements),
                    "--format",
                    "json",
                    "--output",
                    str(report),
                ],
                capture_output=True,
                text=True,
                timeout=15 * 60,
            )
        except (OSError, subprocess.TimeoutExpired) as problem:
            return AuditResult(reached=False, detail=f"pip-audit did not run: {problem}")
        return interpret_pip_audit(
            completed.returncode,
            report.read_text() if report.exists() else None,
            completed.stderr,
        )


def interpret_pip_audit(returncode: int, report: str | None, stderr: str) -> AuditResult:
    """Exit 0 with a report: no known vulnerability. Exit 1 with a report: vulnerabilities
    found. Anything else (no report, an unreadable one): the database did not answer."""
    reason = _last_error(stderr)
    if report is None or returncode not in (0, 1):
        return AuditResult(reached=False, detail=reason or f"pip-audit exited {returncode}")
    try:
        dependencies = json.loads(report)["dependencies"]
    except (ValueError, KeyError, TypeError):
        return AuditResult(reached=False, detail="pip-audit wrote an unreadable report")
    if any("skip_reason" in dependency for dependency in dependencies):
        return AuditResult(reached=False, detail="pip-audit skipped dependencies")
    found = [
        f"{dependency['name']} {dependency['version']}: {vulnerability['id']}"
        + (
            f" (fixed in {', '.join(vulnerability['fix_versions'])})"
            if vulnerability.get("fix_versions")
            else ""
        )
        for dependency in dependencies
        for vulnerability in dependency.get("vulns", ())
    ]
    if returncode == 1 and not found:
        return AuditResult(reached=False, detail=reason or "pip-audit failed without findings")
    return AuditResult(reached=True, vulnerabilities=found)


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "Error" in line]
    return (errors or lines or [""])[-1][:300]


# The package index ----------------------------------------------------------------


def configured_index_url(environ=os.environ, pip_config: str | None = None) -> str:
    """The main index pip installs from: PIP_INDEX_URL, else `index-url` in pip's
    configuration files, else PyPI."""
    if environ.get("PIP_INDEX_URL"):
        return environ["PIP_INDEX_URL"].split()[0]
    if pip_config is None:
        pip_config = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    found = re.findall(
        r"^(?:global|install|download|index)\.index-url='([^']+)'$", pip_config, re.MULTILINE
    )
    return found[-1] if found else DEFAULT_INDEX


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.files: list[tuple[str, bool]] = []
        self._yanked = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._yanked = "data-yanked" in dict(attrs)

    def handle_data(self, data):
        if self._yanked is not None and data.strip():
            self.files.append((data.strip(), self._yanked))

    def handle_endtag(self, tag):
        if tag == "a":
            self._yanked = None


def fetch_versions(name: str, index_url: str) -> list[Version]:
    """Every release of `name` on the index that has a file not yanked."""
    url = f"{index_url.rstrip('/')}/{canonicalize_name(name)}/"
    if url.startswith("file:"):
        url += "index.html"
    # The URL is pip's own index (file: for a local mirror), never user input.
    request = urllib.request.Request(  # noqa: S310
        url,
        headers={
            "Accept": "application/vnd.pypi.simple.v1+json, "
            "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read()
            content_type = response.headers.get("Content-Type", "")
    except (urllib.error.URLError, OSError, ValueError) as problem:
        raise IndexUnreachable(f"{url}: {problem}") from problem
    try:
        if "json" in content_type:
            files = [
                (entry["filename"], bool(entry.get("yanked")))
                for entry in json.loads(body)["files"]
            ]
        else:
            parser = _Anchors()
            parser.feed(body.decode("utf-8"))
            files = parser.files
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as problem:
        raise IndexUnreachable(f"{url}: unreadable answer ({problem})") from problem
    versions = set()
    for filename, yanked in files:
        if yanked:
            continue
        version = _version_of(filename)
        if version is not None:
            versions.add(version)
    return sorted(versions)


def _version_of(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


def newer_patch(pinned: Version, available: list[Version]) -> Version | None:
    """The newest final release of the pin's series (same major.minor) above the pin."""
    series = pinned.release[:2]
    newer = [
        version
        for version in available
        if version.release[:2] == series
        and not (version.is_prerelease or version.is_devrelease)
        and version > pinned
    ]
    return max(newer) if newer else None


# The decision ---------------------------------------------------------------------


def decide(
    pins: list[tuple[str, Version]],
    audit: Callable[[], AuditResult],
    versions_of: Callable[[str], list[Version]],
    index_url: str,
) -> Decision:
    result = audit()
    if result.reached and result.vulnerabilities:
        return Decision(
            False,
            ["pip-audit found known vulnerabilities in the runtime dependencies:"]
            + [f"  {finding}" for finding in result.vulnerabilities],
        )
    if result.reached:
        return Decision(True, ["pip-audit: no known vulnerabilities in the runtime dependencies."])

    lines = [
        "The vulnerability database could not be reached, so no vulnerability scan ran "
        f"({result.detail}).",
        "Instead: every runtime dependency must be the newest patch release of its "
        f"pinned series on {index_url}.",
    ]
    behind = []
    for name, pinned in pins:
        try:
            available = versions_of(name)
        except IndexUnreachable as problem:
            return Decision(
                False,
                lines
                + [
                    f"The package index could not be reached either ({problem}).",
                    "Nothing was checked: failing. Run the full scan where the network "
                    "reaches the database (docs/operations.md).",
                ],
            )
        if not available:
            return Decision(
                False,
                lines + [f"The package index lists no release of {name}: nothing checked."],
            )
        newer = newer_patch(pinned, available)
        if newer is not None:
            behind.append(f"  {name}=={pinned}: {newer} is out (upgrade the pin)")
    if behind:
        return Decision(False, lines + ["Newer patch releases exist:"] + behind)
    return Decision(
        True,
        lines
        + [
            f"All {len(pins)} runtime dependencies are at the newest patch release of "
            "their series. This is not a vulnerability scan: run the full scan where the "
            "network reaches the database (docs/operations.md)."
        ],
    )


def main() -> int:
    pyproject = ROOT / "pyproject.toml"
    pins = runtime_pins(pyproject)
    closure = runtime_closure(pyproject)
    index_url = configured_index_url()
    print(f"Runtime dependencies: {len(pins)} pinned, {len(closure)} with what they require.")
    decision = decide(
        pins,
        audit=lambda: run_pip_audit(closure),
        versions_of=lambda name: fetch_versions(name, index_url),
        index_url=index_url,
    )
    print("\n".join(decision.lines))
    return 0 if decision.ok else 1


if __name__ == "__main__":
    sys.exit(main())
