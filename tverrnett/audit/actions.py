"""The registry of audit action names.

The log accepts only names registered here, so a typo cannot create an
action that no review or report knows about. Each domain app registers its
own actions when it is loaded (see its apps.py).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    name: str
    description: str


_registry: dict[str, Action] = {}


class UnknownAction(ValueError):
    pass


def register(name: str, description: str) -> Action:
    existing = _registry.get(name)
    if existing is not None and existing.description != description:
        raise ValueError(f"Audit action {name!r} is already registered differently")
    action = Action(name, description)
    _registry[name] = action
    return action


def get(name: str) -> Action:
    try:
        return _registry[name]
    except KeyError:
        raise UnknownAction(f"Unknown audit action {name!r}; register it first") from None


def registered() -> list[Action]:
    return sorted(_registry.values(), key=lambda action: action.name)
