"""Walks a URLconf so tests can prove every view declared its access rule."""

import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from tverrnett.access.rules import rule_of

# Sample values for path converters, so every pattern can be requested.
_SAMPLES = {"int": "1", "str": "x", "slug": "x", "uuid": str(uuid.UUID(int=1)), "path": "x"}


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    callback: object

    @property
    def rule(self):
        return rule_of(self.callback)


def routes(urlconf=None):
    return list(_walk(get_resolver(urlconf).url_patterns, prefix="", namespace=""))


def _walk(patterns, prefix, namespace):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            child_namespace = entry.namespace or namespace
            yield from _walk(
                entry.url_patterns, prefix + _sample_path(entry.pattern), child_namespace
            )
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield Route(name, "/" + prefix + _sample_path(entry.pattern), entry.callback)


def _sample_path(pattern):
    converters = getattr(pattern, "converters", {})
    text = str(pattern)
    for key, converter in converters.items():
        sample = _SAMPLES.get(type(converter).__name__.replace("Converter", "").lower(), "1")
        text = _replace_parameter(text, key, sample)
    return text.lstrip("^").rstrip("$")


def _replace_parameter(text, key, sample):
    start = text.find("<")
    while start != -1:
        end = text.find(">", start)
        if text[start + 1 : end].split(":")[-1] == key:
            return text[:start] + sample + text[end + 1 :]
        start = text.find("<", end)
    return text
