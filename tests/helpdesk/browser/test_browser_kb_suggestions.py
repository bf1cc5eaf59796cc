"""Help articles suggested on the contact form in headless Chromium, with and without JavaScript,
and the deflected contacts they count."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from helpdesk.core.extensions import db
from helpdesk.kb import services
from helpdesk.models import RawContact, Ticket
from helpdesk.models.kb import KbContactVisit
from helpdesk.models.types import utcnow
from tests.helpdesk.kb.conftest import shipped  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

PASSWORD_ARTICLE = "Nie pamiętam hasła — jak ustawić nowe"


def fill_the_form(page):
    page.goto("/contact")
    page.get_by_label("Imię i nazwisko").fill("Zofia Wiśniewska")
    page.get_by_label("Adres e-mail").fill("zofia.wisniewska@example.pl")
    page.get_by_label("Czego dotyczy sprawa?").select_option(label="Wsparcie techniczne")
    page.get_by_label("Temat").fill("Nie mogę się zalogować")
    page.get_by_label("Opisz swoją sprawę").fill("Zapomniałam hasła i nie wiem, jak ustawić nowe.")


def visits():
    db.session.expire_all()
    return db.session.scalars(db.select(KbContactVisit)).all()


def stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(RawContact))


def test_suggestions_appear_while_typing_and_yes_counts_a_deflected_contact(page, shipped, shot):
    fill_the_form(page)
    suggestions = page.get_by_role("region", name="Te artykuły mogą odpowiedzieć na Twoje pytanie")
    link = suggestions.get_by_role("link", name=PASSWORD_ARTICLE)
    expect(link).to_be_visible()
    shot(page, "suggested")
    with page.context.expect_page() as opened:
        link.click()
    article = opened.value
    expect(article.get_by_role("heading", level=1)).to_have_text(PASSWORD_ARTICLE)
    article.get_by_role("button", name="Tak, to rozwiązało mój problem").click()
    expect(article.get_by_text("Nie musisz wysyłać formularza kontaktowego.")).to_be_visible()
    shot(article, "solved")
    assert [v.outcome for v in visits()] == ["solved"] and stored() == 0


def test_with_suggestions_seen_while_typing_the_form_sends_at_once(page, shipped):
    fill_the_form(page)
    expect(page.get_by_role("link", name=PASSWORD_ARTICLE)).to_be_visible()
    page.get_by_role("button", name="Wyślij").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dziękujemy, otrzymaliśmy Twoje zgłoszenie")
    assert db.session.scalar(db.select(Ticket.subject)) == "Nie mogę się zalogować"
    assert [v.outcome for v in visits()] == ["submitted"]  # seen, and written anyway: not deflected


def test_without_javascript_suggestions_come_as_a_step_before_sending(open_page, shipped, shot):
    page = open_page(java_script_enabled=False)
    fill_the_form(page)
    page.get_by_role("button", name="Wyślij").click()
    expect(page.get_by_role("heading", name="Te artykuły mogą odpowiedzieć na Twoje pytanie")).to_be_visible()
    expect(page.get_by_label("Temat")).to_have_value("Nie mogę się zalogować")  # everything typed is kept
    shot(page, "step")
    assert stored() == 0
    with page.context.expect_page() as opened:
        page.get_by_role("link", name=PASSWORD_ARTICLE).click()
    expect(opened.value.get_by_role("heading", level=1)).to_have_text(PASSWORD_ARTICLE)
    opened.value.close()
    # The visitor leaves; the sweep counts a deflected contact once the grace time has passed.
    assert services.decide_left(utcnow() + timedelta(minutes=31)) == 1
    assert [v.outcome for v in visits()] == ["left"]


def test_without_javascript_sending_after_the_step_sends(open_page, shipped):
    page = open_page(java_script_enabled=False)
    fill_the_form(page)
    page.get_by_role("button", name="Wyślij").click()
    expect(page.get_by_role("link", name=PASSWORD_ARTICLE)).to_be_visible()
    page.get_by_role("button", name="Wyślij").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dziękujemy, otrzymaliśmy Twoje zgłoszenie")
    assert re.fullmatch(r"KT-\d{6,}", page.locator(".ticket-number").inner_text())
    assert stored() == 1 and [v.outcome for v in visits()] == ["submitted"]


def test_the_error_summary_takes_the_focus(open_page):
    for javascript in (True, False):
        page = open_page(java_script_enabled=javascript)
        page.goto("/contact")
        page.get_by_label("Temat").fill("Wp")
        page.get_by_role("button", name="Wyślij").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        summary.get_by_role("link", name=re.compile("^Adres e-mail")).click()
        expect(page.get_by_label("Adres e-mail")).to_be_focused()


def test_an_agent_inserts_an_article_link_into_the_reply(page, shipped, make_staff, shot):
    from tests.helpdesk.browser.test_browser_workspace import customer_writes, sign_in

    ticket = customer_writes("Hasło", "Nie pamiętam hasła do strefy klienta.")
    make_staff("anna@kontakt.test", teams=["wsparcie-techniczne"])
    sign_in(page, "anna@kontakt.test")
    page.goto(f"/agent/tickets/{ticket.id}")
    reply = page.get_by_label("Wiadomość")
    reply.fill("Dzień dobry, instrukcja jest tutaj:")
    page.get_by_label("Znajdź artykuł pomocy").fill("haslo")
    page.get_by_label("Znajdź artykuł pomocy").press("Enter")
    page.get_by_role("button", name="Wstaw do odpowiedzi").first.click()
    expect(reply).to_have_value(re.compile(
        r"^Dzień dobry, instrukcja jest tutaj:\n\nNie pamiętam hasła — jak ustawić nowe: http://127\.0\.0\.1:\d+/pomoc/"
        r"nie-pamietam-hasla-jak-ustawic-nowe\n$"))
    expect(page).to_have_url(re.compile(f"/agent/tickets/{ticket.id}$"))  # never left the ticket
    shot(page, "inserted")
