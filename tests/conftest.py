"""Fixtures shared by the whole suite: real PostgreSQL and Redis, the app, staff factories.

PostgreSQL and Redis are the ones at KONTAKT_TEST_POSTGRES / KONTAKT_TEST_REDIS (default 127.0.0.1)
when they answer, else throw-away servers the session starts itself (tests/fixtures/services.py).
"""
from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient

from tests.fixtures.services import libpq_url, postgres_server, redis_server  # noqa: F401  (pytest fixtures)


@pytest.fixture(scope="session")
def postgres_url(postgres_server):  # noqa: F811
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    import psycopg

    name = f"kontakt_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = libpq_url(postgres_server) + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{postgres_server}/{name}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url(redis_server):  # noqa: F811
    """The Redis the session's jobs go to (the configured one, or a throw-away one)."""
    return redis_server


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_databases") is not None
        metafunc.parametrize("backend", ["postgresql", "sqlite"] if both else ["postgresql"], indirect=True,
                             scope="session")


@pytest.fixture(scope="session")
def backend(request):
    return request.param


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as in production.

    The test body holds an app context for its database work; without this, requests
    would share its ``g`` (the logged-in user, the locale) and its session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _session_app(backend, request, tmp_path_factory):
    from flask_migrate import upgrade

    from helpdesk import create_app

    base = tmp_path_factory.mktemp(f"instance-{backend}")
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else f"sqlite:///{base / 'test.db'}"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": None,
        "ATTACHMENT_DIR": str(base / "attachments"),
        "OUTBOX_DIR": str(base / "outbox"),
        "KONTAKT_DEMO": False,  # also in a checkout where `make run` left its demo instance
        "SERVER_NAME": "localhost",
        # The contact form's defences, tested on their own (tests/helpdesk/intake/): off for the rest.
        "CONTACT_RATE_LIMITS": False,
        "CONTACT_MIN_FILL_SECONDS": 0,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(_session_app):
    """The app with an empty database holding only the shipped reference data."""
    from helpdesk.core.extensions import db, limiter
    from helpdesk.admin.services import ensure_reference_data

    with _session_app.app_context():
        limiter.reset()  # the login attempts of earlier tests (all from 127.0.0.1) do not count
        ensure_reference_data()
        yield _session_app
        db.session.remove()
        _empty_database(db)


def _empty_database(db, attempts: int = 3) -> None:
    from sqlalchemy.exc import OperationalError

    tables = [t.name for t in db.metadata.sorted_tables]
    try:
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                for name in reversed(tables):
                    conn.exec_driver_sql(f"DELETE FROM {name}")
    except OperationalError as exc:
        # A browser's last request (a page's poll) may still be running on the live server; the
        # deadlock detector stops the TRUNCATE rather than it, and once it is done the TRUNCATE can run.
        if attempts <= 1 or "deadlock" not in str(exc):
            raise
        _empty_database(db, attempts - 1)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_staff(app):
    """Factory: a member of staff created through the same service the admin screens use."""
    from helpdesk.staff.services import create_staff

    def make(email: str = None, *, role: str = "agent", password: str = "correct horse", **kwargs):
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@kontakt.test"
        return create_staff(email=email, name=kwargs.pop("name", email.split("@")[0].title()), role=role,
                            password=password, **kwargs)

    return make


def login(client, email: str, password: str = "correct horse"):
    """Log in through the real login form (with its CSRF token)."""
    page = client.get("/agent/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/agent/login", data={"email": email, "password": password, "csrf_token": token})


def csrf_token_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
