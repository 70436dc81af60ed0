import json
import shutil

import pytest

from tverrnett.geography.loader import DATA_DIR


class DataCopy:
    """A writable copy of the data files in `path`."""

    def __init__(self, path):
        self.path = path
        for source in DATA_DIR.glob("*.json"):
            shutil.copy(source, path / source.name)

    def edit(self, filename, change):
        """Apply `change` to the parsed file and write it back."""
        path = self.path / filename
        document = json.loads(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def data_copy(tmp_path):
    return DataCopy(tmp_path)
