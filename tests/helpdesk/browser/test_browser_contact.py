"""A customer uses the public contact form in Chromium: on a phone, in Polish, by keyboard."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.core.extensions import db
from helpdesk.models import Attachment, Ticket

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_customer_on_a_phone_sends_the_form_with_a_pdf(phone, shot):
    phone.goto("/contact")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Skontaktuj się z nami")
    assert no_sideways_scroll(phone)
    shot(phone, "empty")

    phone.get_by_label("Imię i nazwisko").fill("Zofia Wiśniewska")
    phone.get_by_label("Adres e-mail").fill("zofia.wisniewska@example.pl")
    phone.get_by_label("Telefon (opcjonalnie)").fill("660 600 701")
    phone.get_by_label("Czego dotyczy sprawa?").select_option(label="Problemy z płatnością")
    phone.get_by_label("Temat").fill("Wpłata nie jest widoczna")
    phone.get_by_label("Opisz swoją sprawę").fill("Zapłaciłam ratę w poniedziałek, a w panelu nadal widzę zaległość.")
    phone.get_by_label(re.compile("^Załączniki")).set_input_files(
        {"name": "potwierdzenie.pdf", "mimeType": "application/pdf", "buffer": PDF})
    shot(phone, "filled")
    phone.get_by_role("button", name="Wyślij").tap()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Dziękujemy, otrzymaliśmy Twoje zgłoszenie")
    number = phone.locator(".ticket-number").inner_text()
    assert re.fullmatch(r"KT-\d{6,}", number)
    assert no_sideways_scroll(phone)
    shot(phone, "sent")

    ticket = db.session.get(Ticket, Ticket.id_from_number(number))
    assert ticket.subject == "Wpłata nie jest widoczna" and ticket.category.slug == "payment-problems"
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert attachment.filename == "potwierdzenie.pdf" and attachment.media_type == "application/pdf"


def test_empty_fields_get_polish_errors_and_typed_text_stays(phone, shot):
    phone.goto("/contact")
    phone.get_by_label("Imię i nazwisko").fill("Zofia Wiśniewska")
    phone.get_by_label("Temat").fill("Wp")
    phone.get_by_role("button", name="Wyślij").tap()

    expect(phone.get_by_role("alert")).to_have_text("Popraw zaznaczone poniżej pola.")
    shot(phone, "errors")
    email = phone.get_by_label("Adres e-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("Podaj adres e-mail.")
    expect(phone.get_by_label("Czego dotyczy sprawa?")).to_have_accessible_description("Wybierz kategorię.")
    expect(phone.get_by_label("Opisz swoją sprawę")).to_have_accessible_description("Opisz swoją sprawę.")
    expect(phone.get_by_label("Temat")).to_have_accessible_description(re.compile("Temat musi mieć"))
    expect(phone.get_by_label("Imię i nazwisko")).to_have_value("Zofia Wiśniewska")
    expect(phone.get_by_label("Imię i nazwisko")).not_to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_label("Temat")).to_have_value("Wp")
    assert db.session.scalars(db.select(Ticket)).all() == []


def test_language_switches_to_english_and_back(page, shot):
    page.goto("/contact")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact us")
    shot(page, "english")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Full name")).to_be_visible()

    page.goto("/contact")  # the choice is remembered for the session
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    page.get_by_role("link", name="Polski").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skontaktuj się z nami")
    expect(page.locator("html")).to_have_attribute("lang", "pl")


def test_form_is_filled_and_sent_with_the_keyboard_alone(page, assert_controls_labelled):
    page.goto("/contact")
    page.locator("summary").click()
    assert_controls_labelled(page)
    page.locator("summary").click()
    page.get_by_label("Imię i nazwisko").focus()
    page.keyboard.type("Jan Kowalczyk")
    for label, keys in [("Adres e-mail", "jan@example.pl"), ("Telefon (opcjonalnie)", "22 206 21 21")]:
        page.keyboard.press("Tab")
        expect(page.get_by_label(label)).to_be_focused()
        page.keyboard.type(keys)
    page.keyboard.press("Tab")
    category = page.get_by_label("Czego dotyczy sprawa?")
    expect(category).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(category).not_to_have_value("")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Temat")).to_be_focused()
    page.keyboard.type("Nie mogę się zalogować")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Opisz swoją sprawę")).to_be_focused()
    page.keyboard.type("Po wpisaniu hasła strona logowania wraca do początku.")
    page.keyboard.press("Tab")
    expect(page.locator("summary")).to_be_focused()  # the optional account details, folded
    page.keyboard.press("Tab")
    expect(page.get_by_label(re.compile("^Załączniki"))).to_be_focused()
    page.keyboard.press("Tab")
    send = page.get_by_role("button", name="Wyślij")
    expect(send).to_be_focused()
    assert send.evaluate("b => getComputedStyle(b).outlineStyle") != "none"  # focus is visible
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Dziękujemy, otrzymaliśmy Twoje zgłoszenie")
    number = page.locator(".ticket-number").inner_text()
    assert db.session.get(Ticket, Ticket.id_from_number(number)).subject == "Nie mogę się zalogować"


def test_a_file_that_is_not_a_document_is_refused_next_to_the_file_field(page):
    page.goto("/contact")
    page.get_by_label("Imię i nazwisko").fill("Jan Kowalczyk")
    attachments = page.get_by_label(re.compile("^Załączniki"))
    attachments.set_input_files({"name": "program.exe", "mimeType": "application/octet-stream",
                                 "buffer": b"MZ\x90\x00" + bytes(60)})
    page.get_by_role("button", name="Wyślij").click()

    expect(attachments).to_have_accessible_description("Plik program.exe nie jest plikiem PDF, JPG ani PNG.")
    expect(attachments).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Imię i nazwisko")).to_have_value("Jan Kowalczyk")
