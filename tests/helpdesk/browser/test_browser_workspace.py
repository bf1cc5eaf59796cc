"""Staff use the agent workspace in Chromium: log in, work a ticket, log out; no admin without the role."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.types import utcnow

pytestmark = pytest.mark.browser


def customer_writes(subject: str, text: str) -> Ticket:
    raw, _ = intake.store_raw(channel="email", source="test", payload=text.encode(), media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email="ewa@example.pl",
                                                 from_name="Ewa Nowak", subject=subject, text=text,
                                                 form_category="technical-support"))


def sign_in(page, email: str, password: str = "correct horse"):
    page.goto("/agent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Panel konsultanta")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło").fill(password)
    page.get_by_role("button", name="Zaloguj się").click()


def test_agent_answers_a_ticket_from_the_queue(page, make_staff, shot, assert_controls_labelled):
    ticket = customer_writes("Logowanie do panelu", "Nie mogę się zalogować od wczoraj.")
    make_staff("anna@kontakt.test", name="Anna Zielińska", teams=["wsparcie-techniczne"])
    sign_in(page, "anna@kontakt.test")

    expect(page.get_by_role("heading", level=1)).to_have_text("Kolejka")
    row = page.locator("tr", has=page.get_by_role("link", name=ticket.number))
    expect(row).to_contain_text("Logowanie do panelu")
    expect(row).to_contain_text("Ewa Nowak")
    shot(page, "queue")
    row.get_by_role("link", name=ticket.number).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)
    assert_controls_labelled(page)
    expect(page.locator("article.message").first).to_contain_text("Nie mogę się zalogować od wczoraj.")
    page.get_by_label("Wiadomość do klienta").fill("Proszę zresetować hasło linkiem z e-maila.")
    page.get_by_role("button", name="Odpowiedz klientowi").click()
    expect(page.get_by_role("status")).to_have_text("Odpowiedź wysłana.")
    reply = page.locator("article.message").last
    expect(reply).to_contain_text("Proszę zresetować hasło linkiem z e-maila.")
    expect(reply).to_contain_text("Anna Zielińska")

    page.get_by_label("Status").select_option(label="Oczekuje na klienta")
    page.get_by_role("button", name="Zmień status").click()
    expect(page.get_by_role("status")).to_have_text("Status zmieniony.")
    expect(page.get_by_label("Status")).to_have_value("waiting")
    shot(page, "ticket")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "waiting"


def test_logout_ends_the_session(page, make_staff, shot):
    make_staff("anna@kontakt.test", teams=["wsparcie-techniczne"])
    sign_in(page, "anna@kontakt.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kolejka")

    page.get_by_role("button", name="Wyloguj").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Panel konsultanta")
    shot(page, "login")
    page.goto("/agent/")
    expect(page.get_by_label("Hasło")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Zaloguj się, aby kontynuować.")


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_staff_without_admin_rights_get_403_on_admin(page, make_staff, role, shot):
    make_staff(f"{role}@kontakt.test", role=role, teams=["obsluga-klienta"])
    sign_in(page, f"{role}@kontakt.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kolejka")
    if role == "agent":
        expect(page.get_by_role("link", name="Administracja")).to_have_count(0)
    else:  # a lead reaches the screens a lead may open, and the side menu offers no others
        page.get_by_role("link", name="Administracja").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Reguły routingu")
        menu = page.get_by_role("navigation", name="Administracja")
        expect(menu.get_by_role("link", name="Przegląd")).to_have_count(0)
        expect(menu.get_by_role("link", name="Skrzynki pocztowe")).to_have_count(0)
        expect(menu.get_by_role("link", name="Gotowe odpowiedzi")).to_have_count(1)

    response = page.goto("/admin/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("403")
    expect(page.get_by_text("Nie masz dostępu do tej strony.")).to_be_visible()
    shot(page, "forbidden")


def test_admin_reaches_the_admin_screens(page, make_staff):
    make_staff("admin@kontakt.test", role="admin")
    sign_in(page, "admin@kontakt.test")
    page.get_by_role("link", name="Administracja").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administracja")


def test_the_queue_fits_a_phone_screen_as_cards(page, make_staff, shot):
    for n in range(3):
        customer_writes(f"Bardzo długi temat zgłoszenia numer {n} o logowaniu do panelu klienta",
                        "Nie mogę się zalogować od wczoraj.")
    make_staff("anna@kontakt.test", name="Anna Zielińska", teams=["wsparcie-techniczne"])
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "anna@kontakt.test")

    expect(page.get_by_role("heading", level=1)).to_have_text("Kolejka")
    expect(page.locator("tr[data-ticket]").first).to_contain_text("Normalny")
    label = page.evaluate("getComputedStyle(document.querySelector('td[data-label]'), '::before').content")
    assert label == '"Klient: "'  # each field says what it is, as the hidden column heads did
    for box in ("document.documentElement", "document.querySelector('table.queue')"):
        overflow = page.evaluate(f"{box}.scrollWidth - {box}.clientWidth")
        assert overflow <= 0, f"{box} scrolls sideways by {overflow} px on a phone"
    shot(page, "queue-phone")
