"""The agent queue as a query: views, filters, search, sorting and keyset pages.

A page is found from the last (or first) row of the page before it — its sort value and id —
never by counting rows, so page 2000 costs what page 1 costs. NULL sort values (a ticket with
no running deadline) come after every value ascending and before them descending, as
PostgreSQL's B-tree returns them; each of the two parts is read by a query of its own, so both
walk an index in order. The UI and the API read the same filters through `parse`.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, case, func, literal, select, text, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import lazyload, selectinload
from werkzeug.datastructures import MultiDict

from helpdesk.core.extensions import db
from helpdesk.models import Category, Customer, Team, Ticket, User
from helpdesk.models.core import CHANNELS, OPEN_STATUSES, PRIORITIES, STATUSES
from helpdesk.models.types import utcnow
from helpdesk.tickets import search
from helpdesk.tickets import services as ticket_service
from helpdesk.web.helpers import WARSAW

VIEWS = ("mine", "team", "all", "due", "breached", "waiting")
LEAD_VIEWS = ("unrouted",)
VIEW_LABELS = {
    "mine": _l("Mine"), "team": _l("My teams, unassigned"), "all": _l("All open"), "due": _l("Due soon"),
    "breached": _l("Breached"), "waiting": _l("Waiting for the customer"), "unrouted": _l("Unrouted"),
}
SORTS = ("due", "number", "subject", "customer", "channel", "category", "priority", "status", "agent", "created",
         "relevance")
FILTER_FIELDS = ("status", "channel", "category", "priority", "team", "assignee", "tag", "q",
                 "created_from", "created_to", "due_from", "due_to", "sort")
# The open statuses written into the SQL, not bound, so the planner always sees that a query
# is inside the partial indexes of open tickets (a generic plan of bound values would not).
OPEN_SQL = text("tickets.status IN ('new', 'open', 'waiting')")
_URGENCY = case({"urgent": 0, "high": 1, "normal": 2, "low": 3}, value=Ticket.priority, else_=4)
_STATUS_ORDER = case({s: i for i, s in enumerate(STATUSES)}, value=Ticket.status, else_=9)


@dataclass(frozen=True)
class QueueFilter:
    """What a queue shows. Multi-valued fields are tuples of the values chosen (none: any)."""
    view: str = "all"
    status: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    team: tuple[str, ...] = ()
    assignee: str = ""  # "", "me", "none" or an agent's id
    tag: str = ""
    q: str = ""
    created_from: date | None = None
    created_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    sort: str = ""  # a SORTS key, "-" before it for descending; "" for the view's default

    def params(self) -> dict:
        """The filter as query-string fields (no view), only those set; what a saved filter stores."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "view" or value in ("", (), None):
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else (
                value.isoformat() if isinstance(value, date) else value)
        return out

    @property
    def sort_key(self) -> tuple[str, bool]:
        """(column, descending): search results by relevance, other lists by the deadline."""
        if self.sort:
            return self.sort.lstrip("-"), self.sort.startswith("-")
        return ("relevance", True) if self.q.strip() else ("due", False)


@dataclass(frozen=True)
class Cursor:
    value: object
    id: int

    def encode(self) -> str:
        value = {"t": self.value.isoformat()} if isinstance(self.value, datetime) else self.value
        raw = json.dumps([value, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Raises ValueError when ``token`` is not one this module wrote."""
        try:
            value, id_ = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError("bad cursor") from exc
        if isinstance(value, dict):
            value = datetime.fromisoformat(value.get("t", ""))
            if value.tzinfo is None:
                raise ValueError("bad cursor")
        if not isinstance(id_, int) or isinstance(id_, bool) or not (
                value is None or isinstance(value, (int, float, str, datetime))):
            raise ValueError("bad cursor")
        return cls(value, id_)


@dataclass
class Page:
    tickets: list[Ticket]
    next: str | None = None  # cursor of the page after this one
    previous: str | None = None  # cursor of the page before
    count: int = 0  # how many tickets match, counted up to COUNT_CAP
    capped: bool = False
    terms: list[str] = field(default_factory=list)  # the search's stems, for highlighting
    window: int | None = None  # a search ranked the tickets from this id on (see search.window)
    older: int | None = None  # the window before it (0: every ticket)


COUNT_CAP = 1000
ERRORS = {
    "status": _l("Unknown status."), "channel": _l("Unknown channel."), "priority": _l("Unknown priority."),
    "assignee": _l("Unknown agent."), "sort": _l("Unknown sort order."),
    "date": _l("Enter the date as YYYY-MM-DD."), "cursor": _l("This page link is no longer valid."),
    "text": _l("The search text is too long."),
}


def parse(args: MultiDict, views: tuple[str, ...], default_view: str) -> tuple[QueueFilter, dict[str, str]]:
    """The filter in a query string, and the fields given wrongly (field: message); wrong values
    are left out of the filter, so the rest still applies."""
    errors: dict[str, str] = {}

    def many(name: str, allowed) -> tuple[str, ...]:
        values = tuple(v for v in args.getlist(name) if v)
        if allowed is not None and any(v not in allowed for v in values):
            errors[name] = str(ERRORS[name])
            return tuple(v for v in values if v in allowed)
        return values

    def day(name: str) -> date | None:
        value = args.get(name, "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors[name] = str(ERRORS["date"])
            return None

    view = args.get("view", default_view)
    assignee = args.get("assignee", "").strip()
    if assignee and assignee not in ("me", "none") and not (assignee.isascii() and assignee.isdigit()
                                                              and len(assignee) < 10):
        errors["assignee"] = str(ERRORS["assignee"])
        assignee = ""
    sort = args.get("sort", "").strip()
    if sort and sort.lstrip("-") not in SORTS:
        errors["sort"] = str(ERRORS["sort"])
        sort = ""
    q = args.get("q", "").strip()
    if len(q) > 200:
        errors["q"] = str(ERRORS["text"])
        q = q[:200]
    result = QueueFilter(
        view=view if view in views else default_view,
        status=many("status", STATUSES), channel=many("channel", CHANNELS), category=many("category", None),
        priority=many("priority", PRIORITIES), team=many("team", None), assignee=assignee,
        tag=args.get("tag", "").strip()[:64], q=q, created_from=day("created_from"), created_to=day("created_to"),
        due_from=day("due_from"), due_to=day("due_to"), sort=sort)
    return result, errors


def from_params(params: dict, view: str) -> QueueFilter:
    """A saved filter's fields back as a filter (values no longer valid are dropped)."""
    args = MultiDict()
    for name, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            args.add(name, str(item))
    args["view"] = view
    return parse(args, (view,), view)[0]


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in Warsaw, as an instant."""
    return datetime.combine(day, time(0), WARSAW)


def base_query(user: User, f: QueueFilter, now: datetime | None = None):
    """A select of the tickets the filter shows to ``user`` (no order)."""
    now = now or utcnow()
    if f.view == "unrouted":
        query = ticket_service.unrouted_tickets().order_by(None)
    else:
        query = ticket_service.visible_tickets(user)
    if f.view == "mine":
        query = query.where(Ticket.assignee_id == user.id)
    elif f.view == "team":
        query = query.where(Ticket.team_id.in_([t.id for t in user.teams]), Ticket.assignee_id.is_(None))
    elif f.view == "due":
        soon = timedelta(minutes=current_app.config["QUEUE_DUE_SOON_MINUTES"])
        query = query.where(Ticket.next_due_at > now, Ticket.next_due_at <= now + soon)
    elif f.view == "breached":
        query = query.where(Ticket.next_due_at <= now)
    statuses = set(f.status)
    if f.view == "waiting":
        statuses = (statuses or {"waiting"}) & {"waiting"} or {"-"}
    if statuses:
        query = query.where(Ticket.status.in_(sorted(statuses)))
        if statuses <= set(OPEN_STATUSES):
            query = query.where(OPEN_SQL)
    elif not f.q.strip() or f.view in ("due", "breached", "waiting"):
        query = query.where(OPEN_SQL)  # search alone looks through closed tickets too
    if f.channel:
        query = query.where(Ticket.channel.in_(f.channel))
    if f.priority:
        query = query.where(Ticket.priority.in_(f.priority))
    if f.category:
        query = query.where(Ticket.category_id.in_(select(Category.id).where(Category.slug.in_(f.category))))
    if f.team:
        query = query.where(Ticket.team_id.in_(select(Team.id).where(Team.slug.in_(f.team))))
    if f.assignee == "me":
        query = query.where(Ticket.assignee_id == user.id)
    elif f.assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif f.assignee:
        query = query.where(Ticket.assignee_id == int(f.assignee))
    if f.tag:
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.where(Ticket.tags.cast(JSONB).contains([f.tag]))
        else:
            query = query.where(text("EXISTS (SELECT 1 FROM json_each(tickets.tags) WHERE json_each.value = :tag)")
                                .bindparams(tag=f.tag))
    if f.created_from:
        query = query.where(Ticket.created_at >= _start_of(f.created_from))
    if f.created_to:
        query = query.where(Ticket.created_at < _start_of(f.created_to + timedelta(days=1)))
    if f.due_from:
        query = query.where(Ticket.next_due_at >= _start_of(f.due_from))
    if f.due_to:
        query = query.where(Ticket.next_due_at < _start_of(f.due_to + timedelta(days=1)))
    return query


def _sort_expression(key: str, locale: str, rank):
    """(expression, may be NULL, the joins it needs)."""
    if key == "due":
        return Ticket.next_due_at, True, ()
    if key == "subject":
        return Ticket.subject, False, ()
    if key == "channel":
        return Ticket.channel, False, ()
    if key == "priority":
        return _URGENCY, False, ()
    if key == "status":
        return _STATUS_ORDER, False, ()
    if key == "created":
        return Ticket.created_at, False, ()
    if key == "customer":
        return Customer.name, True, ((Customer, Customer.id == Ticket.customer_id),)
    if key == "agent":
        return User.name, True, ((User, User.id == Ticket.assignee_id),)
    if key == "category":
        column = Category.name_en if locale == "en" else Category.name_pl
        return column, True, ((Category, Category.id == Ticket.category_id),)
    if key == "relevance" and rank is not None:
        return rank, False, ()
    return None, False, ()  # the number: the id alone


def page(user: User, f: QueueFilter, *, after: str | None = None, before: str | None = None,
         limit: int | None = None, locale: str = "pl", now: datetime | None = None,
         count: bool = True, since: int | None = None) -> Page:
    """One page of the queue. Raises ValueError("cursor") for a cursor this module did not write.

    A search ranks the tickets from id ``since`` on (0: all of them); without it, from where
    search.window says, which the page hands on (Page.window) so its next pages rank the same."""
    limit = limit or current_app.config["QUEUE_PAGE_SIZE"]
    query = base_query(user, f, now)
    terms = search.query_terms(f.q) if f.q.strip() else []
    rank = None
    if f.q.strip():
        if not terms:
            return Page([], terms=[])
        if since is None:
            since = search.window(search.apply(query, terms)[0])
        query, rank = search.apply(query, terms, since)
    key, desc = f.sort_key
    expression, nullable, joins = _sort_expression(key, locale, rank)
    total, capped = 0, False
    if count:
        total = db.session.scalar(select(func.count()).select_from(
            query.with_only_columns(Ticket.id).limit(COUNT_CAP + 1).subquery()))
        capped = total > COUNT_CAP
        total = min(total, COUNT_CAP)
    for target, on in joins:
        query = query.outerjoin(target, on)
    if expression is None:
        expression = Ticket.id
        nullable = False
    # The rows' customer, category and agent by id afterwards, so the page's query is tickets
    # alone and the planner can walk an index in order and stop at the page's end.
    query = query.add_columns(expression.label("sort_value")).options(
        selectinload(Ticket.customer).options(lazyload(Customer.emails), lazyload(Customer.phones)),
        selectinload(Ticket.category), selectinload(Ticket.assignee).options(lazyload(User.teams),
                                                                             lazyload(User.skills)))
    try:
        cursor = Cursor.decode(before or after) if (before or after) else None
    except ValueError:
        raise ValueError("cursor") from None
    if cursor is not None and not _fits(cursor.value, expression, nullable):
        raise ValueError("cursor")
    if before:
        rows = _scan(query, expression, nullable, not desc, cursor, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit][::-1]
        result = Page([r[0] for r in rows], next=_cursor(rows[-1]) if rows else None,
                      previous=_cursor(rows[0]) if more and rows else None)
    else:
        rows = _scan(query, expression, nullable, desc, cursor, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        result = Page([r[0] for r in rows], next=_cursor(rows[-1]) if more else None,
                      previous=_cursor(rows[0]) if cursor is not None and rows else None)
    result.count, result.capped, result.terms = total, capped, terms
    if since:
        result.window, result.older = since, search.older(since)
    return result


def _fits(value, expression, nullable: bool) -> bool:
    """Whether a cursor's value can stand in the sort column (a cursor of another sort cannot)."""
    if value is None:
        return nullable
    sql_type = expression.type
    try:
        python_type = getattr(sql_type, "impl_instance", sql_type).python_type
    except NotImplementedError:
        return True
    if python_type is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, python_type) and not isinstance(value, bool)


def _cursor(row) -> str:
    return Cursor(row.sort_value, row[0].id).encode()


def _scan(query, expression, nullable: bool, desc: bool, cursor: Cursor | None, n: int) -> list:
    """Up to ``n`` rows after ``cursor`` in the order (expression, id), NULLs last ascending."""
    segments = (("null", "value") if desc else ("value", "null")) if nullable else ("value",)
    at = None if cursor is None else ("null" if cursor.value is None else "value")
    reached = cursor is None
    rows: list = []
    for segment in segments:
        q = query
        if nullable:
            q = q.where(expression.is_(None) if segment == "null" else expression.is_not(None))
        if not reached:
            if segment != at:
                continue
            reached = True
            if segment == "null":
                q = q.where(Ticket.id < cursor.id if desc else Ticket.id > cursor.id)
            else:
                mark = tuple_(literal(cursor.value, expression.type), literal(cursor.id, Integer))
                here = tuple_(expression, Ticket.id)
                q = q.where(here < mark if desc else here > mark)
        if segment == "null" or expression is Ticket.id:
            order = (Ticket.id.desc() if desc else Ticket.id.asc(),)
        else:
            order = (expression.desc(), Ticket.id.desc()) if desc else (expression.asc(), Ticket.id.asc())
        rows += db.session.execute(q.order_by(*order).limit(n - len(rows))).all()
        if len(rows) >= n:
            break
    return rows


def possible_duplicates(tickets: list[Ticket]) -> dict[int, list[str]]:
    """For each ticket, the numbers of the same customer's tickets in the same category opened
    within QUEUE_DUPLICATE_HOURS of it (a merged ticket and the one it went into excepted)."""
    keyed = [t for t in tickets if t.customer_id and t.category_id]
    if not keyed:
        return {}
    window = timedelta(hours=current_app.config["QUEUE_DUPLICATE_HOURS"])
    rows = db.session.execute(select(Ticket.id, Ticket.customer_id, Ticket.category_id, Ticket.created_at,
                                     Ticket.linked_ticket_id)
                              .where(Ticket.customer_id.in_({t.customer_id for t in keyed}),
                                     Ticket.category_id.in_({t.category_id for t in keyed}))).all()
    by_pair: dict[tuple[int, int], list] = {}
    for other in rows:
        by_pair.setdefault((other.customer_id, other.category_id), []).append(other)
    found: dict[int, list[str]] = {}
    for t in keyed:
        for other in by_pair.get((t.customer_id, t.category_id), ()):
            if (other.id != t.id and abs(other.created_at - t.created_at) <= window
                    and other.linked_ticket_id != t.id and t.linked_ticket_id != other.id):
                found.setdefault(t.id, []).append(Ticket.number_of(other.id))
    return found


def with_sort(f: QueueFilter, key: str) -> str:
    """The sort field a column's heading links to: ascending first, then descending."""
    current, desc = f.sort_key
    return f"-{key}" if current == key and not desc else key
