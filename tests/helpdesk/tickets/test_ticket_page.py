"""The ticket page on PostgreSQL: conversation, attachments, the customer panel, replies and notes,
optimistic locking, merge and split, canned responses, who else is viewing."""
from __future__ import annotations

import pytest

from channels import InboundAttachment
from helpdesk.core.extensions import db
from helpdesk.mail.services.outbound import goes_by_mail
from helpdesk.models import AuditEntry, Message, Ticket, TicketEvent
from helpdesk.models.sla import Notification
from helpdesk.models.tickets import CannedResponse
from helpdesk.tickets import services as ticket_service
from tests.conftest import csrf_token_from, login
from tests.helpdesk.tickets.factories import PDF, PESEL, PNG, customer_writes_again, email_ticket, field_value, form_ticket

TEAM = "wsparcie-techniczne"


def page_of(client, ticket_id: int, **params) -> str:
    response = client.get(f"/agent/tickets/{ticket_id}", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def attachment_urls(html: str) -> list[str]:
    import re

    return list(dict.fromkeys(re.findall(r'href="(/agent/attachments/[^"?]+)"', html)))


# --- attachments ---------------------------------------------------------------------------

def test_attachments_open_inline_when_safe_and_download_otherwise(client, make_staff):
    ticket = email_ticket(attachments=[
        InboundAttachment("wyciąg z konta.pdf", "application/pdf", PDF),
        InboundAttachment("ekran.png", "image/png", PNG),
        InboundAttachment("strona.html", "text/html", b"<script>alert(1)</script>"),
        InboundAttachment("udaje.pdf", "application/pdf", b"<html>not a pdf</html>"),
    ])
    agent = make_staff(teams=[TEAM])
    login(client, agent.email)
    html = page_of(client, ticket.id)
    pdf, png, page, fake = attachment_urls(html)
    assert f'<img src="{png}"' in html  # the image is previewed on the page

    response = client.get(pdf)
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "filename*=UTF-8''wyci%C4%85g%20z%20konta.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(pdf + "?download=1").headers["Content-Disposition"].startswith("attachment")
    assert client.get(png).headers["Content-Disposition"].startswith("inline")

    for url in (page, fake):  # HTML never renders; a "PDF" whose bytes are not one neither
        response = client.get(url)
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in response.headers["Content-Security-Policy"]


def test_attachments_are_served_only_to_staff_who_may_see_the_ticket(client, make_staff):
    ticket = email_ticket(attachments=[InboundAttachment("umowa.pdf", "application/pdf", PDF)])
    owner = make_staff(teams=[TEAM])
    login(client, owner.email)
    (url,) = attachment_urls(page_of(client, ticket.id))
    client.post("/agent/logout", data={"csrf_token": csrf_token_from(page_of(client, ticket.id))})
    assert client.get(url).status_code == 302  # not logged in: to the login page

    other = make_staff(teams=["obsluga-klienta"])
    login(client, other.email)
    assert client.get(url).status_code == 404
    assert client.get("/agent/attachments/999999/x.pdf").status_code == 404


# --- the conversation ----------------------------------------------------------------------

def test_quoted_text_is_folded_and_the_whole_conversation_is_in_order(client, make_staff):
    ticket = email_ticket(text="Pierwsza wiadomość.")
    customer_writes_again(ticket, "Druga wiadomość.\n\nW dniu 1.12.2026 Kontakt napisał(a):\n> Pierwsza wiadomość.")
    agent = make_staff(teams=[TEAM])
    ticket_service.reply(ticket.id, agent, "Odpowiedź konsultanta.")
    login(client, agent.email)
    html = page_of(client, ticket.id)
    conversation = html.split('class="conversation"')[1].split('class="composer')[0]
    assert conversation.index("Pierwsza wiadomość.") < conversation.index("Druga wiadomość.") \
        < conversation.index("Odpowiedź konsultanta.")
    assert "<details><summary>Pokaż cytowaną treść</summary>" in conversation


def test_an_undelivered_reply_says_why_in_the_page_language(client, make_staff):
    ticket = email_ticket()
    agent = make_staff(teams=[TEAM])
    login(client, agent.email)
    html = page_of(client, ticket.id)
    client.post(f"/agent/tickets/{ticket.id}", data={"reply-csrf_token": csrf_token_from(html),
                                                    "reply-text": "Proszę o zrzut ekranu."})
    html = page_of(client, ticket.id)  # no SMTP server in these tests: the reply waits
    assert "nie skonfigurowano jeszcze serwera poczty wychodzącej" in html
    assert "SMTP_HOST" not in html
    assert "no outgoing mail server is configured" in page_of(client, ticket.id, lang="en")


def test_reply_and_note_are_separate_and_the_note_never_goes_to_the_customer(client, make_staff):
    ticket = email_ticket()
    agent = make_staff(teams=[TEAM])
    colleague = make_staff("kasia.nowak@kontakt.test", name="Kasia Nowak", teams=[TEAM])
    outsider = make_staff("olek@kontakt.test", teams=["obsluga-klienta"])
    login(client, agent.email)
    html = page_of(client, ticket.id)
    assert ">Odpowiedz klientowi</button>" in html and ">Dodaj notatkę wewnętrzną</button>" in html
    response = client.post(f"/agent/tickets/{ticket.id}", data={
        "note-csrf_token": csrf_token_from(html), "note-text": "@kasia.nowak @olek zerknij proszę na to"},
        follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Notatka zapisana." in body and "Powiadomiono: Kasia Nowak." in body

    note = db.session.scalars(db.select(Message).filter_by(ticket_id=ticket.id, internal=True)).one()
    assert note.delivery_status is None and not goes_by_mail(note)
    assert 'class="message note' in body
    # Kasia is told; the outsider's team does not handle the ticket, so nobody pings them into it
    mentions = db.session.scalars(db.select(Notification).filter_by(kind="mention")).all()
    assert [(n.user_id, n.message_id) for n in mentions] == [(colleague.id, note.id)]
    assert outsider.id not in {n.user_id for n in mentions}
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "new"  # a note is not an answer

    client.post("/agent/logout", data={"csrf_token": csrf_token_from(body)})
    login(client, colleague.email)
    notifications = client.get("/agent/notifications").get_data(as_text=True)
    assert "Wzmianka w notatce wewnętrznej" in notifications and f"#m{note.id}" in notifications


# --- the customer panel ------------------------------------------------------------------

def test_pesel_is_masked_and_revealing_it_is_audited(client, make_staff):
    ticket = form_ticket()
    agent = make_staff(teams=["obsluga-klienta"])
    login(client, agent.email)
    html = page_of(client, ticket.id)
    assert PESEL not in html
    assert "••••••••359" in html and "PZ/2025/00417" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .filter_by(action="pesel-revealed")) == 0

    token = csrf_token_from(html)
    response = client.post(f"/agent/tickets/{ticket.id}/pesel", data={"csrf_token": token},
                           headers={"Accept": "application/json"})
    assert response.json == {"pesel": PESEL}
    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="pesel-revealed")).one()
    assert entry.actor_user_id == agent.id and entry.data == {"ticket": ticket.number}

    # without JavaScript: the page again, with the PESEL shown once
    response = client.post(f"/agent/tickets/{ticket.id}/pesel", data={"csrf_token": token}, follow_redirects=True)
    assert PESEL in response.get_data(as_text=True)
    assert PESEL not in page_of(client, ticket.id)
    assert client.post(f"/agent/tickets/{ticket.id}/pesel").status_code == 400  # no CSRF token


def test_other_tickets_of_the_customer_most_recent_first_paged_and_only_visible_ones(client, make_staff):
    first = email_ticket(subject="Najstarsze", category="technical-support")
    hidden = email_ticket(subject="Reklamacja innego zespołu", category="complaints")
    older = [email_ticket(subject=f"Sprawa {n}") for n in range(11)]
    current = email_ticket(subject="Bieżące")
    db.session.execute(db.update(Ticket).where(Ticket.id == hidden.id).values(team_id=db.select(
        db.text("id FROM teams WHERE slug = 'obsluga-klienta'")).scalar_subquery()))
    db.session.commit()
    agent = make_staff(teams=[TEAM])
    login(client, agent.email)
    html = page_of(client, current.id)
    panel = html.split('id="customer"')[1]
    assert "Inne zgłoszenia (12)" in panel  # 11 + the first; not the other team's
    assert panel.index(older[-1].number) < panel.index(older[-2].number)  # most recent first
    assert hidden.number not in panel and first.number not in panel  # first is on page 2
    page2 = page_of(client, current.id, others=2).split('id="customer"')[1]
    assert first.number in page2 and hidden.number not in page2


# --- changes: optimistic locking, tags, merge, split ---------------------------------------

def test_a_conflicting_edit_is_refused_with_a_clear_message(client, make_staff, app):
    ticket = email_ticket()
    anna = make_staff(teams=[TEAM])
    piotr = make_staff(teams=[TEAM])
    login(client, anna.email)
    annas_page = page_of(client, ticket.id)
    assert field_value(annas_page, "status-version") == "1"

    other = app.test_client()
    login(other, piotr.email)
    piotrs_page = other.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    response = other.post(f"/agent/tickets/{ticket.id}", data={
        "fields-csrf_token": csrf_token_from(piotrs_page), "fields-version": field_value(piotrs_page, "fields-version"),
        "fields-category": "technical-support", "fields-priority": "high", "fields-team": TEAM,
        "fields-assignee": str(piotr.id), "fields-tags": "VIP, pilne"})
    assert response.status_code == 302

    response = client.post(f"/agent/tickets/{ticket.id}", data={
        "status-csrf_token": csrf_token_from(annas_page), "status-version": "1", "status-status": "solved"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Ktoś inny zmienił to zgłoszenie" in text
    assert field_value(text, "status-version") == "2"  # the page now carries the current version
    db.session.expire_all()
    saved = db.session.get(Ticket, ticket.id)
    assert (saved.status, saved.priority, saved.assignee_id, saved.tags) == ("new", "high", piotr.id, ["vip", "pilne"])

    # with the current version her change goes through
    response = client.post(f"/agent/tickets/{ticket.id}", data={
        "status-csrf_token": csrf_token_from(text), "status-version": "2", "status-status": "solved"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "solved"


def test_merge_moves_the_messages_and_closes_the_merged_ticket(client, make_staff):
    source = email_ticket(text="Druga sprawa o tym samym.")
    target = email_ticket(text="Pierwsza sprawa.")
    agent = make_staff(teams=[TEAM])
    login(client, agent.email)
    html = page_of(client, source.id)
    response = client.post(f"/agent/tickets/{source.id}", data={
        "merge-csrf_token": csrf_token_from(html), "merge-version": field_value(html, "merge-version"),
        "merge-target": target.number.lower()}, follow_redirects=True)
    assert f"Scalono ze zgłoszeniem {target.number}." in response.get_data(as_text=True)
    db.session.expire_all()
    merged = db.session.get(Ticket, source.id)
    assert (merged.status, merged.linked_ticket_id, merged.messages) == ("closed", target.id, [])
    assert [m.text for m in db.session.get(Ticket, target.id).messages] == ["Druga sprawa o tym samym.",
                                                                          "Pierwsza sprawa."]
    kinds = {e.kind for e in db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=target.id))}
    assert "merged-from" in kinds

    html = page_of(client, target.id)
    response = client.post(f"/agent/tickets/{target.id}", data={
        "merge-csrf_token": csrf_token_from(html), "merge-version": field_value(html, "merge-version"),
        "merge-target": target.number})
    assert response.status_code == 422
    assert "Nie można scalić zgłoszenia z nim samym." in response.get_data(as_text=True)


def test_split_moves_a_customer_message_to_a_new_ticket(client, make_staff):
    ticket = email_ticket(text="Nie mogę się zalogować.")
    customer_writes_again(ticket, "A przy okazji: chcę zmienić adres.")
    agent = make_staff(teams=[TEAM])
    login(client, agent.email)
    html = page_of(client, ticket.id)
    second = db.session.get(Ticket, ticket.id).messages[1]
    response = client.post(f"/agent/tickets/{ticket.id}", data={
        "split-csrf_token": csrf_token_from(html), "split-message_id": str(second.id)}, follow_redirects=True)
    db.session.expire_all()
    new = db.session.get(Message, second.id).ticket
    assert new.id != ticket.id and new.linked_ticket_id == ticket.id and new.customer_id == ticket.customer_id
    assert f"Wiadomość jest teraz zgłoszeniem {new.number}." in response.get_data(as_text=True)
    assert [m.text for m in db.session.get(Ticket, ticket.id).messages] == ["Nie mogę się zalogować."]
    html = page_of(client, ticket.id)
    assert "Przenieś do nowego zgłoszenia" not in html  # the ticket's own request stays with it
    first = db.session.get(Ticket, ticket.id).messages[0]
    response = client.post(f"/agent/tickets/{ticket.id}", data={
        "split-csrf_token": csrf_token_from(html), "split-message_id": str(first.id)})
    assert response.status_code == 422 and "Pierwsza wiadomość to treść zgłoszenia" in response.get_data(as_text=True)
    from helpdesk.models.sla import SlaClock

    assert db.session.scalar(db.select(db.func.count()).select_from(SlaClock).filter_by(ticket_id=new.id)) > 0


# --- canned responses --------------------------------------------------------------------

def test_leads_manage_canned_responses_and_agents_insert_them_filled_in(client, make_staff, app):
    lead = make_staff(role="lead", teams=[TEAM])
    agent = make_staff(teams=[TEAM])
    login(client, lead.email)
    html = client.get("/admin/canned-responses").get_data(as_text=True)
    response = client.post("/admin/canned-responses", data={
        "csrf_token": csrf_token_from(html), "title": "Reset hasła", "language": "pl", "active": "y",
        "body": "Dzień dobry {customer_name}, w sprawie {ticket_number} odpowiemy {due}. {nieznana}"})
    assert response.status_code == 422 and "nieistniejącej zmiennej" in response.get_data(as_text=True)
    client.post("/admin/canned-responses", data={
        "csrf_token": csrf_token_from(html), "title": "Reset hasła", "language": "pl", "active": "y",
        "body": "Dzień dobry {customer_name}, w sprawie {ticket_number} odpowiemy {due}."})
    client.post("/admin/canned-responses", data={
        "csrf_token": csrf_token_from(html), "title": "Password reset", "language": "en", "active": "y",
        "body": "Hello {customer_name}, about {ticket_number}: we answer {due}."})
    responses = {c.language: c for c in db.session.scalars(db.select(CannedResponse))}
    assert set(responses) == {"pl", "en"}
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .filter_by(entity="canned_response")) == 2

    ticket = email_ticket()
    other = app.test_client()
    login(other, agent.email)
    assert other.get("/admin/canned-responses").status_code == 403
    html = other.get(f"/agent/tickets/{ticket.id}", query_string={"canned": responses["pl"].id}).get_data(as_text=True)
    reply_box = html.split('id="reply-text"')[1].split("</textarea>")[0]
    assert f"Dzień dobry Ewa Nowak, w sprawie {ticket.number} odpowiemy do " in reply_box
    assert "{due}" not in reply_box
    assert "Hello Ewa Nowak, about " + ticket.number in html  # the English one is offered too


# --- who else is viewing -----------------------------------------------------------------

def viewers_line(html: str) -> str:
    return html.split('id="viewers"')[1].split("</p>")[0]


@pytest.mark.both_databases  # the view is noted on a connection of its own, beside the page's (SQLite: a second writer)
def test_who_else_is_viewing_the_ticket_is_shown(client, make_staff, app):
    ticket = email_ticket()
    anna = make_staff(name="Anna Zielińska", teams=[TEAM])
    piotr = make_staff(name="Piotr Wiśniewski", teams=[TEAM])
    login(client, anna.email)
    html = page_of(client, ticket.id)
    assert "Zgłoszenie ogląda też" not in viewers_line(html)

    other = app.test_client()
    login(other, piotr.email)
    assert "Zgłoszenie ogląda też: Anna Zielińska" in viewers_line(
        other.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True))
    beat = client.post(f"/agent/tickets/{ticket.id}/viewers", data={"csrf_token": csrf_token_from(html)})
    assert beat.json == {"viewers": ["Piotr Wiśniewski"], "version": 1}

    # a page left open longer than the heartbeat's window no longer counts
    from datetime import timedelta

    from helpdesk.models.tickets import TicketViewer
    from helpdesk.models.types import utcnow

    db.session.execute(db.update(TicketViewer).filter_by(user_id=anna.id).values(
        seen_at=utcnow() - ticket_service.viewing_window() - timedelta(seconds=1)))
    db.session.commit()
    assert "Zgłoszenie ogląda też" not in viewers_line(other.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True))
