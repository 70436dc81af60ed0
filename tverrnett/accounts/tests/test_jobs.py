"""The worker deletes the OIDC logout bookkeeping whose Django session is gone."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from tverrnett.accounts.jobs import OIDC_SESSION_GRACE, clean_oidc_sessions
from tverrnett.accounts.models import OidcSession
from tverrnett.notices import jobs

pytestmark = pytest.mark.django_db

ISSUER = "https://login.example"


def _session(expires_in):
    store = SessionStore()
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


def _row(user, sid, session_key, age=datetime.timedelta(hours=1)):
    row = OidcSession.objects.create(issuer=ISSUER, sid=sid, session_key=session_key, user=user)
    OidcSession.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_it_deletes_rows_whose_session_is_gone_or_expired_and_keeps_the_rest(owner, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    live = _row(owner, "live", _session(datetime.timedelta(minutes=20)))
    _row(owner, "expired", _session(-datetime.timedelta(minutes=1)))
    _row(owner, "logged-out", "x" * 32)  # its session was deleted (or never stored)
    young = _row(owner, "just-logged-in", "y" * 32, age=OIDC_SESSION_GRACE / 2)

    assert clean_oidc_sessions(timezone.now()) == 2

    assert set(OidcSession.objects.values_list("pk", flat=True)) == {live.pk, young.pk}
    assert clean_oidc_sessions(timezone.now()) == 0


def test_the_worker_runs_it(owner, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    _row(owner, "gone", "z" * 32)

    assert jobs.run_due()["oidc_sessions_cleaned"] == 1
    assert not OidcSession.objects.exists()


def test_another_session_engine_is_asked_about_each_key(owner, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    from django.contrib.sessions.backends.cache import SessionStore as CacheStore

    store = CacheStore()
    store.create()
    kept = _row(owner, "live", store.session_key)
    _row(owner, "gone", "q" * 32)

    assert clean_oidc_sessions(timezone.now()) == 1
    assert list(OidcSession.objects.values_list("pk", flat=True)) == [kept.pk]
