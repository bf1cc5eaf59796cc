"""Ticket search: the documents it reads, the match and rank of a query, and the highlighted hits.

Words on both sides go through routing.text.stems (folded: no case, no diacritics; stemmed: a
light Polish suffix stripper), so "zolc" finds "żółć" and "spłaty" finds "spłata". A query's
words match the beginning of stored words (prefix), so "kowal" finds "Kowalska" too.

PostgreSQL: one weighted tsvector per ticket (subject A, customer identity B, messages D) in a GIN
index, the text search configuration "kontakt_search" (simple + unaccent), ranked by ts_rank.
SQLite (the demo): LIKE over the space-padded words, ranked by which fields hold the words.
The documents are rebuilt before each commit that opened a ticket or added a message to one.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape
from sqlalchemy import Float, case, event, func, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, TSQUERY
from sqlalchemy.orm import Session

from helpdesk.core.extensions import db, upsert
from helpdesk.models import Customer, CustomerEmail, CustomerPhone, Message, Ticket
from helpdesk.models.tickets import SEARCH_CONFIG, SEARCH_VECTOR, TicketSearch
from helpdesk.models.types import utcnow
from routing.text import STOP_WORDS, fold, stem, stems

MAX_TERMS = 8  # a query's first distinct words; more narrow nothing down
RANKED = 500  # matches a search ranks at most (see window)
TRY = 5000  # the newest tickets the narrowest window holds
_DIRTY = "kontakt_search_dirty"  # session.info key: ids of tickets whose document is stale
_WORD = re.compile(r"\w+")


# --- documents -------------------------------------------------------------------------------

def words_of(*parts: str | None) -> str:
    """" stem stem … ": the distinct stems of ``parts`` in first-seen order, space-padded."""
    seen: dict[str, None] = {}
    for part in parts:
        if part:
            for word in stems(part):
                seen.setdefault(word, None)
    return " " + " ".join(seen) + " " if seen else ""


def address_word(address: str) -> str:
    """An e-mail address as one word ("ewa.nowak@example.pl" is "ewanowakexamplepl"), so a search
    for the whole address finds its owner, not everyone at the same domain."""
    return "".join(fold(address).split())


def identity_words(ticket_id: int, customer: dict | None) -> str:
    """The words a ticket is found by besides its text: its number and who the customer is."""
    number = Ticket.number_of(ticket_id)
    parts = [number, number[3:]]
    if customer:
        parts += [customer.get("name"), customer.get("customer_number"), *customer.get("emails", ()),
                  *(address_word(a) for a in customer.get("emails", ())),
                  *customer.get("phones", ()), *(p.lstrip("+") for p in customer.get("phones", ()))]
    return words_of(*parts)


def mark_stale(ticket_id: int) -> None:
    """Rebuild this ticket's search document before the current transaction commits."""
    db.session.info.setdefault(_DIRTY, set()).add(ticket_id)


def rebuild(ticket_ids: Iterable[int]) -> int:
    """Write the search documents of these tickets from their subject, customer and messages.

    Inside the caller's transaction: four reads and one upsert however many tickets.
    """
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    session = db.session
    tickets = session.execute(select(Ticket.id, Ticket.subject, Ticket.customer_id).where(Ticket.id.in_(ids))).all()
    customer_ids = {t.customer_id for t in tickets if t.customer_id}
    customers: dict[int, dict] = {}
    if customer_ids:
        for cid, name, number in session.execute(select(Customer.id, Customer.name, Customer.customer_number)
                                                 .where(Customer.id.in_(customer_ids))):
            customers[cid] = {"name": name, "customer_number": number, "emails": [], "phones": []}
        for cid, address in session.execute(select(CustomerEmail.customer_id, CustomerEmail.address)
                                            .where(CustomerEmail.customer_id.in_(customer_ids))):
            customers[cid]["emails"].append(address)
        for cid, number in session.execute(select(CustomerPhone.customer_id, CustomerPhone.number)
                                           .where(CustomerPhone.customer_id.in_(customer_ids))):
            customers[cid]["phones"].append(number)
    texts: dict[int, list[str]] = {}
    for tid, subject, body in session.execute(select(Message.ticket_id, Message.subject, Message.text)
                                              .where(Message.ticket_id.in_(ids)).order_by(Message.id)):
        texts.setdefault(tid, []).extend((subject, body))
    now = utcnow()
    rows = [{"ticket_id": t.id, "subject": words_of(t.subject),
             "identity": identity_words(t.id, customers.get(t.customer_id)),
             "body": words_of(*texts.get(t.id, ())), "updated_at": now} for t in tickets]
    if not rows:
        return 0
    session.execute(upsert(TicketSearch, [TicketSearch.ticket_id], ("subject", "identity", "body", "updated_at"),
                           bind=session.get_bind()), rows)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(update(TicketSearch).where(TicketSearch.ticket_id.in_(ids))
                        .values(vector=literal_column(SEARCH_VECTOR)))
    return len(rows)


def _before_commit(session: Session) -> None:
    ids = session.info.pop(_DIRTY, None)
    if ids:
        rebuild(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_DIRTY, None)


def install() -> None:
    """Rebuild stale documents before every commit (registered once, for every session)."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", lambda session, previous: _after_rollback(session))


# --- queries ---------------------------------------------------------------------------------

def query_terms(query: str) -> list[str]:
    """The distinct stems a search for ``query`` looks for (at most MAX_TERMS)."""
    terms: list[str] = []
    addresses = [piece for piece in query.split() if "@" in piece]
    if addresses:  # an address is looked for whole (see address_word), the rest word by word
        terms = [stem(address_word(a)) for a in addresses]
        query = " ".join(piece for piece in query.split() if "@" not in piece)
    for word in fold(query).split():
        if word in STOP_WORDS:
            continue
        word = stem(word)
        if (len(word) > 1 or word.isdigit()) and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def tsquery(terms: list[str]) -> str:
    """A tsquery every one of whose terms begins a word of the document."""
    return " & ".join(f"'{term}':*" for term in terms if re.fullmatch(r"\w+", term))


def apply(query, terms: list[str], since: int | None = None):
    """``query`` (a select of tickets) narrowed to the tickets matching every term (from ticket id
    ``since`` on, when given), and the expression of the match's rank (higher is better)."""
    query = query.join(TicketSearch, TicketSearch.ticket_id == Ticket.id)
    if since:
        query = query.where(TicketSearch.ticket_id >= since)
    if is_postgresql():
        ts_query = func.to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), tsquery(terms), type_=TSQUERY)
        query = query.where(TicketSearch.vector.op("@@")(ts_query))
        # ts_rank is a real; as a double its value survives the trip to a page cursor and back exactly.
        return query, func.ts_rank(TicketSearch.vector, ts_query, type_=Float).cast(DOUBLE_PRECISION)
    rank = literal(0.0)
    for term in terms:
        pattern = f"% {term}%"
        query = query.where((TicketSearch.subject.like(pattern)) | (TicketSearch.identity.like(pattern))
                            | (TicketSearch.body.like(pattern)))
        rank = rank + case((TicketSearch.subject.like(pattern), 3.0), else_=0.0) \
            + case((TicketSearch.identity.like(pattern), 2.0), else_=0.0) \
            + case((TicketSearch.body.like(pattern), 1.0), else_=0.0)
    return query, rank.cast(Float)


def window(query) -> int | None:
    """Where a search with many matches starts: the lowest ticket id from which at most RANKED of
    them are left to rank (the newest tickets first), or None when all of them can be ranked.

    A word in a fifth of a million tickets would otherwise be ranked in every one of them. Each
    try counts at most RANKED + 1 matches, widening five-fold from the newest TRY tickets, so a
    rare word (a name, a number) costs a few small counts and a common one stops early.
    """
    def over(q) -> bool:
        return db.session.scalar(select(func.count()).select_from(
            q.with_only_columns(Ticket.id).limit(RANKED + 1).subquery())) > RANKED

    top = db.session.scalar(select(func.max(Ticket.id))) or 0
    span, since = TRY, None
    while span < top:
        if over(query.where(TicketSearch.ticket_id > top - span)):
            return since or top - TRY + 1
        since = top - span + 1
        span *= 5
    return None if not over(query) else since


def older(since: int) -> int:
    """The window before ``since`` (see window): five times as many tickets back; 0 for all."""
    top = db.session.scalar(select(func.max(Ticket.id))) or 0
    lower = top - 5 * (top - since + 1) + 1
    return lower if lower > 1 else 0


# --- hits ------------------------------------------------------------------------------------

def _hits(text_: str, terms: list[str]) -> list[tuple[int, int]]:
    spans = []
    for match in _WORD.finditer(text_):
        word = stem(fold(match.group()))
        if any(word.startswith(term) for term in terms):
            spans.append(match.span())
    return spans


def highlight(text_: str, terms: list[str]) -> Markup:
    """``text_`` escaped, each word a term begins wrapped in <mark>."""
    out, last = [], 0
    for start, end in _hits(text_, terms):
        out += [escape(text_[last:start]), Markup("<mark>"), escape(text_[start:end]), Markup("</mark>")]
        last = end
    out.append(escape(text_[last:]))
    return Markup("").join(out)


def snippet(text_: str, terms: list[str], width: int = 160) -> Markup | None:
    """About ``width`` characters of ``text_`` around its first hit, highlighted; None without a hit."""
    spans = _hits(text_, terms)
    if not spans:
        return None
    start = max(0, spans[0][0] - width // 3)
    end = min(len(text_), start + width)
    piece = " ".join(text_[start:end].split())
    return Markup("").join([Markup("… ") if start else Markup(""), highlight(piece, terms),
                            Markup(" …") if end < len(text_) else Markup("")])


def snippets(ticket_ids: list[int], terms: list[str]) -> dict[int, Markup]:
    """For each ticket, the first of its messages' passages a term hits (highlighted)."""
    if not ticket_ids or not terms:
        return {}
    found: dict[int, Markup] = {}
    rows = db.session.execute(select(Message.ticket_id, Message.text).where(Message.ticket_id.in_(ticket_ids))
                              .order_by(Message.ticket_id, Message.id))
    for ticket_id, body in rows:
        if ticket_id not in found and body:
            piece = snippet(body, terms)
            if piece is not None:
                found[ticket_id] = piece
    return found
