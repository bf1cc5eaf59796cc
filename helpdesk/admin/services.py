"""Reference data the product ships with: the seed request categories, the two teams and the calendars."""
from __future__ import annotations

from helpdesk.core.extensions import db
from helpdesk.models import Category, Team
from helpdesk.calendars.services import ensure_shipped_calendars
from helpdesk.phone.services import ensure_default_lines
from helpdesk.sla.services.policies import ensure_default_policies
from routing import defaults

# English names of the shipped categories; slugs, Polish names and teams come from routing.defaults.
CATEGORY_NAMES_EN = {
    "application-status": "Application status",
    "loan-terms": "Loan terms",
    "payment-problems": "Payment problems",
    "personal-data": "Personal data changes",
    "technical-support": "Technical support",
    "complaints": "Complaints and suggestions",
}


def ensure_reference_data() -> bool:
    """Create the shipped teams, categories, calendars, SLA policies and phone lines that are missing; True if
    anything was added (of the first three)."""
    added = False
    teams = {t.slug: t for t in db.session.scalars(db.select(Team))}
    for slug, name in defaults.TEAMS.items():
        if slug not in teams:
            teams[slug] = Team(slug=slug, name=name)
            db.session.add(teams[slug])
            added = True
    existing = set(db.session.scalars(db.select(Category.slug)))
    for slug, name_pl in defaults.CATEGORIES.items():
        if slug not in existing:
            db.session.add(Category(slug=slug, name_pl=name_pl, name_en=CATEGORY_NAMES_EN[slug],
                                    default_team=teams[defaults.TEAM_OF[slug]]))
            added = True
    added |= ensure_shipped_calendars()
    ensure_default_policies()  # policies name calendars, so they come after them
    db.session.flush()
    ensure_default_lines()  # lines name teams
    db.session.commit()
    return added
