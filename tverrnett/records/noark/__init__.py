"""The Noark 5 archival package writer: everything is in content.py for now, and is
split into the package's modules in the next commit."""

from .content import *  # noqa: F403
from .content import _Builder  # noqa: F401  (the tests patch it)
