"""Flask extensions, bound to the app in the factory."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.exc import OperationalError
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
    return _insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def upsert(table, index_elements: list, update: tuple[str, ...], *, bind=None):
    """An INSERT into ``table`` that, where a row with the same ``index_elements`` exists, sets
    that row's ``update`` columns to the new values instead (``bind``: another session's or
    connection's database than the app session's)."""
    statement = _insert(table, bind)
    return statement.on_conflict_do_update(index_elements=index_elements,
                                           set_={column: statement.excluded[column] for column in update})


def _insert(table, bind=None):
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if (bind or db.session.get_bind()).dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def execute_autocommit(statement, params: dict):
    """Run one statement on its own, committed as it runs: one round trip to PostgreSQL, for
    the busiest single-statement writes (a PBX's call events). Returns its rows.

    On PostgreSQL each thread keeps a driver connection of its own, out of an autocommit
    engine's pool, and runs the statement compiled once, without SQLAlchemy's execution
    machinery (which cost more CPU than the driver). A connection the database dropped
    meanwhile is found by the statement failing, and the statement is tried once more on a
    new one (so only for a statement whose repeat does no harm: the reply to one that
    committed may be what was lost). SQLite, the demo's, has one writer: the app's engine.
    """
    from flask import current_app

    held = current_app.extensions.get("kontakt_autocommit")
    if held is None:
        held = current_app.extensions["kontakt_autocommit"] = _Autocommit(db.engine)
    return held.execute(statement, params)


class _Autocommit:
    """What `execute_autocommit` keeps per app: its engine, the compiled statements, each thread's connection."""

    def __init__(self, engine):
        import threading

        from sqlalchemy import create_engine

        self.postgresql = engine.dialect.name == "postgresql"
        # pre_ping: a thread checks a connection out once and keeps it, so the ping is rare, and
        # it keeps the retry from being handed another connection the database has dropped
        # (the pool holds those of threads that ended).
        self.engine = (create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_size=10, max_overflow=10,
                                     pool_pre_ping=True)
                       if self.postgresql else engine.execution_options(isolation_level="AUTOCOMMIT"))
        self.compiled: dict = {}
        self.local = threading.local()

    def execute(self, statement, params: dict):
        if not self.postgresql:
            with self.engine.connect() as conn:
                return conn.execute(statement, params).all()
        sql, processors = self.compiled.get(statement) or self._compile(statement)
        values = {name: process(params[name]) if process else params[name] for name, process in processors}
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            try:
                if conn is None:
                    conn = self.local.conn = self.engine.raw_connection()
                    conn.driver_connection.autocommit = True
                with conn.driver_connection.cursor() as cursor:
                    cursor.execute(sql, values)
                    return cursor.fetchall()
            except self.engine.dialect.loaded_dbapi.OperationalError as error:  # SQLAlchemy's, as elsewhere
                if conn is not None:
                    self.local.conn = None
                    conn.invalidate()
                if attempt == 2:
                    raise OperationalError(sql, values, error) from error

    def _compile(self, statement):
        compiled = statement.compile(dialect=self.engine.dialect)
        processors = [(compiled.bind_names[bind], bind.type.bind_processor(self.engine.dialect))
                      for bind in compiled.binds.values()]
        self.compiled[statement] = str(compiled), processors
        return self.compiled[statement]
