"""Report screens, CSV downloads and the JSON API: who may see what, and the same numbers everywhere."""
from __future__ import annotations

import csv
import io
import re

import pytest

from helpdesk.web.auth import issue_api_token
from helpdesk.core.extensions import db
from helpdesk.models import Team
from helpdesk.reports import services
from helpdesk.reports.views import cell
from tests.conftest import login
from tests.helpdesk.reports.test_reports import WEEK, week  # noqa: F401  (the hand-built week)

PERIOD = "start=2026-12-07&end=2026-12-13"


def team_id(slug: str) -> int:
    return db.session.scalar(db.select(Team.id).filter_by(slug=slug))


@pytest.mark.parametrize("role,status", [("agent", 403), ("lead", 200), ("manager", 200), ("admin", 200)])
def test_reports_are_for_leads_managers_and_admins(app, client, make_staff, role, status):
    user = make_staff(role=role, teams=["obsluga-klienta"])
    login(client, user.email)
    for path in ["/reports/", *[f"/reports/{name}?{PERIOD}" for name in services.REPORTS]]:
        assert client.get(path).status_code == status, path


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/reports/sla")
    assert response.status_code == 302 and "/agent/login" in response.headers["Location"]
    assert client.get("/api/v1/reports/sla").status_code == 401


def test_a_lead_sees_only_their_own_teams(week, client, make_staff):  # noqa: F811
    lead = make_staff(role="lead", teams=["wsparcie-techniczne"])
    login(client, lead.email)
    page = client.get(f"/reports/sla?{PERIOD}").get_data(as_text=True)
    assert "Wsparcie techniczne" in page
    # Only t2 is technical support's: one breached first response, nothing of the other team's tickets.
    rows = services.sla_attainment(WEEK.__class__(start=WEEK.start, end=WEEK.end,
                                                  teams=(team_id("wsparcie-techniczne"),)))
    assert sum(r["total"] for r in rows.table("attainment").as_dicts()) == 2  # t2's two clocks
    assert f'KT-{100000 + week["t2"]}' in page and f'KT-{100000 + week["t4"]}' not in page
    other = team_id("obsluga-klienta")
    refused = client.get(f"/reports/sla?{PERIOD}&team={other}")
    assert refused.status_code == 400
    assert client.get(f"/reports/sla?{PERIOD}&team={other}&csv=attainment").status_code == 400


def test_every_report_states_its_filters(week, client, make_staff):  # noqa: F811
    manager = make_staff(role="manager")
    login(client, manager.email)
    for name in services.REPORTS:
        page = client.get(f"/reports/{name}?{PERIOD}&channel=email").get_data(as_text=True)
        assert "Ten raport pokazuje" in page and "2026-12-07 – 2026-12-13" in page, name
        assert "Kanał: E-mail" in page, name


def read_csv(response, delimiter):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return rows[0], rows[1], rows[3], rows[4:]  # title, filters, header, data


def test_csv_numbers_equal_the_screen_in_polish_and_english(week, client, make_staff):  # noqa: F811
    manager = make_staff(role="manager")
    login(client, manager.email)
    response = client.get(f"/reports/sla?{PERIOD}&csv=attainment")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    title, filters, header, data = read_csv(response, ";")
    assert "Okres: 2026-12-07 – 2026-12-13" in filters[0]
    page = client.get(f"/reports/sla?{PERIOD}").get_data(as_text=True)
    first = next(r for r in data if r[0] == "email-first-response" and r[1] == "Pierwsza odpowiedź")
    met_share = first[header.index("Dotrzymane, udział (%)")]
    assert met_share == "25,0" and f">{met_share}<" in page  # the share, as the screen shows it
    for row in data:  # every cell of the CSV is on the screen
        for value in row:
            assert f">{value}<" in page or value == "" or value in page
    english = client.get(f"/reports/times?{PERIOD}&csv=summary&lang=en")
    _, _, header, data = read_csv(english, ",")
    first = next(r for r in data if r[0] == "First response")
    assert first[header.index("Median (h)")] == "25.50"  # (2 h + 49 h) / 2 of working time


def test_the_breaches_link_to_their_tickets(week, client, make_staff):  # noqa: F811
    manager = make_staff(role="manager")
    login(client, manager.email)
    page = client.get(f"/reports/sla?{PERIOD}").get_data(as_text=True)
    assert f'href="/agent/tickets/{week["t2"]}"' in page


def test_bad_filters_are_a_polish_form_error_not_a_500(app, client, make_staff):
    manager = make_staff(role="manager")
    login(client, manager.email)
    response = client.get("/reports/sla?start=2026-12-13&end=2026-12-01")
    assert response.status_code == 400
    assert "Koniec okresu jest przed jego początkiem." in response.get_data(as_text=True)
    assert client.get("/reports/sla?start=nie-data").status_code == 400
    assert client.get("/reports/sla?start=2024-01-01&end=2026-01-01").status_code == 400
    assert client.get("/reports/nie-ma-takiego").status_code == 404
    assert client.get(f"/reports/sla?{PERIOD}&csv=nie-ma").status_code == 404


def test_the_json_api_has_the_same_reports(week, client, make_staff):  # noqa: F811
    manager = make_staff(role="manager")
    token = issue_api_token(manager, "raporty")
    response = client.get(f"/api/v1/reports/times?{PERIOD}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    summary = next(t for t in body["tables"] if t["key"] == "summary")
    screen = services.response_times(WEEK).table("summary").as_dicts()
    assert [r["median"] for r in summary["rows"]] == [r["median"] for r in screen]
    assert body["filters"]["start"] == "2026-12-07"
    agent = make_staff(role="agent")
    agent_token = issue_api_token(agent, "raporty")
    assert client.get("/api/v1/reports/times", headers={"Authorization": f"Bearer {agent_token}"}).status_code == 403
    bad = client.get("/api/v1/reports/times?start=2026-12-13&end=2026-12-01",
                     headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid"


def test_a_period_without_calls_says_so(app, client, make_staff):
    manager = make_staff(role="manager")
    login(client, manager.email)
    assert "Brak połączeń w tym okresie." in client.get(f"/reports/phone?{PERIOD}").get_data(as_text=True)


def test_charts_are_svg_with_their_numbers(week, client, make_staff):  # noqa: F811
    manager = make_staff(role="manager")
    login(client, manager.email)
    volume = client.get(f"/reports/volume?{PERIOD}").get_data(as_text=True)
    assert "<svg" in volume and not re.search(r'(src|href)="(https?:)?//', volume)  # nothing from elsewhere
    backlog = client.get(f"/reports/backlog?{PERIOD}").get_data(as_text=True)
    assert "<svg" in backlog and "▨" in backlog  # the second series hatched, named in the legend


def test_cell_formats_follow_the_language(app):
    from flask_babel import force_locale

    with force_locale("en"):
        assert cell(0.846, "percent") == "84.6" and cell(5400, "seconds") == "1.50"
    with force_locale("pl"):
        assert cell(0.846, "percent") == "84,6" and cell(5400, "seconds") == "1,50"


@pytest.mark.both_databases
def test_on_sqlite_the_reports_say_they_need_postgresql_and_the_contact_page_keeps_its_text(app, client, make_staff,
                                                                                          backend):
    manager = make_staff(role="manager")
    login(client, manager.email)
    response = client.get(f"/reports/sla?{PERIOD}")
    if backend == "sqlite":
        assert response.status_code == 503
        assert "Raporty wymagają bazy PostgreSQL" in response.get_data(as_text=True)
    else:
        assert response.status_code == 200
    assert "12:00–16:00" in client.get("/contact").get_data(as_text=True)
