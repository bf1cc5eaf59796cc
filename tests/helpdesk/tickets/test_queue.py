"""The agent queue on PostgreSQL: keyset pages, views and filters, who sees what, bulk actions,
saved filters, possible duplicates, the live refresh and odd input."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from channels import InboundContact
from helpdesk.core.extensions import db
from helpdesk.intake import services as intake
from helpdesk.models import Message, Ticket, User
from helpdesk.models.types import utcnow
from helpdesk.tickets import queue
from helpdesk.tickets import services as tickets
from tests.conftest import csrf_token_from, login


def write(subject: str, text: str = "Proszę o kontakt.", *, email: str = "ewa@example.pl", name: str = "Ewa Nowak",
          category: str = "payment-problems", channel: str = "email", at=None) -> Ticket:
    """A customer's contact, taken in as intake takes every contact."""
    raw, _ = intake.store_raw(channel=channel, source="test", payload=text.encode(), media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel=channel, received_at=at or utcnow(), from_email=email,
                                                 from_name=name, subject=subject, text=text,
                                                 form_category=category))


def numbers(html: str) -> list[str]:
    return re.findall(r'<tr class="priority-\w+" data-ticket="(KT-\d+)"', html)


def expected_order(rows: list[tuple], desc: bool) -> list[int]:
    """(sort value, id) pairs in the queue's order: NULLs after every value ascending."""
    ordered = sorted(rows, key=lambda r: (r[0] is None, r[0] if r[0] is not None else 0, r[1]))
    return [r[1] for r in (ordered[::-1] if desc else ordered)]


@pytest.fixture
def mixed(app, make_staff):
    """Thirteen open tickets: ties in the deadline and the customer's name, paused ones (no deadline)."""
    lead = make_staff("lead@kontakt.test", role="lead", teams=["obsluga-klienta"])
    made = []
    for n in range(13):
        made.append(write(f"Sprawa {n}", email=f"k{n % 5}@example.pl", name=("Ewa Nowak", "Jan Kos", "Ala Zych")[n % 3],
                          category="technical-support" if n % 4 == 0 else "payment-problems"))
    for ticket in made[::4]:
        tickets.change_status(ticket.id, lead, "waiting")
    tickets.update_fields(made[2].id, lead, priority="urgent")
    return lead, made


@pytest.mark.parametrize("sort", ["due", "-due", "customer", "-customer", "created", "-priority", "number",
                                  "-agent"])
def test_keyset_pages_give_every_ticket_once_in_order_both_ways(app, mixed, monkeypatch, sort):
    lead, made = mixed
    monkeypatch.setitem(app.config, "QUEUE_PAGE_SIZE", 4)
    f = queue.QueueFilter(view="all", sort=sort)
    key, desc = f.sort_key
    column = {"due": Ticket.next_due_at, "customer": "customer", "created": Ticket.created_at,
              "priority": "priority", "number": Ticket.id, "agent": "agent"}[key]
    db.session.expire_all()
    everything = db.session.scalars(db.select(Ticket)).all()
    value = {"customer": lambda t: t.customer.name, "priority": lambda t: ["urgent", "high", "normal", "low"].index(
        t.priority), "agent": lambda t: t.assignee.name if t.assignee else None}.get(
        column, lambda t: getattr(t, column.key))
    expected = expected_order([(value(t), t.id) for t in everything], desc)

    seen, pages, after = [], [], None
    while True:
        page = queue.page(lead, f, after=after)
        pages.append([t.id for t in page.tickets])
        seen += pages[-1]
        if page.next is None:
            break
        after = page.next
    assert seen == expected and len(pages) == 4
    # Back from the last page with "previous": the same pages, in reverse.
    back, before = [pages[-1]], queue.page(lead, f, after=after).previous
    while before:
        page = queue.page(lead, f, before=before)
        back.append([t.id for t in page.tickets])
        before = page.previous
    assert back[::-1] == pages


def test_the_queue_pages_through_next_links_and_keeps_the_filter(app, client, mixed, monkeypatch):
    monkeypatch.setitem(app.config, "QUEUE_PAGE_SIZE", 5)
    login(client, "lead@kontakt.test")
    html = client.get("/agent/?view=all&category=payment-problems").get_data(as_text=True)
    shown = numbers(html)
    while 'rel="next"' in html:
        link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
        assert "category=payment-problems" in link
        html = client.get(link).get_data(as_text=True)
        shown += numbers(html)
    expected = [t.number for t in db.session.scalars(db.select(Ticket).where(Ticket.category.has(slug="payment-problems")))]
    assert sorted(shown) == sorted(expected) and len(shown) == len(set(shown)) == 9


def test_views_and_filters(app, client, make_staff, monkeypatch):
    monkeypatch.setitem(app.config, "QUEUE_DUE_SOON_MINUTES", 60 * 24 * 30)
    anna = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    old = write("Stara sprawa", at=utcnow() - timedelta(days=20))  # long past its deadline
    fresh = write("Nowa sprawa", email="jan@example.pl", name="Jan Kos", channel="webform")
    mine = write("Moja sprawa", email="ola@example.pl")
    waiting = write("Czekam", email="iza@example.pl")
    tech = write("Logowanie", category="technical-support", email="tom@example.pl")
    tickets.update_fields(mine.id, anna, assignee_id=anna.id, priority="high")
    tickets.change_status(waiting.id, anna, "waiting")
    tickets.add_tags(fresh.id, anna, ["vip"])
    closed = write("Zamknięta", email="ada@example.pl")
    tickets.change_status(closed.id, anna, "closed")
    login(client, "anna@kontakt.test")

    def shown(query: str) -> set[str]:
        response = client.get(f"/agent/?{query}")
        assert response.status_code == 200
        return set(numbers(response.get_data(as_text=True)))

    assert shown("") == {old.number, fresh.number, waiting.number}  # an agent starts at their teams' unassigned
    assert shown("view=mine") == {mine.number}
    assert shown("view=all") == {old.number, fresh.number, mine.number, waiting.number}  # not tech's team
    assert shown("view=breached") == {old.number}
    assert shown("view=due") == {fresh.number, mine.number}
    assert shown("view=waiting") == {waiting.number}
    assert shown("view=all&channel=webform") == {fresh.number}
    assert shown("view=all&priority=high") == {mine.number}
    assert shown("view=all&tag=vip") == {fresh.number}
    assert shown("view=all&assignee=me") == {mine.number}
    assert shown("view=all&assignee=none") == {old.number, fresh.number, waiting.number}
    assert shown("view=all&status=closed") == {closed.number}
    assert shown("view=all&team=wsparcie-techniczne") == set()  # not visible to anna at all
    assert shown("view=all&category=payment-problems&status=new&status=open") == {old.number, fresh.number,
                                                                                  mine.number}
    today = utcnow().date().isoformat()
    assert shown(f"view=all&created_from={today}") == {fresh.number, mine.number, waiting.number}
    assert shown(f"view=all&created_to={(utcnow() - timedelta(days=10)).date().isoformat()}") == {old.number}
    late = (utcnow() - timedelta(days=5)).date().isoformat()
    assert shown(f"view=all&due_to={late}") == {old.number}


def test_each_role_sees_only_what_it_may(app, client, make_staff):
    tech = write("Błąd aplikacji", category="technical-support", email="tom@example.pl")
    pay = write("Spłata raty")
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    make_staff("lead@kontakt.test", role="lead", teams=["obsluga-klienta"])
    make_staff("boss@kontakt.test", role="manager")
    login(client, "anna@kontakt.test")
    for query in ("view=all", "view=all&q=aplikacji", "view=all&status=new&team=wsparcie-techniczne"):
        assert tech.number not in client.get(f"/agent/?{query}").get_data(as_text=True)
    assert pay.number in client.get("/agent/?view=all").get_data(as_text=True)
    assert "view=unrouted" not in client.get("/agent/").get_data(as_text=True)
    assert client.get("/api/v1/tickets?q=aplikacji").json["tickets"] == []
    client.post("/agent/logout", data={"csrf_token": csrf_token_from(client.get("/agent/").get_data(as_text=True))})
    login(client, "boss@kontakt.test")
    assert {tech.number, pay.number} <= set(numbers(client.get("/agent/?view=all").get_data(as_text=True)))
    assert "view=unrouted" in client.get("/agent/").get_data(as_text=True)
    assert [t["number"] for t in client.get("/api/v1/tickets?q=aplikacji").json["tickets"]] == [tech.number]


def bulk(client, ids, action: str, **values):
    token = csrf_token_from(client.get("/agent/").get_data(as_text=True))
    data = {"bulk-csrf_token": token, "bulk-action": action, "ticket": [str(i) for i in ids],
            **{f"bulk-{k}": v for k, v in values.items()}}
    return client.post("/agent/queue/bulk", data=data, headers={"Accept": "application/json"})


def test_bulk_actions_change_each_ticket_and_report_refusals(app, client, make_staff):
    anna = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    a, b, c = write("Jeden"), write("Dwa", email="b@example.pl"), write("Trzy", email="c@example.pl")
    tech = write("Obcy", category="technical-support", email="t@example.pl")
    tickets.change_status(c.id, anna, "closed")
    login(client, "anna@kontakt.test")

    answer = bulk(client, [a.id, b.id], "assign", agent="me")
    assert answer.status_code == 200 and sorted(answer.json["changed"]) == [a.id, b.id]
    answer = bulk(client, [a.id, c.id], "status", status="waiting")  # closed -> waiting is not allowed
    assert answer.json["changed"] == [a.id] and answer.json["refused"] == {str(c.id): "transition-not-allowed"}
    assert "KT-" in answer.json["message"] and "Bez zmian" in answer.json["message"]
    assert bulk(client, [a.id, b.id], "priority", priority="urgent").json["changed"] == [a.id, b.id]
    assert bulk(client, [a.id], "category", category="loan-terms").json["changed"] == [a.id]
    assert bulk(client, [b.id], "tags", tags="vip, pilne").json["changed"] == [b.id]
    assert bulk(client, [tech.id], "priority", priority="low").json["refused"] == {str(tech.id): "no-such-ticket"}
    assert bulk(client, [a.id], "priority", priority="bogus").json["refused"] == {str(a.id): "unknown-priority"}
    assert bulk(client, ["x"], "priority", priority="low").status_code == 400
    db.session.expire_all()
    first, second = db.session.get(Ticket, a.id), db.session.get(Ticket, b.id)
    assert first.assignee_id == anna.id and first.status == "waiting" and first.priority == "urgent"
    assert first.category.slug == "loan-terms" and second.tags == ["vip", "pilne"]
    assert db.session.get(Ticket, tech.id).priority == "normal"


def test_bulk_merge_moves_the_conversation_into_the_oldest(app, client, make_staff):
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    first = write("Rata", "Zapłaciłem ratę.")
    second = write("Rata znowu", "Dalej nie widzę wpłaty.")
    login(client, "anna@kontakt.test")
    html = client.get("/agent/?view=all").get_data(as_text=True)
    assert f"możliwy duplikat: {first.number}" in html and f"możliwy duplikat: {second.number}" in html
    assert bulk(client, [second.id], "merge").status_code == 422  # one ticket is no merge
    assert bulk(client, [second.id, first.id], "merge").json["changed"] == [second.id, first.id]
    db.session.expire_all()
    kept, merged = db.session.get(Ticket, first.id), db.session.get(Ticket, second.id)
    assert merged.status == "closed" and merged.linked_ticket_id == kept.id
    assert {m.text for m in db.session.scalars(db.select(Message).filter_by(ticket_id=kept.id))} == {
        "Zapłaciłem ratę.", "Dalej nie widzę wpłaty."}
    html = client.get("/agent/?view=all").get_data(as_text=True)
    assert "możliwy duplikat" not in html and second.number not in numbers(html)
    assert [t["number"] for t in client.get("/api/v1/tickets?q=wplaty").json["tickets"]] == [kept.number]


def test_saved_filters_belong_to_their_agent(app, client, make_staff):
    anna = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    make_staff("ola@kontakt.test", teams=["obsluga-klienta"])
    urgent = write("Pilne")
    write("Zwykłe", email="z@example.pl")
    tickets.update_fields(urgent.id, anna, priority="urgent")
    login(client, "anna@kontakt.test")
    page = client.get("/agent/?view=all&priority=urgent").get_data(as_text=True)
    params = re.search(r'id="saved-params" name="saved-params" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/agent/queue/filters", data={"saved-csrf_token": csrf_token_from(page),
                                                         "saved-name": "Pilne", "saved-params": params.replace(
                                                             "&#34;", '"')})
    assert response.status_code == 302 and "priority=urgent" in response.location
    html = client.get("/agent/").get_data(as_text=True)
    link = re.search(r'<a class="saved" href="([^"]+)"[^>]*>★ Pilne</a>', html).group(1).replace("&amp;", "&")
    assert numbers(client.get(link).get_data(as_text=True)) == [urgent.number]
    saved = tickets.saved_filters(anna)[0]
    client.post("/agent/logout", data={"csrf_token": csrf_token_from(html)})
    login(client, "ola@kontakt.test")
    assert "Pilne</a>" not in client.get("/agent/").get_data(as_text=True)
    token = csrf_token_from(client.get("/agent/").get_data(as_text=True))
    assert client.post(f"/agent/queue/filters/{saved.id}/delete", data={"csrf_token": token}).status_code == 404
    assert tickets.saved_filters(db.session.get(User, anna.id))


def test_the_live_refresh_serves_the_rows_and_says_when_nothing_changed(app, client, make_staff):
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    first = write("Pierwsza")
    login(client, "anna@kontakt.test")
    html = client.get("/agent/?view=all").get_data(as_text=True)
    rows_url = re.search(r'data-rows-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(rows_url)
    assert response.status_code == 200 and numbers(response.get_data(as_text=True)) == [first.number]
    assert client.get(rows_url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    second = write("Druga", email="d@example.pl")
    assert set(numbers(client.get(rows_url, headers={"If-None-Match": response.headers["ETag"]})
                       .get_data(as_text=True))) == {first.number, second.number}


@pytest.mark.parametrize("query", ["after=%%%", "after=WzEsMl0", "before=bm9wZQ", "created_from=jutro",
                                   "sort=hacker", "assignee=99999999999999", "status=nope", "view=%00",
                                   "q=" + "x" * 500])
def test_odd_queue_input_is_explained_not_500(app, client, make_staff, query):
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    write("Jedna")
    login(client, "anna@kontakt.test")
    if "%00" in query:  # a NUL in any query parameter is refused with its reason, site-wide (web.security)
        response = client.get(f"/agent/?view=all&{query}")
        assert response.status_code == 400
        return
    response = client.get(f"/agent/?view=all&{query}")
    assert response.status_code == 200
    if not query.startswith("view"):
        assert 'role="alert"' in response.get_data(as_text=True)
    assert client.get(f"/agent/queue/rows?view=all&{query}").status_code == 200
    api = client.get(f"/api/v1/tickets?{query}")
    assert api.status_code in (200, 400) and (api.status_code == 200 or api.json["field"])


def test_overdue_reads_as_clock_time_in_polish(app):
    from helpdesk.web.helpers import overdue_for

    with app.test_request_context("/?lang=pl"):
        assert overdue_for(timedelta(days=2, hours=4, minutes=10)) == "po terminie od 2 dni 4 h"
        assert overdue_for(timedelta(days=1, hours=1)) == "po terminie od 1 dnia 1 h"
        assert overdue_for(timedelta(minutes=35)) == "po terminie od 35 min"
