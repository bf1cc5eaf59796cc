"""A manager reads the reports in Chromium: filters, the breaches linked to their tickets, a CSV
download, and the report readable on a phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpdesk.browser.test_browser_workspace import sign_in
from tests.helpdesk.reports.conftest import now  # noqa: F401  (the fixtures of the hand-built week)
from tests.helpdesk.reports.test_reports import week  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_manager_filters_the_sla_report_and_opens_a_breached_ticket(page, week, make_staff, shot,  # noqa: F811
                                                                      assert_controls_labelled):
    make_staff("kierownik@kontakt.test", name="Marta Kierownik", role="manager")
    sign_in(page, "kierownik@kontakt.test")
    page.get_by_role("link", name="Raporty").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raporty")
    page.get_by_role("link", name="Dotrzymanie SLA").first.click()
    page.get_by_label("Od", exact=True).fill("2026-12-07")
    page.get_by_label("Do", exact=True).fill("2026-12-13")
    page.get_by_label("Podział według").select_option("team")
    page.get_by_role("button", name="Pokaż").click()
    expect(page.locator(".report-scope")).to_contain_text("Okres: 2026-12-07 – 2026-12-13")
    attainment = page.locator("#attainment table")
    expect(attainment).to_contain_text("Wsparcie techniczne")
    assert_controls_labelled(page)
    shot(page, "sla")
    with page.expect_download() as download:
        page.locator("#attainment").get_by_role("link", name="Pobierz CSV").click()
    body = open(download.value.path(), "rb").read()
    assert body.startswith("\ufeff".encode()) and "Dotrzymane".encode() in body
    number = f"KT-{100000 + week['t2']}"
    page.locator("#breaches").get_by_role("link", name=number).click()
    expect(page).to_have_url(f"{page.url.split('/agent/')[0]}/agent/tickets/{week['t2']}")


def test_every_report_renders_with_its_charts(page, week, make_staff, shot):  # noqa: F811
    make_staff("kierownik@kontakt.test", name="Marta Kierownik", role="manager")
    sign_in(page, "kierownik@kontakt.test")
    for name in ("times", "backlog", "volume", "phone", "fcr", "staffing"):
        page.goto(f"/reports/{name}?start=2026-12-07&end=2026-12-13&week=2026-12-14")
        expect(page.locator(".report-scope")).to_contain_text("2026-12-07 – 2026-12-13")
        shot(page, name)


def test_the_report_fits_a_phone_screen(phone, week, make_staff, shot):  # noqa: F811
    make_staff("kierownik@kontakt.test", name="Marta Kierownik", role="manager")
    sign_in(phone, "kierownik@kontakt.test")
    phone.goto("/reports/times?start=2026-12-07&end=2026-12-13")
    expect(phone.locator("#summary table")).to_be_visible()
    # wide tables scroll inside their own box; the page itself does not scroll sideways
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(phone, "times")
