"""Fixtures shared by the browser tests (tests/browser) and the smoke test of the
production configuration (tests/smoke): one seeded database per run, made once."""

import os

import pytest

from tests.browser.conftest import (
    Server,
    _create_postgres_database,
    _drop_postgres_database,
    _subprocess_env,
)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A database of its own, migrated and seeded with the demo, committed like production.

    The browser tests' server and the production smoke test's run on it (two app
    servers on one database, as in production); tests that need real connections
    without a browser (the concurrent saves) use it through `manage` alone. At the end
    the audit chain, which every test wrote to, must still verify (a failure here fails
    the run).
    """
    tmp = tmp_path_factory.mktemp("browser-server")
    postgres_url = os.environ.get("DATABASE_URL", "")
    if not postgres_url.startswith(("postgres://", "postgresql://")):
        postgres_url = ""
    database_name = f"tverrnett_browser_{os.getpid()}"
    if postgres_url:
        database_url = _create_postgres_database(postgres_url, database_name)
    else:
        database_url = f"sqlite:///{tmp / 'db.sqlite3'}"

    env = _subprocess_env(database_url, tmp / "media")
    try:
        setup = Server(base_url="", env=env, log_path=tmp / "server.log", process=None)
        # Minutes on a loaded machine (about a minute with two cores to itself).
        setup.manage("migrate", "--no-input", timeout=300)
        setup.manage("compile_translations")
        setup.manage("seed_demo", debug=True)
        yield setup
        setup.manage("verify_audit")
    finally:
        if postgres_url:
            _drop_postgres_database(postgres_url, database_name)
