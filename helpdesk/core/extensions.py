"""Flask extensions, bound to the app in the factory."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
# Attempt limits (staff login): counted in Redis (REDIS_URL) so every web process shares them,
# in memory without it, and in memory too while Redis is away (see config.DEFAULTS).
limiter = Limiter(key_func=get_remote_address)


def per_transaction(key: str) -> dict:
    """A dict that lives as long as the session's current transaction (empty outside one).

    For lookups that many rows of one transaction repeat (a calendar's version, an SLA
    policy): the transaction sees one state of them, and a new one reads them afresh.
    """
    session = db.session()
    transaction = session.get_transaction()
    if transaction is None:
        return {}
    held = session.info.get("kontakt_per_transaction")
    if held is None or held[0] is not transaction:
        held = session.info["kontakt_per_transaction"] = (transaction, {})
    return held[1].setdefault(key, {})


def forget_per_transaction() -> None:
    """Drop what `per_transaction` holds, after rolling back to a savepoint: it may name rows
    that are no longer there."""
    db.session().info.pop("kontakt_per_transaction", None)


def insert_ignoring_conflicts(table, *index_elements: str):
    """An INSERT into ``table`` that skips rows whose ``index_elements`` already exist (PostgreSQL
    and SQLite say it differently)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def execute_autocommit(statement, params: dict):
    """Run one statement on its own, committed as it runs: one round trip to PostgreSQL, for
    the busiest single-statement writes (a PBX's call events). Its engine skips the ping before
    each use; a connection the database dropped meanwhile is found by the statement failing,
    and the statement is tried once more on a new one (so only for a statement whose repeat
    does no harm: the reply to one that committed may be what was lost). Returns its rows."""
    from flask import current_app
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    engine = current_app.extensions.get("kontakt_autocommit_engine")
    if engine is None:
        engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        if db.engine.dialect.name == "postgresql":  # (SQLite, the demo's, has one writer: the app's engine)
            engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_size=10, max_overflow=10)
        current_app.extensions["kontakt_autocommit_engine"] = engine
    for attempt in (1, 2):
        try:
            with engine.connect() as conn:
                return conn.execute(statement, params).all()
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
