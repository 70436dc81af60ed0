"""One date style (issue 21 item 15): "7. des. 2026", "kl. 07.15", in every language."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from tverrnett.core import dates

MOMENT = datetime.datetime(2026, 12, 7, 6, 15, tzinfo=datetime.UTC)  # 07.15 in Oslo


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("nb", "7. des. 2026", "7. des. 2026 kl. 07.15"),
        ("nn", "7. des. 2026", "7. des. 2026 kl. 07.15"),
        ("en", "7 Dec 2026", "7 Dec 2026, 07:15"),
    ],
)
def test_python_and_templates_write_dates_one_way(language, day, moment):
    with translation.override(language):
        assert dates.day(MOMENT.date()) == day
        assert dates.moment(MOMENT) == moment
        rendered = Template('{{ at|date }}|{{ at|date:"DATETIME_FORMAT" }}|{{ at|time }}').render(
            Context({"at": MOMENT})
        )
    assert rendered.split("|")[:2] == [day, moment]


def test_no_template_picks_its_own_date_format():
    """Templates use the language's formats; only a month heading ("F Y") and audit
    times to the second may spell their own."""
    import pathlib
    import re

    allowed = {'"F Y"', '"DATETIME_FORMAT"', '"c"', '"Y-m-d"', '"j. F Y H:i:s"', '"j. M Y H:i:s"'}
    root = pathlib.Path(dates.__file__).resolve().parents[1]
    found = {
        (str(path.relative_to(root)), match)
        for path in root.rglob("*.html")
        for match in re.findall(r"\|date:(\"[^\"]*\"|'[^']*')", path.read_text(encoding="utf-8"))
        if match.replace("'", '"') not in allowed
    }
    assert not found, sorted(found)
