from pathlib import Path

import polib
from django.conf import settings


def test_every_norwegian_string_is_translated():
    catalogues = [
        polib.pofile(str(path))
        for locale_path in settings.LOCALE_PATHS
        for path in Path(locale_path).glob("nb/LC_MESSAGES/django.po")
    ]
    assert catalogues, "the nb catalogue is missing"
    for catalogue in catalogues:
        assert catalogue.untranslated_entries() == []
        assert catalogue.fuzzy_entries() == []
        assert len(catalogue.translated_entries()) > 50
