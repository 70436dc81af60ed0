"""The accounts' part of the worker (`manage.py run_worker`, through
`tverrnett.notices.jobs.run_due`)."""

import datetime
from importlib import import_module

from django.conf import settings
from django.db.models import Subquery

from tverrnett.accounts.models import OidcSession

# A login stores its OidcSession row while its request is still running; the session row
# may not be committed yet. Rows younger than this are left for the next round.
OIDC_SESSION_GRACE = datetime.timedelta(minutes=5)


def clean_oidc_sessions(now):
    """Delete the OidcSession rows (issuer + sid -> our session key, for the front-channel
    logout) whose Django session no longer exists or has expired: nothing is left for a
    logout to end, and the row would otherwise stay for ever. Returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    candidates = OidcSession.objects.filter(created_at__lt=now - OIDC_SESSION_GRACE)
    if hasattr(store, "get_model_class"):  # sessions in the database (db, cached_db)
        live = store.get_model_class().objects.filter(expire_date__gt=now)
        stale = candidates.exclude(session_key__in=Subquery(live.values("session_key")))
    else:  # another engine expires its sessions itself: ask it about each key
        keys = candidates.values_list("session_key", flat=True).distinct()
        stale = candidates.filter(session_key__in=[k for k in keys if not store().exists(k)])
    deleted, _by_model = stale.delete()
    return deleted
