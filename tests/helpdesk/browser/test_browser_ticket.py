"""The ticket page in Chromium: open a ticket and its attachments, reply and see the mail arrive at
a real SMTP server, a note that does not, the SLA clock stopping with the status, a conflicting edit
refused, the PESEL revealed and a canned response inserted by the page's script."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from channels import InboundAttachment
from helpdesk.core.extensions import db
from helpdesk.models import AuditEntry, Ticket
from helpdesk.tickets import services as ticket_service
from tests.fixtures.mailservers import smtp, smtp_server  # noqa: F401  (pytest fixtures)
from tests.helpdesk.browser.test_browser_workspace import sign_in
from tests.helpdesk.tickets.factories import PDF, PESEL, PNG, email_ticket, form_ticket

pytestmark = pytest.mark.browser
TEAM = "wsparcie-techniczne"


def test_agent_opens_a_ticket_and_its_attachments(page, make_staff, shot):
    ticket = email_ticket(subject="Wyciąg", text="W załączeniu wyciąg i zrzut ekranu.", attachments=[
        InboundAttachment("wyciąg.pdf", "application/pdf", PDF), InboundAttachment("ekran.png", "image/png", PNG)])
    make_staff("anna@kontakt.test", name="Anna Zielińska", teams=[TEAM])
    sign_in(page, "anna@kontakt.test")
    page.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)

    preview = page.get_by_role("img", name="ekran.png")
    expect(preview).to_be_visible()
    # the bytes came through and decode as an image (waits until the browser has loaded it)
    page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=preview.element_handle())
    with page.expect_popup() as opened:
        page.get_by_role("link", name="wyciąg.pdf").click()
    pdf = opened.value
    assert pdf.url.endswith("/wyci%C4%85g.pdf")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Pobierz").first.click()
    download = downloading.value
    assert download.suggested_filename == "wyciąg.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == PDF
    shot(page, "attachments")


def test_reply_reaches_the_customer_and_a_note_does_not(page, make_staff, smtp, shot):
    ticket = email_ticket(sender="ewa@example.pl", subject="Logowanie", text="Nie mogę się zalogować.")
    make_staff("anna@kontakt.test", name="Anna Zielińska", teams=[TEAM])
    before = len(smtp.received)
    sign_in(page, "anna@kontakt.test")
    page.goto(f"/agent/tickets/{ticket.id}")

    page.get_by_label("Notatka wewnętrzna (klient jej nie widzi)").fill("Klient dzwonił wczoraj w tej sprawie.")
    page.get_by_role("button", name="Dodaj notatkę wewnętrzną").click()
    expect(page.get_by_role("status")).to_have_text("Notatka zapisana.")
    note = page.locator("article.message.note")
    expect(note).to_contain_text("Klient dzwonił wczoraj w tej sprawie.")
    expect(note).to_contain_text("Notatka wewnętrzna")
    assert len(smtp.received) == before  # nothing went out

    page.get_by_label("Wiadomość do klienta").fill("Proszę zresetować hasło linkiem z e-maila.")
    page.get_by_role("button", name="Odpowiedz klientowi").click()
    expect(page.get_by_role("status")).to_have_text("Odpowiedź wysłana.")
    expect(page.locator("article.message.out").last).to_contain_text("Wysłana do klienta.")
    (mail,) = smtp.received[before:]
    assert mail.recipients == ["ewa@example.pl"]
    body = mail.data.decode("utf-8", "replace")
    assert ticket.number in body and "Klient dzwonił" not in body
    shot(page, "replied")


def test_solving_the_ticket_stops_its_sla_clock(page, make_staff, shot):
    ticket = email_ticket()
    agent = make_staff("anna@kontakt.test", teams=[TEAM])
    ticket_service.reply(ticket.id, agent, "Sprawdzam.")
    sign_in(page, "anna@kontakt.test")
    page.goto(f"/agent/tickets/{ticket.id}")
    clocks = page.locator("dl.sla-clocks")
    expect(clocks.locator("dt", has_text="Rozwiązanie")).to_contain_text("biegnie")

    page.get_by_label("Status").select_option(label="Rozwiązane")
    page.get_by_role("button", name="Zmień status").click()
    expect(page.get_by_role("status")).to_have_text("Status zmieniony.")
    expect(clocks.locator("dt", has_text="Rozwiązanie")).to_contain_text("dotrzymany")
    page.get_by_text("Historia SLA").click()
    expect(page.locator("ol.sla-history")).to_contain_text("status: Rozwiązane")
    shot(page, "solved")


def test_a_conflicting_edit_is_refused(open_page, make_staff, shot, app, monkeypatch):
    monkeypatch.setitem(app.config, "TICKET_HEARTBEAT_SECONDS", 1)  # the pages learn of each other quickly
    ticket = email_ticket()
    make_staff("anna@kontakt.test", name="Anna Zielińska", teams=[TEAM])
    make_staff("piotr@kontakt.test", name="Piotr Wiśniewski", teams=[TEAM])
    anna, piotr = open_page(), open_page()
    for page, email in ((anna, "anna@kontakt.test"), (piotr, "piotr@kontakt.test")):
        sign_in(page, email)
        page.goto(f"/agent/tickets/{ticket.id}")
    expect(anna.locator("#viewers")).to_have_text("Zgłoszenie ogląda też: Piotr Wiśniewski")
    expect(anna.locator("#ticket-changed")).to_be_hidden()

    piotr.get_by_label("Priorytet").select_option(label="Pilny")
    piotr.get_by_role("button", name="Zapisz zmiany").click()
    expect(piotr.get_by_role("status")).to_have_text("Zgłoszenie zaktualizowane.")
    # Anna's open page is told before she tries anything
    expect(anna.locator("#ticket-changed")).to_have_text(
        "Ktoś inny właśnie zmienił to zgłoszenie. Odśwież stronę, zanim coś zmienisz.")

    anna.get_by_label("Status").select_option(label="Oczekuje na klienta")
    anna.get_by_role("button", name="Zmień status").click()
    expect(anna.locator(".flash.error")).to_contain_text("Ktoś inny zmienił to zgłoszenie")
    expect(anna.get_by_label("Priorytet")).to_have_value("urgent")  # she now sees his change
    shot(anna, "conflict")
    db.session.expire_all()
    saved = db.session.get(Ticket, ticket.id)
    assert (saved.status, saved.priority) == ("new", "urgent")


def test_pesel_is_revealed_on_click_and_a_canned_response_is_inserted(page, make_staff, shot):
    ticket = form_ticket()
    lead = make_staff("ewa@kontakt.test", role="lead", teams=["obsluga-klienta"])
    ticket_service.save_canned_response(lead, title="Termin spłaty", language="pl",
                                        body="Dzień dobry {customer_name}, dziękujemy za zgłoszenie {ticket_number}.")
    sign_in(page, "ewa@kontakt.test")
    page.goto(f"/agent/tickets/{ticket.id}")
    pesel = page.locator("#pesel")
    expect(pesel).to_have_text("••••••••359")
    expect(page.locator("#customer")).to_contain_text("PZ/2025/00417")
    page.get_by_role("button", name="Pokaż cały PESEL").click()
    expect(pesel).to_have_text(PESEL)
    assert page.url.endswith(f"/agent/tickets/{ticket.id}")  # no reload: the page's script did it
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .filter_by(action="pesel-revealed")) == 1

    page.get_by_label("Gotowa odpowiedź").select_option(label="Termin spłaty (PL)")
    page.get_by_role("button", name="Wstaw").click()
    expect(page.get_by_label("Wiadomość do klienta")).to_have_value(
        f"Dzień dobry Jan Kowalski, dziękujemy za zgłoszenie {ticket.number}.")
    shot(page, "customer-panel")
