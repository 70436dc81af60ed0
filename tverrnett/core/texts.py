"""How long a free text may be, in characters (issue 18, item 6).

Every text field a user types into has a limit, so no form accepts an unbounded text
(a test walks every form of the project). The long limits live here; short fields
(names, titles, a line, a reason) keep the limit their form names beside them.
docs/architecture.md lists them.
"""

from django.db import models

# Journal-like texts: journal entries, summaries, assessments, plans, measures,
# announcements, mandates, descriptions.
LONG_TEXT_MAX = 20_000
# A note or a description of one thing: agreements, purposes, conversation notes.
TEXT_MAX = 4_000
# A password: long enough for any passphrase, short enough that hashing it costs little.
PASSWORD_MAX = 4_096


def limited_formfield(model_field, **kwargs):
    """A ModelForm's `formfield_callback`: a model TextField gets LONG_TEXT_MAX as its
    form field's max_length unless the form names another."""
    if isinstance(model_field, models.TextField) and model_field.max_length is None:
        kwargs.setdefault("max_length", LONG_TEXT_MAX)
    return model_field.formfield(**kwargs)
