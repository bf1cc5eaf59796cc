"""Reference data the product ships with: the seed request categories and the two teams."""
from __future__ import annotations

from helpdesk.extensions import db
from helpdesk.models import Category, Team
from helpdesk.sla.policies import ensure_default_policies

TEAMS = [
    ("obsluga-klienta", "Obsługa klienta"),
    ("wsparcie-techniczne", "Wsparcie techniczne"),
]

CATEGORIES = [
    # slug, Polish, English, default team
    ("application-status", "Status wniosku", "Application status", "obsluga-klienta"),
    ("loan-terms", "Warunki pożyczki", "Loan terms", "obsluga-klienta"),
    ("payment-problems", "Problemy z płatnością", "Payment problems", "obsluga-klienta"),
    ("personal-data", "Zmiana danych osobowych", "Personal data changes", "obsluga-klienta"),
    ("technical-support", "Wsparcie techniczne", "Technical support", "wsparcie-techniczne"),
    ("complaints", "Reklamacje i sugestie", "Complaints and suggestions", "obsluga-klienta"),
]


def ensure_reference_data() -> bool:
    """Create the shipped teams and categories that are missing; True if anything was added."""
    added = False
    teams = {t.slug: t for t in db.session.scalars(db.select(Team))}
    for slug, name in TEAMS:
        if slug not in teams:
            teams[slug] = Team(slug=slug, name=name)
            db.session.add(teams[slug])
            added = True
    existing = set(db.session.scalars(db.select(Category.slug)))
    for slug, name_pl, name_en, team in CATEGORIES:
        if slug not in existing:
            db.session.add(Category(slug=slug, name_pl=name_pl, name_en=name_en, default_team=teams[team]))
            added = True
    ensure_default_policies()
    db.session.commit()
    return added
