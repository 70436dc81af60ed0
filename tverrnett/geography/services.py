"""Looking up municipalities and the police district and RVTS region serving them.

`resolve_municipality` turns what a user typed (a four-digit number or a
name) into the current municipality: an old number is followed to its
successor (L53), and a name may be misspelt a little ("Bearum", "Tromso").
"""

import difflib
import re
import unicodedata

from django.utils.translation import gettext as _

from tverrnett.geography.models import Municipality

# Different short names score high ("nes"/"nesna" 0.75), so below 0.8 a typo
# may land on another municipality; 0.8 still forgives a swapped letter in a
# longer name ("bearum"/"baerum" 0.83).
_NAME_CUTOFF = 0.8
# A chain of renumberings is short; a longer one means the data loops.
_MAX_SUCCESSOR_STEPS = 10


class MunicipalityNotFound(LookupError):
    pass


class AmbiguousMunicipality(LookupError):
    def __init__(self, message, candidates):
        super().__init__(message)
        self.candidates = list(candidates)


class UncertainMunicipality(AmbiguousMunicipality):
    """The name is not one we know, but close to these: ask rather than pick one."""


def resolve_municipality(number_or_name, *, ask_when_unsure=False):
    """Return the current Municipality for a four-digit number or a name.

    Raises MunicipalityNotFound, or AmbiguousMunicipality when the input fits
    more than one municipality (a shared name such as Herøy, or a number
    whose municipality was split); its `candidates` are the current ones.
    A misspelt name is corrected, unless `ask_when_unsure`: then it raises
    UncertainMunicipality with the close names, for the user to choose ("did you
    mean …?"). "Lunner kommune" is Lunner.
    """
    text = (number_or_name or "").strip()
    if text.isdigit():
        return _current(_by_number(text))
    return _by_name(text, ask_when_unsure=ask_when_unsure)


def police_district_for(municipality):
    """The police district serving a municipality (a Municipality, number or name)."""
    return _current_from(municipality).police_district


def rvts_region_for(municipality):
    """The RVTS region serving a municipality (a Municipality, number or name)."""
    return _current_from(municipality).rvts_region


def _current_from(municipality):
    if isinstance(municipality, Municipality):
        return _current(municipality)
    return resolve_municipality(municipality)


def _by_number(number):
    if not re.fullmatch(r"\d{4}", number):
        raise MunicipalityNotFound(
            _("A municipality number has exactly four digits, for example 0301.")
        )
    municipality = Municipality.objects.filter(number=number).first()
    if municipality is None:
        raise MunicipalityNotFound(
            _("No municipality has the number %(number)s.") % {"number": number}
        )
    return municipality


def _current(municipality):
    """Follow renumberings to the municipality valid today."""
    for _step in range(_MAX_SUCCESSOR_STEPS):
        if municipality.is_current:
            return Municipality.objects.select_related("police_district", "rvts_region").get(
                pk=municipality.pk
            )
        if municipality.successor_id is None:
            parts = list(municipality.split_into.order_by("number"))
            if parts:
                raise AmbiguousMunicipality(
                    _("%(municipality)s was split into %(parts)s. Choose one of them.")
                    % {"municipality": municipality, "parts": _list(parts)},
                    [_current(part) for part in parts],
                )
            break
        municipality = municipality.successor
    raise MunicipalityNotFound(
        _("No municipality has the number %(number)s.") % {"number": municipality.number}
    )


def _fold(text):
    """Lower case, æøå spelled as a user without a Norwegian keyboard would, no accents."""
    text = text.casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.split())


def _name_keys(name):
    """Every way a user may write a name: in full, without the county in
    brackets ("Herøy"), and each of its parallel names ("Gratangen", "Rivtták")."""
    keys = {_fold(name)}
    without_county = re.sub(r"\s*\(.*\)\s*$", "", name)
    keys.add(_fold(without_county))
    keys.update(_fold(part) for part in without_county.split(" - "))
    return {key for key in keys if key}


# What people write after a municipality's name: "Lunner kommune", "Vinje herad".
_MUNICIPALITY_WORD = re.compile(r"\s+(kommune|herad|municipality)$")


def _by_name(name, *, ask_when_unsure=False):
    query = _MUNICIPALITY_WORD.sub("", _fold(name))
    index = {}
    for municipality in Municipality.objects.filter(valid_to__isnull=True).select_related(
        "police_district", "rvts_region"
    ):
        for key in _name_keys(municipality.name):
            index.setdefault(key, []).append(municipality)

    if query in index:
        return _one(index[query], name)

    matches = difflib.get_close_matches(query, index, n=3, cutoff=_NAME_CUTOFF)
    if not matches:
        raise MunicipalityNotFound(
            _(
                "No municipality matches “%(name)s”. Check the spelling or use the "
                "four-digit municipality number."
            )
            % {"name": name}
        )
    # A typo that is as close to a second name as to the first is not a
    # typo we can correct.
    best_score = difflib.SequenceMatcher(None, query, matches[0]).ratio()
    if ask_when_unsure:
        close = {m.pk: m for key in matches for m in index[key]}
        candidates = sorted(close.values(), key=lambda municipality: municipality.number)
        raise UncertainMunicipality(
            _("No municipality is called “%(name)s”. Did you mean %(candidates)s?")
            % {"name": name, "candidates": _list(candidates)},
            candidates,
        )
    found = {}
    for key in matches:
        if difflib.SequenceMatcher(None, query, key).ratio() == best_score:
            for municipality in index[key]:
                found[municipality.pk] = municipality
    return _one(list(found.values()), name)


def _one(municipalities, name):
    unique = {municipality.pk: municipality for municipality in municipalities}
    if len(unique) == 1:
        return next(iter(unique.values()))
    candidates = sorted(unique.values(), key=lambda municipality: municipality.number)
    raise AmbiguousMunicipality(
        _(
            "“%(name)s” matches more than one municipality: %(candidates)s. "
            "Use the four-digit municipality number."
        )
        % {"name": name, "candidates": _list(candidates)},
        candidates,
    )


def _list(municipalities):
    return ", ".join(str(municipality) for municipality in municipalities)
