"""Assessment instruments as data files (X8): read, check and publish.

The format is docs/assessment-instruments.md. The checker walks PyYAML's node tree
rather than the loaded values, so every problem it reports names the file and the
line it is on. A checked file becomes a plain dictionary (`definition`) that the
`Instrument` row keeps; a published version never changes (`load_instrument`).
"""

import datetime
import hashlib
import json
import re
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tverrnett.assessments.models import UNKNOWN, Instrument, ItemKind, Raters
from tverrnett.audit.services import record

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
FORMAT = 1

# L25: an instrument supports judgement; it never adds ratings up.
_SCORING_KEYS = frozenset({"score", "scores", "weight", "weights", "points", "cutoff"})
_SCORING_KEYS |= {"cutoffs", "threshold", "thresholds", "total", "sum"}
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_STR = "tag:yaml.org,2002:str"
_KINDS = ", ".join(ItemKind.values)


class InstrumentError(ValueError):
    """A problem in an instrument file, at a line (1-based; 0 when the file is unreadable)."""

    def __init__(self, file, line, problem):
        self.file, self.line, self.problem = file, line, problem
        where = f"{file}, line {line}" if line else str(file)
        super().__init__(f"{where}: {problem}")


class _Checker:
    def __init__(self, name):
        self.name = name

    def fail(self, node, problem):
        raise InstrumentError(self.name, node.start_mark.line + 1, problem)

    def mapping(self, node, where, required, optional=()):
        """{key: value node} of a mapping with exactly the allowed keys."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{where} must be a mapping of keys and values")
        allowed = set(required) | set(optional)
        found = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in _SCORING_KEYS:
                self.fail(
                    key_node,
                    f"{where}: '{key}' is not allowed: instruments support professional "
                    "judgement and carry no scores, weights or cut-offs (L25)",
                )
            if key not in allowed:
                self.fail(key_node, f"{where}: unknown key '{key}' (allowed: {_list(allowed)})")
            if key in found:
                self.fail(key_node, f"{where}: '{key}' is given twice")
            found[key] = value_node
        missing = [key for key in required if key not in found]
        if missing:
            self.fail(node, f"{where}: missing {_list(missing)}")
        return found

    def sequence(self, node, where):
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.fail(node, f"{where} must be a non-empty list")
        return node.value

    def text(self, node, where):
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR or not node.value.strip():
            self.fail(node, f"{where} must be a non-empty text")
        return node.value.strip()

    def code(self, node, where):
        value = self.text(node, where)
        if not _CODE.match(value) or len(value) > 60:
            self.fail(
                node,
                f"{where} must be lower-case letters, digits, '-' or '_' (at most 60), "
                f"not '{value}'",
            )
        return value

    def texts(self, node, where):
        """A text in both languages: {"nb": ..., "en": ...}."""
        fields = self.mapping(node, where, ("nb", "en"))
        return {language: self.text(fields[language], f"{where}.{language}") for language in fields}

    def choice(self, node, where, choices):
        value = self.text(node, where)
        if value not in choices:
            self.fail(node, f"{where} must be one of {', '.join(choices)} (not '{value}')")
        return value

    def date(self, node, where):
        if isinstance(node, yaml.ScalarNode):
            try:
                return datetime.date.fromisoformat(node.value).isoformat()
            except ValueError:
                pass
        self.fail(node, f"{where} must be a date like 2026-11-29")

    def version(self, node, where):
        if isinstance(node, yaml.ScalarNode) and node.tag != _STR:
            self.fail(node, f'{where} must be quoted text, for example "{node.value}"')
        value = self.text(node, where)
        if len(value) > 20:
            self.fail(node, f"{where} is longer than 20 characters")
        return value

    def unique(self, node, code, seen, where):
        if code in seen:
            self.fail(node, f"{where}: the code '{code}' is used twice")
        seen.add(code)

    def instrument(self, root):
        top = self.mapping(
            root,
            "the instrument",
            (
                "format",
                "code",
                "version",
                "published_on",
                "owner",
                "raters",
                "name",
                "purpose",
                "licence",
                "scales",
                "domains",
            ),
        )
        format_node = top["format"]
        if format_node.value != str(FORMAT) or format_node.tag == _STR:
            self.fail(format_node, f"format must be {FORMAT}")
        definition = {
            "code": self.code(top["code"], "code"),
            "version": self.version(top["version"], "version"),
            "published_on": self.date(top["published_on"], "published_on"),
            "owner": self.text(top["owner"], "owner"),
            "raters": self.choice(top["raters"], "raters", Raters.values),
            "name": self.texts(top["name"], "name"),
            "purpose": self.texts(top["purpose"], "purpose"),
            "licence": self.texts(top["licence"], "licence"),
        }
        if any(len(name) > 200 for name in definition["name"].values()):
            self.fail(top["name"], "name is longer than 200 characters")
        definition["scales"] = self.scales(top["scales"])
        definition["domains"] = self.domains(top["domains"], definition["scales"])
        return definition

    def scales(self, node):
        scales = {}
        for scale_node in self.sequence(node, "scales"):
            fields = self.mapping(scale_node, "a scale", ("code", "options"))
            code = self.code(fields["code"], "scale code")
            if code in scales:
                self.fail(fields["code"], f"scales: the code '{code}' is used twice")
            where = f"scale '{code}'"
            options, seen = [], set()
            for option_node in self.sequence(fields["options"], f"{where}: options"):
                option = self.mapping(option_node, f"{where}: an option", ("code", "nb", "en"))
                option_code = self.code(option["code"], f"{where}: option code")
                self.unique(option["code"], option_code, seen, where)
                options.append(
                    {
                        "code": option_code,
                        "nb": self.text(option["nb"], f"{where}: option '{option_code}' nb"),
                        "en": self.text(option["en"], f"{where}: option '{option_code}' en"),
                    }
                )
            if options[-1]["code"] != UNKNOWN or len(options) < 3:
                self.fail(
                    fields["options"],
                    f"{where}: needs at least two options and then '{UNKNOWN}' as the last",
                )
            if UNKNOWN in [option["code"] for option in options[:-1]]:
                self.fail(fields["options"], f"{where}: '{UNKNOWN}' must be the last option")
            scales[code] = options
        return scales

    def domains(self, node, scales):
        domains, domain_codes, item_codes = [], set(), set()
        for domain_node in self.sequence(node, "domains"):
            fields = self.mapping(
                domain_node, "a domain", ("code", "scale", "name", "items"), ("description",)
            )
            code = self.code(fields["code"], "domain code")
            self.unique(fields["code"], code, domain_codes, "domains")
            where = f"domain '{code}'"
            domain = {
                "code": code,
                "scale": self.choice(fields["scale"], f"{where}: scale", list(scales)),
                "name": self.texts(fields["name"], f"{where}: name"),
                "items": [],
            }
            if "description" in fields:
                domain["description"] = self.texts(fields["description"], f"{where}: description")
            for item_node in self.sequence(fields["items"], f"{where}: items"):
                item = self.mapping(
                    item_node, f"{where}: an item", ("code", "kind", "question"), ("guidance",)
                )
                item_code = self.code(item["code"], f"{where}: item code")
                self.unique(item["code"], item_code, item_codes, "items")
                item_where = f"item '{item_code}'"
                checked = {
                    "code": item_code,
                    "kind": self.choice(item["kind"], f"{item_where}: 'kind'", ItemKind.values),
                    "question": self.texts(item["question"], f"{item_where}: question"),
                }
                if "guidance" in item:
                    checked["guidance"] = self.texts(item["guidance"], f"{item_where}: guidance")
                domain["items"].append(checked)
            domains.append(domain)
        return domains


def _list(keys):
    return ", ".join(f"'{key}'" for key in sorted(keys))


def parse_instrument(text, name):
    """Check an instrument file's text; return its definition or raise InstrumentError."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        raise InstrumentError(name, line, f"not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise InstrumentError(name, 0, f"not valid YAML: {error}") from None
    if root is None:
        raise InstrumentError(name, 1, "the file is empty")
    return _Checker(name).instrument(root)


def content_hash(definition):
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def instrument_files(extra_dir=None):
    """The shipped files and those in INSTRUMENTS_DIR (setting), sorted by name."""
    directories = [SHIPPED_DIR]
    configured = extra_dir or getattr(settings, "INSTRUMENTS_DIR", "")
    if configured:
        directories.append(Path(configured))
    files = []
    for directory in directories:
        if directory.is_dir():
            files += sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return files


@transaction.atomic
def load_instrument(path):
    """Publish the instrument in `path`; return (instrument, created).

    The same code and version with the same content is already published: nothing
    happens. With other content it is refused; a new version is a new file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InstrumentError(path.name, 0, f"cannot be read: {error}") from None
    definition = parse_instrument(text, path.name)
    digest = content_hash(definition)
    existing = Instrument.objects.filter(
        code=definition["code"], version=definition["version"]
    ).first()
    if existing is not None:
        if existing.content_hash != digest:
            raise InstrumentError(
                path.name,
                1,
                f"version {definition['version']} of '{definition['code']}' is already "
                "published with other content; publish the change as a new version",
            )
        return existing, False
    instrument = Instrument.objects.create(
        code=definition["code"],
        version=definition["version"],
        name_nb=definition["name"]["nb"],
        name_en=definition["name"]["en"],
        owner=definition["owner"],
        raters=definition["raters"],
        published_on=datetime.date.fromisoformat(definition["published_on"]),
        definition=definition,
        content_hash=digest,
        source_file=path.name,
        loaded_at=timezone.now(),
    )
    record(
        "assessment.instrument_published",
        target=instrument,
        detail={"code": instrument.code, "version": instrument.version, "file": path.name},
    )
    return instrument, True


def load_instruments(paths=None):
    """Publish every file in `paths` (default: `instrument_files()`); [(instrument, created)].
    All or nothing: one bad file publishes none."""
    with transaction.atomic():
        return [load_instrument(path) for path in (paths or instrument_files())]
