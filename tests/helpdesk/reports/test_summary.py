"""The reports' summary tables follow their sources: after each kind of change made through the
services the app uses, the summary agrees with the tickets, clocks and history, and with a rebuild
from scratch; a lost refresh is repaired by the minute sweep; the percentiles read from the cells
equal PostgreSQL's percentile_cont. Real PostgreSQL."""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from helpdesk.core import periodic
from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.sla import SlaClock, SlaEvent
from helpdesk.reports import services, summary
from helpdesk.reports.filters import Filters
from helpdesk.sla.services import alerts
from helpdesk.tickets import services as tickets
from tests.helpdesk.reports.conftest import contact, customer_writes, local

TABLES = ("report_tickets", "report_clocks", "report_solves")


def rows() -> dict:
    return {table: sorted(tuple(r) for r in db.session.execute(text(f"SELECT * FROM {table}"))) for table in TABLES}


def pending() -> list[int]:
    return db.session.scalars(text("SELECT ticket_id FROM report_pending ORDER BY ticket_id")).all()


def assert_follows() -> None:
    """Nothing left pending by the refreshes after the commits, the summary what the sources say,
    and what a rebuild from scratch makes."""
    db.session.rollback()
    assert pending() == []
    incremental = rows()
    ticket_facts = {r[0]: r for r in db.session.execute(text(
        "SELECT ticket_id, status, channel, category_id, team_id, assignee_id, customer_id FROM report_tickets"))}
    assert ticket_facts == {t.id: (t.id, t.status, t.channel, t.category_id, t.team_id, t.assignee_id, t.customer_id)
                            for t in db.session.scalars(db.select(Ticket))}
    clock_facts = {(r[0], r[1]): r[2:] for r in db.session.execute(text(
        "SELECT ticket_id, name, policy_name, stopped, running, breached, due_at, seconds, team_id FROM report_clocks"))}
    assert clock_facts == {
        (c.ticket_id, c.name): (c.policy_name, c.stopped, c.running_since is not None, c.breached_at is not None,
                                c.due_at and c.due_at.replace(tzinfo=None), c.accumulated_seconds,
                                db.session.get(Ticket, c.ticket_id).team_id)
        for c in db.session.scalars(db.select(SlaClock))}
    solves = db.session.scalars(db.select(SlaEvent.ticket_id).where(
        SlaEvent.action == "stop", SlaEvent.clock == "resolution", SlaEvent.reason == "status solved")).all()
    assert sorted(r[1] for r in incremental["report_solves"]) == sorted(solves)
    assert_cells_count_the_stopped_clocks()
    summary.rebuild()
    assert rows() == incremental
    assert_cells_count_the_stopped_clocks()


def assert_cells_count_the_stopped_clocks() -> None:
    cells = {tuple(r[:3]): tuple(r[3:]) for r in db.session.execute(text(
        "SELECT name, day, bucket, clocks, seconds FROM report_clock_cells"))}
    counted = {tuple(r[:3]): tuple(r[3:]) for r in db.session.execute(text(
        "SELECT name, day, bucket, count(*), sum(seconds) FROM report_clocks WHERE stopped GROUP BY 1, 2, 3"))}
    assert cells.keys() == counted.keys()
    for key, (clocks, seconds) in cells.items():
        assert clocks == counted[key][0] and seconds == pytest.approx(counted[key][1])


def further_contact(ticket_id: int) -> datetime | None:
    """The ticket's first further contact (stored as UTC without an offset)."""
    at = db.session.scalar(text("SELECT further_contact_at FROM report_tickets WHERE ticket_id = :id"),
                           {"id": ticket_id})
    return at and at.replace(tzinfo=timezone.utc)


def test_the_summary_follows_every_kind_of_change(app, now, make_staff):
    from helpdesk.calendars.services import add_exception

    agent = make_staff(teams=["obsluga-klienta"])
    other = make_staff(teams=["wsparcie-techniczne"])
    now(local(2026, 12, 7, 9, 0))
    first = contact(email="anna@example.pl")  # opened
    second = contact(email="bartek@example.pl", category="technical-support")
    assert_follows()
    now(local(2026, 12, 7, 10, 0))
    tickets.reply(first.id, agent, "Odpowiedź.")  # first response stopped
    customer_writes(first, email="anna@example.pl")  # next response started; a second message
    assert_follows()
    assert further_contact(first.id) == local(2026, 12, 7, 10, 0)
    tickets.update_fields(second.id, agent, category="complaints", team="obsluga-klienta",
                          assignee_id=other.id)  # re-categorised, handed over
    assert_follows()
    now(local(2026, 12, 7, 11, 0))
    tickets.change_status(first.id, agent, "solved")
    tickets.change_status(first.id, agent, "open")  # reopened
    tickets.change_status(first.id, agent, "solved")
    assert_follows()
    assert db.session.scalar(text("SELECT count(*) FROM report_solves WHERE ticket_id = :id"), {"id": first.id}) == 2
    now(local(2026, 12, 9, 12, 0))
    alerts.sweep()  # the second ticket's first response breaches (no commit signal: the minute sweep)
    periodic.sweep()
    assert_follows()
    assert db.session.scalar(text("SELECT breached FROM report_clocks WHERE ticket_id = :id AND name = 'first_response'"),
                             {"id": second.id})
    add_exception("working-days", title="Wigilia firmowa", start=date(2026, 12, 10), actor=None)  # deadlines move
    assert_follows()
    now(local(2026, 12, 10, 9, 0))
    third = contact(email="bartek@example.pl", category="complaints")  # the customer again, same category
    assert_follows()
    assert further_contact(second.id) == local(2026, 12, 10, 9, 0)  # the earlier ticket's summary changed too
    tickets.merge(third.id, second.id, agent)  # messages move, the source is closed
    assert_follows()
    with db.engine.begin() as conn:  # a change no service makes: the triggers see it all the same
        conn.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": third.id})
    summary.refresh()
    assert_follows()


def test_a_missed_call_opens_a_callback_ticket_the_summary_follows(app, now, client, monkeypatch):
    from tests.helpdesk.phone.conftest import TOKEN, Pbx

    monkeypatch.setitem(app.config, "PHONE_WEBHOOK_TOKEN", TOKEN)
    at = now(local(2026, 12, 7, 10, 0))
    Pbx(client).call("missed", [("newCall", at, {}), ("hangup", at + timedelta(seconds=40), {"cause": "cancel"})],
                     caller="+48501234567")
    assert db.session.scalar(text("SELECT count(*) FROM report_clocks WHERE policy_name = 'phone-callback'"
                                  " AND name = 'first_response'")) == 1
    assert_follows()


@pytest.mark.parametrize("fault", ["redis down", "worker killed"])
def test_a_lost_refresh_is_repaired_by_the_minute_sweep(app, now, make_staff, redis_url, monkeypatch, fault):
    agent = make_staff()
    now(local(2026, 12, 7, 9, 0))
    ticket = contact()
    assert_follows()
    # The refresh the commit asks for is lost: Redis cannot be reached, or the job is queued and the
    # worker that took it is gone (no worker runs here).
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0" if fault == "redis down" else redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"kontakt-test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    tickets.change_status(ticket.id, agent, "solved")
    if fault == "worker killed":
        conn = app.extensions["kontakt_redis"]
        for key in [f"rq:queue:{app.config['RQ_QUEUE']}", *conn.scan_iter(f"{app.config['RQ_QUEUE']}:*")]:
            conn.delete(key)
    app.config["REDIS_URL"] = None
    app.extensions.pop("kontakt_redis", None)
    assert pending() == [ticket.id]
    assert db.session.scalar(text("SELECT status FROM report_tickets WHERE ticket_id = :id"), {"id": ticket.id}) == "new"
    periodic.sweep()
    assert_follows()
    assert db.session.scalar(text("SELECT status FROM report_tickets WHERE ticket_id = :id"),
                             {"id": ticket.id}) == "solved"


def test_a_report_brings_the_summary_up_to_date_before_it_reads(app, now, make_staff, monkeypatch):
    agent = make_staff()
    now(local(2026, 12, 7, 9, 0))
    ticket = contact()
    monkeypatch.setattr("helpdesk.reports.area.jobs.enqueue_once", lambda func, **_: None)  # every job lost
    tickets.change_status(ticket.id, agent, "solved")
    assert pending() == [ticket.id]
    flow = services.backlog(Filters(start=date(2026, 12, 7), end=date(2026, 12, 7))).table("flow").as_dicts()
    assert (flow[0]["created"], flow[0]["solved"]) == (1, 1)
    assert pending() == []


def test_percentiles_from_the_cells_equal_percentile_cont(app, now):
    """Thousands of clocks with working times of every size, many equal: the median and 90th
    percentile of every group, read from the cells, are PostgreSQL's own."""
    now(local(2026, 12, 7, 9, 0))
    ticket = contact()
    rng = random.Random(17)
    values = [round(rng.expovariate(1 / 30000), rng.choice((0, 3))) for _ in range(3000)] + [3600.0] * 50 + [0.0] * 5
    db.session.execute(text("ALTER TABLE report_clocks DROP CONSTRAINT report_clocks_pkey"))  # many rows a ticket
    for i, seconds in enumerate(values):
        day = date(2026, 11, 1) + timedelta(days=i % 30)
        db.session.execute(text(f"""
            INSERT INTO report_clocks (ticket_id, name, policy_name, day, week, channel, team_id, stopped, running,
                                       breached, target_seconds, seconds, bucket, earlier_met, earlier_breached)
            VALUES (:ticket, :name, 'p', :day, date_trunc('week', CAST(:day AS date))::date, 'email', :team, true,
                    false, false, 0, :seconds, {summary.cell("CAST(:seconds AS float8)")}, 0, 0)"""),
                           {"ticket": ticket.id, "name": f"clock{i % 3}", "day": day, "team": 1 + i % 2,
                            "seconds": seconds})
    for unit, f in (("week", Filters(start=date(2026, 11, 1), end=date(2026, 11, 30))),
                    ("day", Filters(start=date(2026, 11, 3), end=date(2026, 11, 20), team=2))):
        where, params = services._where(f)
        expected = {(r[0], r[1]): r[2] for r in db.session.execute(text(f"""
            SELECT name, period, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds)
            FROM (SELECT r.name, r.{unit} AS period, r.seconds FROM report_clocks r
                  WHERE r.name LIKE 'clock%' AND {where}) x
            GROUP BY GROUPING SETS ((name), (name, period))"""), params)}
        found = {(r[0], r[1]): r[3] for r in services._times(where + " AND r.name LIKE 'clock%'", params, unit)}
        assert found == expected and len(found) > 10
        if f.team is None:  # the whole centre: the same from the clocks the trigger counted per day and cell
            counted = services._times(where + " AND r.name LIKE 'clock%'", params, unit, counted=True)
            assert {(r[0], r[1]): r[3] for r in counted} == expected
    db.session.rollback()
