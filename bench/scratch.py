"""A scratch PostgreSQL database for a benchmark: created, migrated, and dropped afterwards.

    with scratch_database() as (app, dsn):
        ...  # fill through dsn (psycopg), measure inside app.app_context()

PostgreSQL at 127.0.0.1:5432 with trust auth; KONTAKT_BENCH_POSTGRES overrides. BENCH_KEEP=1
keeps the database (its name is printed) for EXPLAIN afterwards; BENCH_REUSE=<name> measures
a kept database again (migrated to the latest revision, kept afterwards; `reused` tells the
benchmark to skip its fill).
"""
import json
import os
import uuid
from contextlib import contextmanager

import psycopg

SERVER = os.environ.get("KONTAKT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def reused() -> bool:
    """Whether the benchmark measures a kept database (BENCH_REUSE) instead of filling a new one."""
    return bool(os.environ.get("BENCH_REUSE"))


@contextmanager
def scratch_database():
    from flask_migrate import upgrade

    from helpdesk import create_app

    name = os.environ.get("BENCH_REUSE") or f"kontakt_bench_{uuid.uuid4().hex[:8]}"
    if not reused():
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "REDIS_URL": None, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        yield app, f"{SERVER}/{name}"
    finally:
        if os.environ.get("BENCH_KEEP") or reused():
            print(json.dumps({"kept_database": name}))
        else:
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
