"""Staff accounts."""
from __future__ import annotations

from helpdesk.web.auth import hash_password
from helpdesk.core.extensions import db
from helpdesk.models import Category, Team, User


def create_staff(*, email: str, name: str, role: str, password: str, teams: list[str] = (),
                 skills: list[str] = (), languages: list[str] = ("pl",), presence: str = "offline",
                 capacity: dict | None = None, shift_calendar: str | None = None) -> User:
    """Create a member of staff with teams and skills given by slug; commits."""
    user = User(email=email.strip().lower(), name=name, role=role, password_hash=hash_password(password),
                languages=list(languages), presence=presence, shift_calendar=shift_calendar,
                capacity=capacity or {"email": 10, "webform": 10, "phone": 3})
    user.teams = list(db.session.scalars(db.select(Team).where(Team.slug.in_(list(teams)))))
    user.skills = list(db.session.scalars(db.select(Category).where(Category.slug.in_(list(skills)))))
    db.session.add(user)
    db.session.commit()
    return user
