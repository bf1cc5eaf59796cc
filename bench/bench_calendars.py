"""Print what a stored calendar costs: get_calendar from the cache, after a change, and the contact page.

Run from the repository root: python bench/bench_calendars.py [database-url]
(default: a fresh SQLite file; pass e.g. postgresql+psycopg://postgres@127.0.0.1:5432/DB for PostgreSQL).
"""
from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.admin.services import ensure_reference_data  # noqa: E402
from helpdesk.models.types import utcnow  # noqa: E402
from helpdesk.calendars import services as calendars  # noqa: E402


def per_call(func, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        func()
    return (time.perf_counter() - started) / rounds


def main() -> None:
    folder = tempfile.mkdtemp()
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder}/bench.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                      "ATTACHMENT_DIR": folder})
    with app.app_context():
        upgrade()
        ensure_reference_data()
        now = utcnow()
        calendars.get_calendar("contact-centre").is_open(now)
        hit = per_call(lambda: calendars.get_calendar("contact-centre").is_open(now), 2000)

        day = iter(date(2030, 1, 1) + timedelta(days=2 * k) for k in range(1000))

        def change_then_load():
            calendars.add_exception("contact-centre", title="bench", start=next(day), actor=None)
            calendars.get_calendar("contact-centre").is_open(now)

        changed = per_call(change_then_load, 50)
    client = app.test_client()
    client.get("/contact")
    page = per_call(lambda: client.get("/contact"), 200)
    print(f"database: {url.split(':')[0]}")
    print(f"get_calendar + is_open, cached:            {hit * 1e6:8.0f} µs per call")
    print(f"add_exception + recompile + is_open:       {changed * 1e3:8.1f} ms per change")
    print(f"GET /contact with the opening hours:       {page * 1e3:8.1f} ms per page")


if __name__ == "__main__":
    main()
