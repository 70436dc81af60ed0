"""View-level access rules. Each view declares exactly one.

- `public`: anyone, logged in or not. Keep this list short: login, health
  check, language switch, the accessibility statement, the invitation link
  (its one-time token is the key), the metrics for Prometheus (its bearer token
  is the key; a 404 without it).
- `login_step`: a step of logging in (the second factor, logout). The view
  itself checks the half-finished login in the session.
- `member`: a user who has passed both factors and acts for an active agency.
  Views that show case data add object checks from `tverrnett.access.policy`.
- `person`: a person logged in through ID-porten to see their own individual plan
  (tverrnett.ownaccess); no user. The view looks the plan up through
  `policy.own_plans`.
"""

import functools

PUBLIC = "public"
LOGIN_STEP = "login_step"
MEMBER = "member"
PERSON = "person"

RULES = frozenset({PUBLIC, LOGIN_STEP, MEMBER, PERSON})


def _declare(rule):
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        wrapped.access_rule = rule
        return wrapped

    return decorator


public = _declare(PUBLIC)
login_step = _declare(LOGIN_STEP)
member = _declare(MEMBER)
person = _declare(PERSON)


def rule_of(view_func):
    """The rule a resolved view declared, or None when it declared none."""
    rule = getattr(view_func, "access_rule", None)
    view_class = getattr(view_func, "view_class", None)
    if rule is None and view_class is not None:
        rule = getattr(view_class, "access_rule", None)
    return rule if rule in RULES else None
