"""Every kind of timeline event the code writes has words on the page, never its code
(issue 21, item 15: the timeline showed `exit_started`)."""

import re
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

import tverrnett
from tverrnett.cases.models import TimelineEvent

ROOT = Path(tverrnett.__file__).resolve().parent


def _kinds_written_by_the_code():
    kinds = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        kinds.update(re.findall(r"TimelineEvent\([^)]*?kind=\"([a-z_]+)\"", text, re.S))
        kinds.update(
            re.findall(r"TimelineEvent\.objects\.create\([^)]*?kind=\"([a-z_]+)\"", text, re.S)
        )
        kinds.update(re.findall(r"_timeline\([^)]*?\"([a-z_]+)\"", text, re.S))
    return kinds


def test_every_timeline_kind_is_said_in_words():
    kinds = _kinds_written_by_the_code()
    assert {"exit_started", "child_case_linked", "registered", "team_added"} <= kinds
    for language in ("nb", "nn", "en"):
        with translation.override(language):
            for kind in kinds:
                shown = render_to_string(
                    "cases/includes/timeline_event.html", {"event": TimelineEvent(kind=kind)}
                ).strip()
                assert shown and kind not in shown, (language, kind, shown)
