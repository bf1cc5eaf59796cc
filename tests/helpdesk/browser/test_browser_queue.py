"""The queue in Chromium: filter, search without diacritics, the keyboard alone, rows that arrive by themselves."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from tests.helpdesk.browser.test_browser_workspace import sign_in
from tests.helpdesk.tickets.test_queue import write

pytestmark = pytest.mark.browser


def row_of(page, ticket: Ticket):
    return page.locator(f'tr[data-ticket="{ticket.number}"]')


def test_agent_filters_and_searches_without_diacritics(page, make_staff, shot):
    make_staff("anna@kontakt.test", name="Anna Zielińska", teams=["obsluga-klienta"])
    bile = write("Żółć mnie zalewa", "Trzeci raz piszę o spłacie.", email="a@example.pl")
    form = write("Wniosek", "Kiedy decyzja?", email="b@example.pl", channel="webform")
    sign_in(page, "anna@kontakt.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kolejka")
    expect(row_of(page, bile)).to_be_visible()
    expect(row_of(page, form)).to_be_visible()

    page.get_by_text("Filtry", exact=True).click()
    page.get_by_role("group", name="Kanał").get_by_label("Formularz kontaktowy").check()
    page.get_by_role("button", name="Filtruj").click()
    expect(row_of(page, form)).to_be_visible()
    expect(row_of(page, bile)).to_have_count(0)

    page.get_by_role("link", name="Wyczyść filtry").click()
    page.get_by_role("searchbox", name="Szukaj").fill("zolc splacie")
    page.get_by_role("button", name="Szukaj", exact=True).click()
    expect(row_of(page, bile)).to_be_visible()
    expect(row_of(page, form)).to_have_count(0)
    expect(row_of(page, bile).locator("mark").first).to_have_text("Żółć")
    expect(row_of(page, bile).locator(".hit mark")).to_have_text("spłacie")
    shot(page, "search")


def test_the_keyboard_alone_works_the_queue(page, make_staff, shot):
    make_staff("anna@kontakt.test", name="Anna Zielińska", teams=["obsluga-klienta"])
    first = write("Pierwsza sprawa", "Proszę o harmonogram spłaty.", email="a@example.pl")
    second = write("Druga sprawa", "Zmiana adresu.", email="b@example.pl")
    sign_in(page, "anna@kontakt.test")
    page.goto("/agent/?view=all&sort=number")
    expect(row_of(page, first)).to_be_visible()

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Skróty klawiszowe")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.keyboard.press("j")
    expect(row_of(page, first)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("j")
    expect(row_of(page, second)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("k")
    expect(row_of(page, first)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("x")
    expect(row_of(page, first).get_by_role("checkbox")).to_be_checked()
    page.keyboard.press("a")  # assign to me
    expect(row_of(page, first)).to_contain_text("Anna Zielińska")
    expect(row_of(page, first).get_by_role("checkbox")).to_be_checked()  # the refresh kept the tick
    db.session.expire_all()
    assert db.session.get(Ticket, first.id).assignee.name == "Anna Zielińska"

    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Szukaj")).to_be_focused()
    page.keyboard.type("adresu")
    page.keyboard.press("Enter")
    expect(row_of(page, second)).to_be_visible()
    expect(row_of(page, first)).to_have_count(0)
    page.wait_for_load_state("load")  # the results are a new page: its keyboard script must be running
    page.keyboard.press("Escape")  # out of the search box, if it kept the focus
    page.keyboard.press("j")
    page.keyboard.press("o")
    expect(page.get_by_role("heading", level=1)).to_contain_text(second.number)
    page.go_back()
    expect(row_of(page, second)).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("r")
    expect(page).to_have_url(re.compile(rf"/agent/tickets/{second.id}#reply$"))
    shot(page, "ticket")


def test_new_tickets_appear_without_a_reload_and_the_selection_stays(app, page, make_staff, monkeypatch, shot):
    monkeypatch.setitem(app.config, "QUEUE_REFRESH_SECONDS", 1)
    make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    first = write("Pierwsza", email="a@example.pl")
    sign_in(page, "anna@kontakt.test")
    page.goto("/agent/?view=all&sort=number")
    row_of(page, first).get_by_role("checkbox").check()
    page.evaluate("document.body.dataset.loadedOnce = 'yes'")  # gone if the page reloads

    later = write("Nowa sprawa", email="b@example.pl")
    expect(row_of(page, later)).to_be_visible(timeout=15000)
    expect(row_of(page, later)).to_have_class(re.compile(r"\bfresh\b"))
    expect(page.get_by_role("status").filter(has_text="Nowe lub zmienione zgłoszenia: 1")).to_be_visible()
    expect(row_of(page, first).get_by_role("checkbox")).to_be_checked()
    assert page.evaluate("document.body.dataset.loadedOnce") == "yes"
    shot(page, "live")
    page.goto("about:blank")  # no refresh running while the database is emptied for the next test
