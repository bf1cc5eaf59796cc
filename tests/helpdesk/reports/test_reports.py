"""Manager reports on a hand-built week: tickets opened, answered, paused, solved and breached
through the same services the app uses (intake, replies, status changes, the SLA sweep), then
each report's figures checked against answers worked out here. Real PostgreSQL."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk.core.extensions import db
from helpdesk.reports import services
from helpdesk.reports.filters import Filters
from helpdesk.tickets import services as tickets
from helpdesk.sla.services import alerts, clocks
from tests.conftest import login
from tests.helpdesk.reports.conftest import contact, customer_writes, local

WARSAW = ZoneInfo("Europe/Warsaw")
H = 3600
# Tables carry labels in the language of the request (Polish outside one): lazy strings, read when compared.
FIRST, NEXT, RESOLUTION = (clocks.CLOCK_LABELS[name] for name in ("first_response", "next_response", "resolution"))


def sweep() -> None:
    """The minute sweep records the breaches that have come due."""
    alerts.sweep()


WEEK = Filters(start=date(2026, 12, 7), end=date(2026, 12, 13))


@pytest.fixture
def week(app, now, make_staff):
    """Five tickets in the week of Monday 7 December 2026 (working-days calendar: Mon–Fri, 24 h):

    t1 e-mail: answered after 2 h; two next-response cycles, the first met, the second breached; solved
       after 50 working hours.
    t2 e-mail: first answered after 49 working hours (breached, recorded by the sweep).
    t3 e-mail: set to waiting after 1 h (both clocks paused).
    t4 phone: a callback due within 2 h of contact-centre time, overdue, not yet recorded by any sweep.
    t5 e-mail: opened an hour before "now", its first response running.
    "Now" is Thursday 10 December, 15:00.
    """
    agent = make_staff(teams=["obsluga-klienta"])
    now(local(2026, 12, 8, 10, 0))
    t1 = contact()
    t2 = contact(category="technical-support", email="inny@example.pl")
    now(local(2026, 12, 8, 11, 0))
    t3 = contact(email="trzeci@example.pl")
    now(local(2026, 12, 8, 12, 0))
    tickets.reply(t1.id, agent, "Oprocentowanie wynosi 10%.")
    tickets.change_status(t3.id, agent, "waiting")
    now(local(2026, 12, 8, 13, 0))
    customer_writes(t1)
    now(local(2026, 12, 8, 14, 0))
    tickets.reply(t1.id, agent, "Odpowiadam na drugie pytanie.")
    now(local(2026, 12, 8, 15, 0))
    customer_writes(t1, text="I jeszcze jedno.")
    now(local(2026, 12, 10, 11, 0))
    sweep()  # t2's first response (due Wed 10:00) and t1's next response (due Wed 15:00) breach
    tickets.reply(t2.id, agent, "Przepraszamy za zwłokę.")
    now(local(2026, 12, 10, 11, 30))
    tickets.reply(t1.id, agent, "Odpowiedź na trzecie pytanie.")
    now(local(2026, 12, 10, 12, 0))
    tickets.change_status(t1.id, agent, "solved")
    t4 = contact(channel="phone", category=None)
    now(local(2026, 12, 10, 14, 0))
    t5 = contact(email="piaty@example.pl")
    now(local(2026, 12, 10, 15, 0))
    db.session.expire_all()
    return {"t1": t1.id, "t2": t2.id, "t3": t3.id, "t4": t4.id, "t5": t5.id, "agent": agent}


def rows_of(table) -> dict:
    return {(r["policy"], r["clock"]): r for r in table.as_dicts()}


def test_sla_attainment_agrees_with_the_clocks_the_history_and_the_queue(week):
    report = services.sla_attainment(WEEK)
    rows = rows_of(report.table("attainment"))
    first = rows[("email-first-response", FIRST)]
    assert (first["met"], first["breached"], first["running"], first["paused"]) == (1, 1, 1, 1)
    assert first["met_share"] == 0.25 and first["attainment"] == 0.5
    nxt = rows[("email-first-response", NEXT)]  # t1's two cycles: one met, one breached
    assert (nxt["met"], nxt["breached"], nxt["running"], nxt["paused"]) == (1, 1, 0, 0)
    resolution = rows[("email-first-response", RESOLUTION)]
    assert (resolution["met"], resolution["breached"], resolution["running"], resolution["paused"]) == (1, 0, 2, 1)
    callback = rows[("phone-callback", FIRST)]  # overdue, shown as breached as in the queue
    assert (callback["met"], callback["breached"], callback["running"], callback["paused"]) == (0, 1, 0, 0)
    breaches = report.table("breaches").as_dicts()
    assert sorted((b["ticket"], b["clock"]) for b in breaches) == sorted([
        (week["t2"], FIRST), (week["t1"], NEXT), (week["t4"], FIRST)])
    total_breached = sum(r["breached"] for r in report.table("attainment").as_dicts())
    assert total_breached == len(breaches)


def test_sla_attainment_by_team_and_filters(week, app):
    report = services.sla_attainment(WEEK, by="team")
    groups = {(r["clock"], r["group"]): r for r in report.table("attainment").as_dicts()
              if r["policy"] == "email-first-response"}
    # t2 (technical support) is the breached first response; t1, t3 and t5 are customer service's
    assert groups[(FIRST, "Wsparcie techniczne")]["breached"] == 1
    assert groups[(FIRST, "Obsługa klienta")]["met"] == 1
    phone_only = services.sla_attainment(Filters(start=WEEK.start, end=WEEK.end, channel="phone"))
    assert [(r["policy"], r["clock"]) for r in phone_only.table("attainment").as_dicts()] == [
        ("phone-callback", FIRST), ("phone-callback", RESOLUTION)]
    later = services.sla_attainment(Filters(start=date(2026, 12, 14), end=date(2026, 12, 20)))
    assert later.table("attainment").rows == [] and later.table("breaches").rows == []


def test_response_times_in_working_time(week):
    report = services.response_times(WEEK, trend="day")
    summary = {r["clock"]: r for r in report.table("summary").as_dicts()}
    first = summary[FIRST]  # t1 after 2 h, t2 after 49 h (Tue 10:00 → Thu 11:00)
    assert first["count"] == 2
    assert first["median"] == pytest.approx((2 * H + 49 * H) / 2)
    assert first["p90"] == pytest.approx(2 * H + 0.9 * 47 * H)
    assert first["mean"] == pytest.approx(25.5 * H)
    assert summary[RESOLUTION]["median"] == pytest.approx(50 * H)  # t1: Tue 10:00 → Thu 12:00
    assert summary[NEXT]["median"] == pytest.approx(44.5 * H)  # Tue 15:00 → Thu 11:30
    buckets = {r["clock"]: r for r in report.table("distribution").as_dicts()}[FIRST]
    assert [buckets[f"bucket{i}"] for i in range(5)] == [0, 1, 0, 0, 1]
    trend = report.table("trend").as_dicts()
    assert [(r["period"], r["clock"], r["count"]) for r in trend if r["clock"] == FIRST] == [
        (date(2026, 12, 8), FIRST, 2)]


def test_the_email_promise_per_week(week):
    promise = services.response_times(WEEK).table("promise").as_dicts()
    # t1 kept, t2 missed, t3 (paused) and t5 (running, within 24 h) not decided; t4 is a phone call
    assert promise == [{"week": date(2026, 12, 7), "tickets": 4, "kept": 1, "missed": 1, "waiting": 2,
                        "share": 0.5}]


def test_backlog_by_age_and_status_and_created_against_solved(week):
    report = services.backlog(WEEK)
    rows = report.table("open").as_dicts()  # new, open, waiting, then all open
    new, opened, waiting, everything = rows
    assert new["age0"] == 2 and new["total"] == 2  # t4, t5: today
    assert opened["age1"] == 1 and opened["total"] == 1  # t2: 2 days 5 h
    assert waiting["age1"] == 1 and waiting["total"] == 1
    assert everything["total"] == 4 and everything["age0"] == 2 and everything["age1"] == 2
    flow = {r["day"]: r for r in report.table("flow").as_dicts()}
    assert len(flow) == 7
    assert (flow[date(2026, 12, 8)]["created"], flow[date(2026, 12, 8)]["solved"]) == (3, 0)
    assert (flow[date(2026, 12, 10)]["created"], flow[date(2026, 12, 10)]["solved"]) == (2, 1)
    assert flow[date(2026, 12, 10)]["difference"] == 1


def test_volume_heatmap_by_weekday_and_hour_in_local_time(week):
    report = services.volume(WEEK)
    email = {r["weekday"]: r for r in report.table("heatmap-email").as_dicts()}
    names = services._weekday_names()
    tuesday, thursday = email[names[1]], email[names[3]]
    assert (tuesday["h10"], tuesday["h11"], tuesday["total"]) == (2, 1, 3)
    assert (thursday["h14"], thursday["total"]) == (1, 1)
    assert report.table("heatmap-phone") is None  # t4 is a phone ticket without a call: calls are counted


def test_first_contact_resolution(app, now, make_staff):
    agent = make_staff()
    now(local(2026, 12, 1, 10, 0))
    once = contact(email="raz@example.pl")
    again = contact(email="dwa@example.pl")
    wrote_back = contact(email="trzy@example.pl")
    other_category = contact(email="cztery@example.pl")
    for ticket in (once, again, wrote_back, other_category):
        tickets.reply(ticket.id, agent, "Odpowiedź.")
    now(local(2026, 12, 1, 12, 0))
    customer_writes(wrote_back, email="trzy@example.pl")
    for ticket in (once, again, wrote_back, other_category):
        tickets.change_status(ticket.id, agent, "solved")
    now(local(2026, 12, 4, 9, 0))
    contact(email="dwa@example.pl")  # the same customer about the same category within 7 days
    contact(email="cztery@example.pl", category="complaints")  # another category: not a repeat
    now(local(2026, 12, 20, 9, 0))
    report = services.first_contact_resolution(Filters(start=date(2026, 12, 1), end=date(2026, 12, 1)))
    email, everything = report.table("fcr").as_dicts()
    assert (email["solved"], email["first_contact"], email["share"]) == (4, 2, 0.5)
    assert (everything["solved"], everything["first_contact"]) == (4, 2)


@pytest.fixture
def pbx(app, client, monkeypatch):
    """The CTI webhook driven as a PBX drives it (the phone area's own test helper)."""
    from tests.helpdesk.phone.conftest import TOKEN, Pbx

    monkeypatch.setitem(app.config, "PHONE_WEBHOOK_TOKEN", TOKEN)
    return Pbx(client)


def answered(pbx, call_id: str, at: datetime, *, wait: int = 10, talk: int = 300, **kwargs) -> None:
    pbx.call(call_id, [("newCall", at, {}), ("answer", at + timedelta(seconds=wait), {}),
                       ("hangup", at + timedelta(seconds=wait + talk), {})], **kwargs)


def hung_up(pbx, call_id: str, at: datetime, *, wait: int, **kwargs) -> None:
    pbx.call(call_id, [("newCall", at, {}), ("hangup", at + timedelta(seconds=wait), {"cause": "cancel"})], **kwargs)


def test_staffing_forecast_erlang_and_shifts(app, now, make_staff, pbx):
    from helpdesk.calendars.services import create_calendar
    from schedules.staffing import agents_needed

    create_calendar("zmiana-ranna", {d: ["08:00-16:00"] for d in ("mon", "tue", "wed", "thu", "fri")}, actor=None)
    for _ in range(2):
        make_staff(shift_calendar="zmiana-ranna", teams=["obsluga-klienta"])
    # Over the four weeks before Monday 14 December: 12 calls on each Monday 10:00–11:00, 240 s talk
    for monday in (date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7)):
        for minute in range(0, 60, 5):
            at = now(local(monday.year, monday.month, monday.day, 10, minute))
            answered(pbx, f"s-{monday}-{minute}", at, talk=240)
    now(local(2026, 12, 11, 9, 0))
    report = services.staffing_plan(WEEK, date(2026, 12, 14))
    assert report.options["handle"] == 240 and report.options["handle_source"] == "measured"
    rows = {(r["day"], r["hour"]): r for r in report.table("staffing").as_dicts()}
    ten = rows[(date(2026, 12, 14), "10:00")]
    assert ten["forecast"] == 12
    assert ten["needed"] == agents_needed(12, 3600, 240, 0.8, 20) == 3
    assert ten["rostered"] == 2 and ten["difference"] == -1 and ten["state"] == str(services.STAFFING_LABELS["under"])
    nine = rows[(date(2026, 12, 14), "09:00")]
    assert (nine["forecast"], nine["needed"], nine["rostered"], nine["state"]) == (0, 0, 2, str(services.STAFFING_LABELS["over"]))
    assert rows[(date(2026, 12, 14), "20:00")]["rostered"] == 0
    assert rows[(date(2026, 12, 19), "10:00")]["rostered"] == 0  # Saturday: no shift


def test_phone_service_level_by_each_formula_and_callbacks(app, now, make_staff, pbx):
    from helpdesk.models.phone import Callback
    from helpdesk.phone import services as phone_services

    agent = make_staff(teams=["obsluga-klienta"])
    monday = local(2026, 12, 7, 10, 0)
    now(monday)
    answered(pbx, "a", monday, wait=10, talk=200)  # answered within 20 s
    answered(pbx, "b", monday + timedelta(minutes=5), wait=30, talk=400, caller="+48501234568")
    hung_up(pbx, "c", monday + timedelta(minutes=10), wait=60, caller="+48501234569")  # abandoned: a callback
    hung_up(pbx, "d", monday + timedelta(minutes=15), wait=3, caller="+48501234570")  # short abandon
    hung_up(pbx, "e", monday + timedelta(minutes=20), wait=15, caller="+48501234571")  # abandoned within 20 s
    callbacks = db.session.scalars(db.select(Callback).order_by(Callback.id)).all()
    assert len(callbacks) == 2
    now(monday + timedelta(minutes=40))
    phone_services.record_attempt(callbacks[0].ticket_id, agent, "reached")  # in time
    now(local(2026, 12, 7, 15, 0))  # the other is overdue now (2 h of contact-centre time)

    report = services.phone(WEEK)
    summary = report.table("summary").as_dicts()[0]
    assert (summary["offered"], summary["answered"], summary["abandoned"], summary["short"]) == (5, 2, 2, 1)
    assert summary["abandon_rate"] == 0.5
    assert summary["service_level"] == 1 / 4  # answered within 20 s ÷ (answered + abandoned)
    assert summary["asa"] == 20 and summary["aht"] == 300
    assert report.table("daily").as_dicts()[0]["day"] == date(2026, 12, 7)
    callbacks_row = report.table("callbacks").as_dicts()[0]
    assert (callbacks_row["callbacks"], callbacks_row["met"], callbacks_row["breached"], callbacks_row["share"]) == (
        2, 1, 1, 0.5)
    app.config["REPORTS_SERVICE_LEVEL_FORMULA"] = "abandons_within_excluded"
    try:
        assert services.phone(WEEK).table("summary").as_dicts()[0]["service_level"] == 1 / 3
        app.config["REPORTS_SERVICE_LEVEL_FORMULA"] = "answered_only"
        other = services.phone(WEEK)
        assert other.table("summary").as_dicts()[0]["service_level"] == 1 / 2
        assert "÷ answered" in str(services.SERVICE_LEVEL_FORMULAS["answered_only"]) or other.table("summary").note
    finally:
        app.config["REPORTS_SERVICE_LEVEL_FORMULA"] = "answered_over_offered"
    assert services.phone(Filters(start=WEEK.start, end=WEEK.end, channel="email")).table("summary").rows == []
    heatmap = {r["weekday"]: r for r in services.volume(WEEK).table("heatmap-phone").as_dicts()}
    assert heatmap[services._weekday_names()[0]]["h10"] == 5 and sum(r["total"] for r in heatmap.values()) == 5


def test_faq_deflection_counts_the_knowledge_base_visits(app):
    import uuid

    from helpdesk.kb import services as kb
    from helpdesk.models.kb import KbTranslation
    from helpdesk.models.types import utcnow

    kb.ensure_shipped()
    translation = db.session.scalars(db.select(KbTranslation)).first()
    keys = [uuid.uuid4().hex for _ in range(4)]
    for key in keys:
        kb.suggestion_opened(key, translation.id)
    kb.solved_by_article(keys[0])  # "yes, this solved it"
    kb.forms_submitted({keys[1]: utcnow()})  # wrote anyway
    db.session.commit()
    kb.decide_left(utcnow() + timedelta(hours=1))  # the other two left after reading
    today = (utcnow() + timedelta(hours=1)).astimezone(WARSAW).date()
    row = services.first_contact_resolution(Filters(start=today - timedelta(days=1), end=today)) \
        .table("deflection").as_dicts()[0]
    assert (row["solved"], row["left"], row["submitted"], row["deflected"], row["share"]) == (1, 2, 1, 3, 0.75)


def test_quiet_hours_from_real_calls_and_the_shipped_text_without_them(app, now, client, monkeypatch, pbx):
    from helpdesk.calendars import quiet_hours

    assert quiet_hours.quiet_hours(local(2026, 12, 11, 9, 0), cache=False) is None
    page = client.get("/contact").get_data(as_text=True)
    assert "12:00–16:00" in page  # the shipped text
    app.config["QUIET_HOURS_MIN_CALLS"] = 20
    try:
        # Calls on working days at every open hour except 17:00–21:00, which stays quiet
        for day in (date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)):
            for hour in (8, 9, 10, 11, 12, 13, 14, 15, 16, 21):
                at = now(local(day.year, day.month, day.day, hour, 15))
                answered(pbx, f"q-{day}-{hour}", at, caller=f"+4850100{hour:02d}{day.day:02d}")
        assert quiet_hours.quiet_hours(local(2026, 12, 11, 9, 0), cache=False) == (17, 21)
        quiet_hours._cache.clear()
        monkeypatch.setattr("helpdesk.calendars.quiet_hours.utcnow", lambda: local(2026, 12, 11, 9, 0))
        assert "17:00–21:00" in client.get("/contact").get_data(as_text=True)
    finally:
        app.config["QUIET_HOURS_MIN_CALLS"] = 200
        quiet_hours._cache.clear()
