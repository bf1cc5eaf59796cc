"""The filters every report takes (period, team, channel, category, agent), and who may use which."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
MAX_PERIOD_DAYS = 400
REPORT_ROLES = ("lead", "manager", "admin")


@dataclass(frozen=True)
class Filters:
    """A report's selection. Dates are local (Europe/Warsaw) and inclusive.

    ``teams`` limits a lead to their own teams (None: every team); ``team`` is the one chosen.
    """

    start: date
    end: date
    team: int | None = None
    channel: str | None = None
    category: int | None = None
    agent: int | None = None
    teams: tuple[int, ...] | None = field(default=None)

    @property
    def start_utc(self) -> datetime:
        return local_midnight(self.start)

    @property
    def end_utc(self) -> datetime:
        """The first instant after the period."""
        return local_midnight(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), WARSAW).astimezone(ZoneInfo("UTC"))


def default_period(today: date) -> tuple[date, date]:
    """The last 28 days up to today."""
    return today - timedelta(days=27), today
