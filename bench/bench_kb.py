"""Help pages speed: search and suggestions on PostgreSQL full text, and the public pages.

Run: python bench/bench_kb.py [ARTICLES]   (default 2000 besides the 7 shipped, in Polish)

Needs PostgreSQL at 127.0.0.1:5432 (trust auth), or KONTAKT_TEST_POSTGRES. Creates and drops its
own database. Prints, each as the median of its calls and calls per second in one thread:

* search: `kb.services.search` for typical customer queries (no diacritics, inflected words);
* suggestions: `kb.services.suggest` for a subject and a description as the contact form sends them;
Generated articles use 20,000 made-up words and three of the real ones each, so a query's words
are in a realistic share of the articles (about one in eight for each real word).

* pages: GET /pomoc/<slug> and GET /pomoc/?q=… through the Flask test client (templates, one
  database round trip for the article).
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES = os.environ.get("KONTAKT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
QUERIES = ["zapomniane haslo", "nie moge sie zalogowac", "harmonogram splat", "zmiana adresu",
           "przelew weryfikacyjny nie przeszedl", "godziny infolinii", "konto zablokowane po kilku probach",
           "co przygotowac przed rozmowa PESEL"]
WORDS = ("rata spłata umowa konto hasło przelew wniosek pożyczka termin opłata dokument adres telefon "
         "logowanie aplikacja zgoda reklamacja faktura odsetki prowizja weryfikacja karta rachunek").split()


def timed(func, rounds: int) -> tuple[float, float]:
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        func(n)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, rounds / sum(times)


def main(count: int) -> None:
    import psycopg

    name = f"kontakt_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=f"{POSTGRES}/{name}", SECRET_KEY="bench", KONTAKT_INSTANCE=f"/tmp/{name}")
    try:
        run(count)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(count: int) -> None:
    from flask_migrate import upgrade

    from helpdesk import create_app
    from helpdesk.admin.services import ensure_reference_data
    from helpdesk.core.extensions import db
    from helpdesk.kb import services

    app = create_app({"SERVER_NAME": "localhost"})
    rng = random.Random(18)
    with app.app_context():
        upgrade()
        ensure_reference_data()
        services.ensure_shipped()
        # A vocabulary as varied as real articles': made-up words, and each article a few of the real ones.
        syllables = [a + b for a in "bcdfgjklmnprstwz" for b in ("a", "e", "i", "o", "u", "y", "ie", "ą", "ę", "ó")]
        vocabulary = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(20000)]
        started = time.perf_counter()
        for n in range(count):
            body = " ".join([rng.choice(vocabulary) for _ in range(rng.randint(80, 250))] + rng.sample(WORDS, 3))
            services.save(article_id=None, language="pl", title=f"Artykuł {n}: {' '.join(rng.sample(WORDS, 3))}",
                          body_md=body, keywords=", ".join(rng.sample(WORDS, 4)), actor=None, publish=True)
        print(f"writing: {count} articles saved and published in {time.perf_counter() - started:.1f} s")
        db.session.execute(db.text("ANALYZE kb_translations"))
        db.session.commit()
        ms, rate = timed(lambda n: services.search(QUERIES[n % len(QUERIES)], "pl"), 400)
        print(f"search:      {ms:6.2f} ms median, {rate:7.0f}/s  ({count + 7} Polish articles)")
        ms, rate = timed(lambda n: services.suggest("Nie mogę się zalogować", "Po kilku próbach konto jest "
                                                    "zablokowane, a link do zmiany hasła nie przychodzi.", "pl",
                                                    "technical-support"), 400)
        print(f"suggestions: {ms:6.2f} ms median, {rate:7.0f}/s")
        slugs = [hit.slug for q in QUERIES for hit in services.search(q, "pl", limit=3)]
        db.session.remove()
    client = app.test_client()
    ms, rate = timed(lambda n: client.get(f"/pomoc/{slugs[n % len(slugs)]}"), 400)
    print(f"article page: {ms:6.2f} ms median, {rate:6.0f}/s")
    ms, rate = timed(lambda n: client.get(f"/pomoc/?q={QUERIES[n % len(QUERIES)]}"), 400)
    print(f"search page:  {ms:6.2f} ms median, {rate:6.0f}/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
