"""A customer uses the customer zone in Chromium: logs in with the customer number and with the
e-mail address, resets the password from the e-mail that reaches the SMTP server, turns on
two-step verification and logs in with a code, replies to a request that the agent then sees."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from helpdesk.models.types import utcnow
from tests.helpdesk.browser.test_browser_workspace import sign_in
from tests.helpdesk.portal.conftest import (PASSWORD, _fresh_limits, link_in, mails, make_customer,  # noqa: F401
                                            smtp, smtp_server)

pytestmark = pytest.mark.browser


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def log_in(page, login: str, password: str = PASSWORD):
    page.goto("/portal/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Strefa Klienta")
    page.get_by_label("Numer klienta lub adres e-mail").fill(login)
    page.get_by_label("Hasło").fill(password)
    page.get_by_role("button", name="Zaloguj się").click()


def test_log_in_with_the_customer_number_then_with_the_e_mail_on_a_phone(page, phone, make_customer, shot,
                                                                         assert_controls_labelled):
    customer, tickets, _ = make_customer(subjects=("Nie widzę wpłaty", "Zmiana adresu"))
    page.goto("/portal/login")
    assert_controls_labelled(page)
    log_in(page, customer.customer_number)
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje zgłoszenia")
    expect(page.locator(".customer-number")).to_have_text(customer.customer_number)
    expect(page.get_by_role("link", name=re.compile("Nie widzę wpłaty"))).to_be_visible()
    shot(page, "requests")
    page.get_by_role("link", name=re.compile("Zmiana adresu")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(tickets[1].number)
    page.get_by_role("button", name="Wyloguj").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strefa Klienta")

    log_in(phone, "ewa.nowak@example.pl")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Moje zgłoszenia")
    assert no_sideways_scroll(phone)
    shot(phone, "requests-phone")


def test_reset_the_password_from_the_e_mail(page, make_customer, smtp, shot):
    make_customer()
    page.goto("/portal/login")
    page.get_by_role("link", name="Zapomniałem hasła").click()
    page.get_by_label("Numer klienta lub adres e-mail").fill("ewa.nowak@example.pl")
    page.get_by_role("button", name="Wyślij link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sprawdź skrzynkę e-mail")
    path = link_in(mails(smtp, "ewa.nowak@example.pl", "Ustaw nowe hasło")[0], "/portal/password/reset/")
    page.goto(path)
    page.get_by_label("Nowe hasło", exact=True).fill("Letnia burza nad Bałtykiem")
    page.get_by_label("Powtórz nowe hasło").fill("Letnia burza nad Bałtykiem")
    shot(page, "new-password")
    page.get_by_role("button", name="Zapisz hasło").click()
    expect(page.get_by_role("status")).to_have_text("Hasło zostało zmienione. Możesz się teraz zalogować.")
    log_in(page, "ewa.nowak@example.pl", "Letnia burza nad Bałtykiem")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje zgłoszenia")


def test_turn_on_two_step_verification_and_log_in_with_a_code(page, open_page, make_customer, shot):
    customer, _, _ = make_customer()
    log_in(page, customer.customer_number)
    page.get_by_role("link", name="Bezpieczeństwo").click()
    page.get_by_role("link", name="Włącz weryfikację dwuetapową").click()
    expect(page.get_by_role("img", name="Kod QR dla aplikacji uwierzytelniającej")).to_be_visible()
    secret = page.locator(".totp-secret").inner_text()
    shot(page, "totp")
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Włącz", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Twoje kody zapasowe")
    expect(page.locator(".recovery-codes li")).to_have_count(10)

    other = open_page()
    log_in(other, "ewa.nowak@example.pl")
    expect(other.get_by_role("heading", level=1)).to_have_text("Weryfikacja dwuetapowa")
    # the next time step's code: the one of this step was used to turn it on
    other.get_by_label(re.compile("^Kod z aplikacji")).fill(pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30)))
    other.get_by_role("button", name="Potwierdź").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Moje zgłoszenia")


def test_a_reply_in_the_zone_appears_on_the_agent_s_ticket(page, open_page, make_customer, make_staff, shot):
    customer, tickets, _ = make_customer()
    log_in(page, customer.customer_number)
    page.get_by_role("link", name=re.compile("Nie widzę wpłaty")).click()
    page.get_by_label("Twoja odpowiedź").fill("Przesyłam numer przelewu: 2025/11/42.")
    page.get_by_role("button", name="Wyślij odpowiedź").click()
    expect(page.get_by_role("status").first).to_have_text("Twoja odpowiedź została dodana do zgłoszenia.")
    expect(page.locator("article.message").last).to_contain_text("Przesyłam numer przelewu: 2025/11/42.")
    shot(page, "replied")

    make_staff("anna@kontakt.test", role="admin", name="Anna Zielińska")
    agent = open_page()
    sign_in(agent, "anna@kontakt.test")
    agent.goto(f"/agent/tickets/{tickets[0].id}")
    expect(agent.locator("article.message").last).to_contain_text("Przesyłam numer przelewu: 2025/11/42.")


def test_log_in_and_open_a_request_with_the_keyboard_alone(page, make_customer):
    customer, tickets, _ = make_customer()
    page.goto("/portal/login")
    page.get_by_label("Numer klienta lub adres e-mail").focus()
    page.keyboard.type(customer.customer_number)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Hasło")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moje zgłoszenia")
    link = page.get_by_role("link", name=re.compile("Nie widzę wpłaty"))
    for _ in range(12):  # Tab through the menu to the request
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(tickets[0].number)
