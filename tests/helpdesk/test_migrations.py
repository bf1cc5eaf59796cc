"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from helpdesk.core.extensions import db


@pytest.mark.both_databases
def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []


@pytest.mark.both_databases
def test_demo_data_loads_once(app):
    from helpdesk.demo.services import load_demo_data
    from helpdesk.models import Ticket, User

    assert load_demo_data() is True
    counts = (db.session.scalar(db.select(db.func.count()).select_from(Ticket)),
              db.session.scalar(db.select(db.func.count()).select_from(User)))
    assert load_demo_data() is False
    assert counts == (db.session.scalar(db.select(db.func.count()).select_from(Ticket)),
                      db.session.scalar(db.select(db.func.count()).select_from(User)))
    assert counts[0] >= 30 and {t.status for t in db.session.scalars(db.select(Ticket))} >= {"new", "open",
                                                                                                "waiting", "closed"}
