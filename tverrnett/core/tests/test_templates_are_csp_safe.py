"""A strict CSP holds only if no template carries inline script or style."""

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    path for path in PACKAGE.rglob("*.html") if "static" not in path.relative_to(PACKAGE).parts
)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=|\son[a-z]+\s*=", re.IGNORECASE)


def test_there_are_templates_to_check():
    assert len(TEMPLATES) >= 5


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_inline_script_style_or_event_handlers(template):
    text = template.read_text(encoding="utf-8")

    assert not INLINE_SCRIPT.search(text)
    assert not INLINE_STYLE.search(text)
