"""The reports' summary: one narrow row per ticket, per SLA clock and per solve, with the ticket's
facts the reports filter and group by, so a year of reports reads these and joins nothing.

Derived from the tickets, their SLA clocks and history and their messages by
`helpdesk.reports.summary` (the same query rebuilds all and refreshes a few); triggers of
migration 0014_reports put the id of every ticket whose sources change in `report_pending`
in the changing transaction, and the refresh works that list off.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.core.extensions import db
from helpdesk.models.types import UTCDateTime


class ReportTicket(db.Model):
    """A ticket as the reports see it: when it was opened (local day and hour), where it belongs, and
    when the customer next came back about the same thing (first-contact resolution)."""

    __tablename__ = "report_tickets"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date]  # opened on, Europe/Warsaw
    weekday: Mapped[int] = mapped_column(SmallInteger)  # ISO: Monday 1
    hour: Mapped[int] = mapped_column(SmallInteger)  # opened at, local hour
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int | None]
    team_id: Mapped[int | None]
    assignee_id: Mapped[int | None]
    customer_id: Mapped[int | None]
    # The first further contact: the customer's next ticket in the category, or their second message
    # on this one, whichever came first.
    further_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportClock(db.Model):
    """An SLA clock with its ticket's facts; a next-response clock also counts its earlier cycles."""

    __tablename__ = "report_clocks"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    policy_name: Mapped[str] = mapped_column(String(64))
    day: Mapped[date]  # the ticket opened on, Europe/Warsaw
    week: Mapped[date]  # the Monday of that day
    channel: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int | None]
    team_id: Mapped[int | None]
    assignee_id: Mapped[int | None]
    stopped: Mapped[bool]
    running: Mapped[bool]
    breached: Mapped[bool]  # a breach recorded on the clock
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    target_seconds: Mapped[int]
    seconds: Mapped[float]  # working time counted
    bucket: Mapped[int] = mapped_column(SmallInteger)  # its cell (reports.summary.CELL_BOUNDS)
    earlier_met: Mapped[int] = mapped_column(default=0)
    earlier_breached: Mapped[int] = mapped_column(default=0)


class ReportClockCell(db.Model):
    """The stopped clocks of one cell of working time opened on one day, counted: what the response
    times of the whole contact centre are read from (the report_clocks rows of a year are millions)."""

    __tablename__ = "report_clock_cells"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    clocks: Mapped[int]
    seconds: Mapped[float]  # their working time together


class ReportSolve(db.Model):
    """One time a ticket was solved (its resolution clock stopped by the status), on its local day."""

    __tablename__ = "report_solves"
    event_id: Mapped[int] = mapped_column(primary_key=True)  # the SLA history's stop
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    channel: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int | None]
    team_id: Mapped[int | None]
    assignee_id: Mapped[int | None]


class ReportPending(db.Model):
    """A ticket whose summary rows are behind its sources."""

    __tablename__ = "report_pending"
    ticket_id: Mapped[int] = mapped_column(primary_key=True)


Index("ix_report_tickets_day", ReportTicket.day)
Index("ix_report_clocks_day", ReportClock.day)
# The stopped clocks of one cell of one day (or week, or period): where a percentile is read.
Index("ix_report_clocks_cells", ReportClock.name, ReportClock.bucket, ReportClock.day, ReportClock.seconds,
      postgresql_include=["channel", "category_id", "team_id", "assignee_id"],
      postgresql_where=ReportClock.stopped, sqlite_where=ReportClock.stopped)
# The e-mail promise's clocks (a quarter of them), read without the rest.
Index("ix_report_clocks_promise", ReportClock.week,
      postgresql_include=["day", "stopped", "seconds", "breached", "due_at", "target_seconds", "category_id", "team_id",
                          "assignee_id"],
      postgresql_where=(ReportClock.name == "first_response") & (ReportClock.channel == "email"),
      sqlite_where=(ReportClock.name == "first_response") & (ReportClock.channel == "email"))
Index("ix_report_solves_day", ReportSolve.day)
