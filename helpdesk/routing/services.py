"""Routing inside the app: stored rule sets, the route_ticket job, hand-outs, requeues, previews.

The decisions come from the plain ``routing`` package; this module gathers its facts from
the database and applies its decisions, each in one transaction. Concurrency: a job locks
the ticket row (skipping one another worker holds) and the chosen agent's row, and
re-counts the agent's open tickets under that lock before assigning, so several workers
never push an agent over capacity nor assign a ticket twice.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Iterable

from flask import current_app
from sqlalchemy import exists, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

import schedules
from routing import (
    AgentState, Assignment, HistoricTicket, OpenAssignment, Roster, RuleSet, RuleSetError,
    SimulationReport, TicketFacts, assign, decide, simulate, stale_assignments,
    validate_rules,
)
from routing.defaults import SLA_POLICIES, default_first_response_targets, default_rules
from routing.simulation import FirstResponseTarget
from helpdesk.core import jobs
from helpdesk.core import signals
from helpdesk.core.extensions import db
from helpdesk.models import Category, Message, Team, Ticket, TicketEvent, User
from helpdesk.models.core import OPEN_STATUSES, agent_skills, agent_teams
from helpdesk.models.routing import RuleSetVersion
from helpdesk.models.sla import SlaPolicy
from helpdesk.models.types import utcnow
from helpdesk.audit.services import record
from helpdesk.calendars.services import get_calendar
from helpdesk.tickets.services import record_event
from helpdesk.sla.services.clocks import preload as preload_clocks

log = logging.getLogger(__name__)

_compiled: dict[tuple, RuleSet] = {}


# --- rule sets -------------------------------------------------------------------------

def known_sla_policies() -> list[str]:
    """SLA policy names rules may use: the SLA policies table when it exists and holds any,
    else the shipped ones."""
    return list(db.session.scalars(select(SlaPolicy.name))) or list(SLA_POLICIES)


def first_response_targets() -> dict[str, FirstResponseTarget]:
    """First-response promises per SLA policy, for previews: the stored policies, else the shipped ones."""
    targets = {p.name: FirstResponseTarget(p.calendar_name, timedelta(minutes=p.first_response_minutes))
               for p in db.session.scalars(select(SlaPolicy)) if p.first_response_minutes}
    return targets or default_first_response_targets()


def validate(data) -> list[str]:
    """Every problem with a rule set against the categories, teams and SLA policies we have."""
    return validate_rules(data, categories=db.session.scalars(select(Category.slug)).all(),
                          teams=db.session.scalars(select(Team.slug)).all(),
                          sla_policies=known_sla_policies())


def ensure_default_rules() -> RuleSetVersion:
    """The live rule set, seeded from ``routing.defaults`` when there is none (idempotent)."""
    live = db.session.scalar(select(RuleSetVersion).filter_by(state="live"))
    if live is not None:
        return live
    live = RuleSetVersion(version=_next_version(), state="live", rules=default_rules(), published_at=utcnow())
    db.session.add(live)
    try:
        db.session.commit()
    except IntegrityError:  # another process seeded it at the same moment
        db.session.rollback()
        live = db.session.scalar(select(RuleSetVersion).filter_by(state="live"))
    return live


def _next_version() -> int:
    return (db.session.scalar(select(func.max(RuleSetVersion.version))) or 0) + 1


def draft_version() -> RuleSetVersion | None:
    return db.session.scalar(select(RuleSetVersion).filter_by(state="draft"))


def compiled(version: RuleSetVersion) -> RuleSet:
    """The compiled rule set of a stored version (compiled once per process)."""
    key = (version.id, version.version, version.created_at)
    rules = _compiled.get(key)
    if rules is None:
        rules = _compiled[key] = RuleSet.from_dict(version.rules)
    return rules


def save_draft(data, author: User | None) -> RuleSetVersion:
    """Save ``data`` as a new draft version; raises ``RuleSetError`` listing every problem."""
    errors = validate(data)
    if errors:
        raise RuleSetError(errors)
    for old in db.session.scalars(select(RuleSetVersion).filter_by(state="draft")):
        old.state = "archived"
    draft = RuleSetVersion(version=_next_version(), state="draft", rules=data,
                           author_user_id=author.id if author else None)
    db.session.add(draft)
    db.session.flush()
    record(author, "routing_rules", draft.version, "save_draft", mode=data.get("mode"),
           rules=len(data.get("rules", [])))
    db.session.commit()
    return draft


def publish(author: User | None) -> RuleSetVersion:
    """Make the draft the live rule set; raises ``RuleSetError`` if there is none or it went invalid."""
    draft = draft_version()
    if draft is None:
        raise RuleSetError(["there is no draft to publish"])
    errors = validate(draft.rules)  # a team or policy it names may have gone since it was saved
    if errors:
        raise RuleSetError(errors)
    for old in db.session.scalars(select(RuleSetVersion).filter_by(state="live")):
        old.state = "archived"
    draft.state = "live"
    draft.published_at = utcnow()
    record(author, "routing_rules", draft.version, "publish")
    db.session.commit()
    return draft


# --- the roster --------------------------------------------------------------------------

def agent_calendar(name: str):
    """An agent's shift pattern: a calendar stored by the administrators (or a shipped one)."""
    return get_calendar(name)


def load_roster(*, with_teams_only: bool = False) -> Roster:
    """Every active member of staff as routing sees them now, with their open load per channel."""
    loads: dict[int, dict[str, int]] = {}
    for agent_id, channel, count in db.session.execute(
            select(Ticket.assignee_id, Ticket.channel, func.count())
            .where(Ticket.status.in_(OPEN_STATUSES), Ticket.assignee_id.is_not(None))
            .group_by(Ticket.assignee_id, Ticket.channel)):
        loads.setdefault(agent_id, {})[channel] = count
    memberships: dict[tuple[int, str], set[str]] = {}
    for user_id, kind, slug in db.session.execute(
            select(agent_teams.c.user_id, literal("team"), Team.slug).join(Team)
            .union_all(select(agent_skills.c.user_id, literal("skill"), Category.slug).join(Category))):
        memberships.setdefault((user_id, kind), set()).add(slug)
    calendars: dict[str, object] = {}
    agents = []
    for user in db.session.execute(select(User.id, User.languages, User.capacity, User.presence,
                                          User.shift_calendar, User.last_assigned_at)
                                   .filter_by(active=True).order_by(User.id)):
        teams = frozenset(memberships.get((user.id, "team"), ()))
        if with_teams_only and not teams:
            continue
        shift = None
        if user.shift_calendar:
            if user.shift_calendar not in calendars:
                try:
                    calendars[user.shift_calendar] = agent_calendar(user.shift_calendar)
                except (LookupError, ValueError) as exc:  # an unknown calendar: off shift, not a crash
                    log.warning("agent %s: shift calendar %r: %s", user.id, user.shift_calendar, exc)
                    calendars[user.shift_calendar] = _NEVER_OPEN
            shift = calendars[user.shift_calendar]
        agents.append(AgentState(
            id=user.id, teams=teams, skills=frozenset(memberships.get((user.id, "skill"), ())),
            languages=frozenset(user.languages or ()),
            capacity={k: int(v) for k, v in (user.capacity or {}).items()}, load=loads.get(user.id, {}),
            presence=user.presence, shift=shift, last_assigned_at=user.last_assigned_at))
    return Roster(agents)


_NEVER_OPEN = schedules.Calendar.from_dict({"name": "never-open", "timezone": "Europe/Warsaw", "hours": {}})


# --- routing tickets ---------------------------------------------------------------------

class Names:
    """Team and category slugs by id and ids by slug, read once per job."""

    def __init__(self):
        rows = db.session.execute(select(literal("team"), Team.id, Team.slug)
                                  .union_all(select(literal("category"), Category.id, Category.slug))).all()
        self.slug = {(kind, id_): slug for kind, id_, slug in rows}
        self.id = {(kind, slug): id_ for kind, id_, slug in rows}


def ticket_facts(ticket: Ticket, names: Names, *, classify: bool, texts: list[str] = ()) -> TicketFacts:
    """What routing knows about ``ticket``, ``texts`` being its customer messages in order.

    ``classify`` presents it as new (priority unset) for the rules to decide; its category
    and team are what intake gave it (the customer's pick on the form, the mailbox's team).
    """
    body = "\n".join([texts[0], texts[-1]] if len(texts) > 1 else texts)
    customer = ticket.customer
    return TicketFacts(
        id=ticket.id, channel=ticket.channel, created_at=ticket.created_at, line=ticket.line or "",
        subject=ticket.subject, body=body, form_category=ticket.form_category,
        customer=dict(customer.attributes or {}) if customer else {}, language=ticket.language,
        category=names.slug.get(("category", ticket.category_id)),
        team=names.slug.get(("team", ticket.team_id)),
        priority=None if classify else ticket.priority, sla_due_at=ticket.next_due_at,
        pinned_agent_id=ticket.assignee_id if ticket.pinned else None, assignee_id=ticket.assignee_id)


def customer_texts(ticket_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each ticket's customer messages, in order."""
    texts: dict[int, list[str]] = {}
    for ticket_id, text in db.session.execute(select(Message.ticket_id, Message.text).where(
            Message.ticket_id.in_(list(ticket_ids)), Message.direction == "in", Message.internal.is_(False))
            .order_by(Message.id)):
        texts.setdefault(ticket_id, []).append(text)
    return texts


def route_ticket(ticket_id: int) -> int | None:
    """Route one ticket (see route_tickets); the assigned agent's id, else None."""
    return route_tickets([ticket_id]).get(ticket_id)


def route_tickets(ticket_ids: list[int]) -> dict[int, int | None]:
    """The job: classify new tickets and give them agents, or find agents for waiting ones,
    all in one transaction, in the order given.

    Skips tickets that are closed, and those already routed and assigned. Returns the
    assigned agent's id (or None) per ticket handled. A ticket another transaction holds
    is left alone; if it still awaits routing the job then fails (TicketBusy) after
    committing the rest, and RQ retries it shortly.

    Concurrency: classification runs unlocked; then the agents of the tickets' teams are
    locked in id order and their open tickets counted afresh, and only then are agents
    chosen, so workers routing at once never push an agent over capacity.
    """
    version, rules = live_rules()
    routed: dict[int, int | None] = {}
    try:
        locked = _lock_tickets(ticket_ids)
        locked_ids = {t.id for t in locked}  # read now: the commit expires the rows
        order = {ticket_id: n for n, ticket_id in enumerate(ticket_ids)}
        locked.sort(key=lambda t: order[t.id])  # the caller's order: the earliest due first for hand-outs
        todo = [t for t in locked if t.is_open and not (t.routed_at is not None and t.assignee_id is not None)]
        if todo:
            now = utcnow()
            names = Names()
            roster = load_roster()
            texts = customer_texts([t.id for t in todo if t.routed_at is None])
            preload_clocks([t.id for t in todo])  # the decision may start or retarget them
            contact_centre = agent_calendar("contact-centre")
            plans = []
            for ticket in todo:
                if ticket.routed_at is None:
                    facts = ticket_facts(ticket, names, classify=True, texts=texts.get(ticket.id, []))
                    decision = decide(facts, rules, roster, now, contact_centre=contact_centre)
                    _classify(ticket, decision, now, names)
                    plans.append(_Plan(ticket, facts, decision.assignment, decision))
                else:
                    plans.append(_Plan(ticket, ticket_facts(ticket, names, classify=False), None))
            db.session.flush()  # the classification's writes go before the agents are locked
            _lock_teams(roster, {p.team for p in plans})
            for plan in plans:
                plan.reassign(roster, now)
                agent_id = plan.assignment.assignee_id if plan.assignment.status == "assigned" else None
                if agent_id is not None:
                    roster.record_assignment(agent_id, plan.facts.channel, now)
                _record_assignment(plan, agent_id, now, version)
                routed[plan.ticket.id] = agent_id
            _stamp_assigned([a for a in routed.values() if a is not None], now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    held = set(ticket_ids) - locked_ids
    if held:
        waiting = db.session.scalars(select(Ticket.id).where(Ticket.id.in_(held), Ticket.routed_at.is_(None))).all()
        db.session.rollback()
        if waiting:
            raise TicketBusy(f"tickets {sorted(waiting)} are being changed; routing is retried")
    return routed


class _Plan:
    """A ticket in a routing batch: its facts, the decision (new tickets) and the assignment."""

    __slots__ = ("ticket", "facts", "assignment", "decision")

    def __init__(self, ticket: Ticket, facts: TicketFacts, assignment: Assignment | None, decision=None):
        self.ticket, self.facts, self.assignment, self.decision = ticket, facts, assignment, decision

    @property
    def team(self) -> str | None:
        return self.decision.team if self.decision is not None else self.facts.team

    def reassign(self, roster: Roster, now: datetime) -> None:
        """Choose the agent again, against a roster whose loads are now counted under lock."""
        category = self.decision.category if self.decision is not None else self.facts.category
        self.assignment = assign(self.facts, roster, now, team=self.team, category=category)
        if self.decision is not None:
            self.decision.assignment = self.assignment


def _lock_teams(roster: Roster, teams: set[str | None]) -> None:
    """Lock the agents of these teams (in id order, in one statement, so two workers never
    wait on each other in a circle) and put their presence and open tickets, counted under
    the lock, into ``roster``."""
    agent_ids = sorted({agent.id for team in teams if team for agent in roster.by_team.get(team, [])})
    if not agent_ids:
        return
    for row in db.session.execute(select(User.id, User.active, User.presence).where(User.id.in_(agent_ids))
                                  .order_by(User.id).with_for_update(key_share=True)):
        roster.agents[row.id].presence = row.presence if row.active else "offline"
        roster.load[row.id] = {}
    for agent_id, channel, count in db.session.execute(
            select(Ticket.assignee_id, Ticket.channel, func.count())
            .where(Ticket.assignee_id.in_(agent_ids), Ticket.status.in_(OPEN_STATUSES))
            .group_by(Ticket.assignee_id, Ticket.channel)):
        roster.load[agent_id][channel] = count


def live_rules() -> tuple[int, RuleSet]:
    """The live version number and its compiled rule set (seeded on first use)."""
    row = db.session.execute(select(RuleSetVersion.id, RuleSetVersion.version, RuleSetVersion.created_at)
                             .filter_by(state="live")).first()
    if row is None:
        version = ensure_default_rules()
        return version.version, compiled(version)
    rules = _compiled.get(tuple(row))
    if rules is None:
        rules = compiled(db.session.get(RuleSetVersion, row.id))
    return row.version, rules


class TicketBusy(RuntimeError):
    """Another transaction holds the ticket row; the job fails so RQ retries it shortly."""


def _lock_tickets(ticket_ids: Iterable[int]) -> list[Ticket]:
    """The tickets, locked against other routers, leaving out those another transaction holds
    (and those gone).

    FOR NO KEY UPDATE: rows merely referring to a ticket (events, messages) don't block it.
    """
    return list(db.session.scalars(select(Ticket).where(Ticket.id.in_(list(ticket_ids))).order_by(Ticket.id)
                                   .options(joinedload(Ticket.customer).lazyload("*"))
                                   .with_for_update(skip_locked=True, key_share=True, of=Ticket)
                                   .execution_options(populate_existing=True)))


def _lock_ticket(ticket_id: int) -> Ticket | None:
    """One ticket, locked as by `_lock_tickets`; None if another transaction holds it."""
    found = _lock_tickets([ticket_id])
    return found[0] if found else None


def _classify(ticket: Ticket, decision, now: datetime, names: Names) -> None:
    """Give a new ticket the category, priority, team, tags and SLA policy routing decided."""
    category_id = names.id.get(("category", decision.category))
    if category_id != ticket.category_id:
        record_event(ticket, "category", None, old=names.slug.get(("category", ticket.category_id)),
                     new=decision.category, by="routing")
        ticket.category_id = category_id
    if decision.priority != ticket.priority:
        record_event(ticket, "priority", None, old=ticket.priority, new=decision.priority, by="routing")
        ticket.priority = decision.priority
    team_id = names.id.get(("team", decision.team))
    if team_id is not None and team_id != ticket.team_id:
        record_event(ticket, "team", None, old=names.slug.get(("team", ticket.team_id)), new=decision.team,
                     by="routing")
        ticket.team_id = team_id
    tags = list(ticket.tags or [])
    added = [t for t in decision.tags if t not in tags]
    if added:
        record_event(ticket, "tags", None, added=added, by="routing")
        ticket.tags = tags + added
    ticket.routed_at = now
    signals.ticket_routed.send(ticket, decision=decision)


def _record_assignment(plan: _Plan, agent_id: int | None, now: datetime, version: int) -> None:
    """Store the trace (the whole decision for a new ticket) and hand the ticket to the agent."""
    ticket = plan.ticket
    if plan.decision is not None:
        routing = plan.decision.to_dict()
        routing["rules_version"] = version
    else:
        routing = dict(ticket.routing or {})
        routing["trace"] = dict(routing.get("trace") or {}, assignment=plan.assignment.to_dict())
        if agent_id is not None:
            routing["assignee_id"] = agent_id
    ticket.routing = routing
    if agent_id is not None:
        _give(ticket, agent_id, now)


def _give(ticket: Ticket, agent_id: int, now: datetime) -> None:
    record_event(ticket, "assignee", None, old=ticket.assignee_id, new=agent_id, by="routing")
    ticket.assignee_id = agent_id


def _stamp_assigned(agent_ids: Iterable[int], now: datetime) -> None:
    """Note ``now`` as the agents' last assignment (the tie-break of the next ones)."""
    agent_ids = sorted(set(agent_ids))
    if agent_ids:
        db.session.execute(update(User).where(User.id.in_(agent_ids)).values(last_assigned_at=now))


# --- hand-outs and requeues ----------------------------------------------------------------

def waiting_tickets(team_ids: Iterable[int] | None = None):
    """Open, routed, unassigned tickets, the earliest SLA due first (no due time last)."""
    query = (select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.assignee_id.is_(None),
                                  Ticket.routed_at.is_not(None), Ticket.pinned.is_(False))
             .order_by(Ticket.next_due_at.is_(None), Ticket.next_due_at, Ticket.created_at, Ticket.id))
    if team_ids is not None:
        query = query.where(Ticket.team_id.in_(list(team_ids)))
    return query


def redistribute(*team_ids: int) -> int:
    """The job: hand waiting tickets of the teams (all teams when none given) to agents with room,
    the earliest SLA due first. Returns how many tickets were assigned. With no agent available
    and under capacity, nothing is routed (the minute sweep would otherwise route a thousand
    waiting tickets only to find nobody)."""
    waiting = db.session.scalars(waiting_tickets(team_ids or None).with_only_columns(Ticket.id).limit(1000)).all()
    room = bool(waiting) and load_roster().has_room()
    db.session.rollback()
    if not room:
        return 0
    return sum(1 for agent_id in route_tickets(waiting).values() if agent_id is not None)


def redistribute_for_agent(user_id: int) -> int:
    """The job: an agent became available; hand out their teams' waiting tickets."""
    user = db.session.get(User, user_id)
    if user is None or not user.teams:
        return 0
    return redistribute(*[t.id for t in user.teams])


def after_ticket_change(ticket_id: int) -> int:
    """The job: a ticket changed (a customer message, solved, closed, reassigned, re-teamed).

    An unassigned ticket looks for an agent; freed capacity goes to the waiting tickets of
    the teams involved. Returns how many waiting tickets were handed out.
    """
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return 0
    if ticket.is_open and ticket.assignee_id is None:
        route_ticket(ticket_id)
    team_ids = {ticket.team_id} if ticket.team_id else set()
    last = db.session.scalar(select(TicketEvent).filter_by(ticket_id=ticket_id, kind="assignee")
                             .order_by(TicketEvent.id.desc()).limit(1))
    for agent_id in {ticket.assignee_id, last.data.get("old") if last else None} - {None}:
        agent = db.session.get(User, agent_id)
        if agent is not None:
            team_ids |= {t.id for t in agent.teams}
    return redistribute(*team_ids) if team_ids else 0


def requeue_stale(now: datetime | None = None) -> list:
    """Take unanswered tickets back from agents who went offline or whose shift ended more
    than ROUTING_GRACE_MINUTES ago, and return them to their team's queue."""
    now = now or utcnow()
    grace = timedelta(minutes=current_app.config["ROUTING_GRACE_MINUTES"])
    answered = exists().where(Message.ticket_id == Ticket.id, Message.direction == "out",
                              Message.internal.is_(False))
    rows = db.session.execute(select(Ticket.id, Ticket.assignee_id, answered, Ticket.pinned).where(
        Ticket.status.in_(OPEN_STATUSES), Ticket.assignee_id.is_not(None))).all()
    if not rows:
        return []
    roster = load_roster()
    for user_id, changed in db.session.execute(select(User.id, User.presence_changed_at)
                                               .where(User.presence == "offline")):
        if changed is not None and now - changed < grace and user_id in roster.agents:
            roster.agents[user_id].presence = "away"  # offline for less than the grace period
    requeues = stale_assignments([OpenAssignment(t, a, bool(done), bool(pinned)) for t, a, done, pinned in rows],
                                 roster, now, grace=grace)
    db.session.rollback()
    done = []
    for item in requeues:
        ticket = _lock_ticket(item.ticket_id)
        if ticket is None or ticket.assignee_id != item.agent_id or ticket.pinned:
            db.session.rollback()
            continue
        record_event(ticket, "assignee", None, old=item.agent_id, new=None, by="routing", reason=item.reason)
        ticket.assignee_id = None
        ticket.routing = dict(ticket.routing or {}, assignee_id=None, requeued=item.to_dict())
        db.session.commit()
        done.append(item)
    return done


# --- presence and pins ----------------------------------------------------------------------

class RoutingError(ValueError):
    """A routing change that is not allowed; the message says why."""


def set_presence(user: User, presence: str) -> None:
    from helpdesk.models.core import PRESENCES

    if presence not in PRESENCES:
        raise RoutingError("unknown-presence")
    if presence != user.presence:
        user.presence = presence
        user.presence_changed_at = user.last_seen_at = utcnow()
        db.session.commit()
        if presence == "available":
            jobs.enqueue(redistribute_for_agent, user.id)


LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def seen(user: User, now: datetime | None = None) -> None:
    """The agent did something in the workspace: remember when, at most one write a minute."""
    now = now or utcnow()
    if user.last_seen_at is None or now - user.last_seen_at >= LAST_SEEN_RESOLUTION:
        db.session.execute(update(User).where(User.id == user.id).values(last_seen_at=now))
        db.session.commit()
        user.last_seen_at = now


def drop_idle_to_away(now: datetime | None = None) -> list[int]:
    """"available" agents who did nothing in the workspace for PRESENCE_IDLE_MINUTES become
    "away", so routing stops handing them tickets (part of the minute sweep). Returns their ids."""
    now = now or utcnow()
    idle_since = now - timedelta(minutes=current_app.config["PRESENCE_IDLE_MINUTES"])
    ids = db.session.scalars(update(User).where(
        User.presence == "available", User.last_seen_at.is_not(None), User.last_seen_at < idle_since)
        .values(presence="away", presence_changed_at=now).returning(User.id)).all()
    db.session.commit()
    if ids:
        log.info("presence: %d idle agents now away", len(ids))
    return list(ids)


def pin(ticket_id: int, agent_id: int | None, actor: User) -> Ticket:
    """Pin a ticket to an agent (routing never moves it), or unpin it with ``agent_id`` None."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update(key_share=True)
                               .execution_options(populate_existing=True))
    if ticket is None:
        raise RoutingError("no-such-ticket")
    if agent_id is None:
        if ticket.pinned:
            ticket.pinned = False
            record_event(ticket, "unpinned", actor)
    else:
        agent = db.session.get(User, agent_id)
        if agent is None or not agent.active:
            raise RoutingError("unknown-agent")
        if ticket.assignee_id != agent.id:
            record_event(ticket, "assignee", actor, old=ticket.assignee_id, new=agent.id)
            ticket.assignee_id = agent.id
        ticket.pinned = True
        record_event(ticket, "pinned", actor, agent_id=agent.id)
    db.session.commit()
    signals.ticket_committed.send(ticket.id)
    return ticket


# --- previews -----------------------------------------------------------------------------

def simulate_range(start: datetime, end: datetime, rules_data: dict | None = None) -> SimulationReport:
    """Replay the tickets created in [start, end) through a rule set (the live one by default)
    and the current roster; nothing is changed."""
    rules = RuleSet.from_dict(rules_data) if rules_data is not None else live_rules()[1]
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end).order_by(Ticket.created_at)
        .options(selectinload(Ticket.messages), selectinload(Ticket.customer))).all()
    names = Names()
    history = []
    for ticket in tickets:
        texts = [m.text for m in ticket.messages if m.direction == "in" and not m.internal]
        facts = ticket_facts(ticket, names, classify=True, texts=texts)
        facts.category = ticket.form_category
        facts.sla_due_at = facts.pinned_agent_id = facts.assignee_id = None
        history.append(HistoricTicket(facts))
    policies = first_response_targets()
    calendars = {p.calendar: agent_calendar(p.calendar) for p in policies.values()}
    roster = load_roster(with_teams_only=True)
    return simulate(history, rules, roster.agents.values(), policies=policies, calendars=calendars,
                    contact_centre=agent_calendar("contact-centre"))
