"""Hostile input to every endpoint the app has: no answer is a 5xx.

The endpoints are read from the app's url_map, so an endpoint added later is walked too. Each
gets, as an anonymous visitor and as a logged-in administrator (with an API token as well):
very long text, NUL, invalid UTF-8 and lone surrogates, NaN and Infinity, odd digits (a
superscript, full-width, Arabic-Indic, huge), and redirects elsewhere; in its path arguments,
its query (the parameter names the app reads, found in its source, and common ones), its form
fields (the names on its page, with the page's CSRF token) and a JSON body (nested 100 000
deep, NaN, a number too large for a float, a lone surrogate)."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from helpdesk import REPO_ROOT
from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.web.auth import issue_api_token
from tests.conftest import login

TEXTS = [
    "x" * 5000, "\x00", "a\x00b", "\ud800", "🙂" * 50, "NaN", "Infinity", "-Infinity", "²", "１２", "٣",
    "99999999999999999999999", "-1", "1e309", "0x10", " 7 ", "/%0a/evil.example", "/\t/evil.example",
    "//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
]
# Form bodies as raw bytes too: invalid UTF-8 cannot be written as a str.
RAW_FORM_VALUES = [b"\xff\xfe\xfd", b"%ff%fe", b"\xc3\x28"]
JSON_BODIES = [
    "[" * 100000 + "]" * 100000,
    '{"subject": NaN, "text": Infinity, "limit": -Infinity}',
    '{"subject": "a", "text": "b", "n": 1e999}',
    '{"subject": "\\ud800", "text": "\\udfff x", "customer": {"name": "\\ud800"}}',
    '{"subject": "' + "s" * 100000 + '", "text": [1, 2, {"a": null}]}',
    '{"subject": "ok", "text": "ok", "customer": {"email": "' + "e" * 250 + '@x.pl"}}',
    "\xff\xfe not json",
]
COMMON_PARAMETERS = ["limit", "offset", "page", "q", "year", "month", "from", "to", "start", "end", "date",
                     "next", "view", "status", "lang", "id", "ticket", "agent", "team", "category", "channel"]


def parameter_names() -> list[str]:
    """What the app reads from queries and forms anywhere (so a new parameter is tried too)."""
    found = set(COMMON_PARAMETERS)
    for path in (REPO_ROOT / "helpdesk").rglob("*.py"):
        found.update(re.findall(r"request\.(?:args|form|values)\.get\(\s*[\"']([\w-]+)[\"']", path.read_text()))
    return sorted(found)


def endpoints(app) -> list[tuple[str, str, list[str]]]:
    """(rule, method, its argument names) for every route but the static files, and the
    endpoints answered in front of Flask (the CTI webhook)."""
    found = list(app.extensions.get("kontakt_wsgi_endpoints", []))
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, sorted(rule.arguments)))
    return found


def q(text: str | bytes) -> str:
    """Percent-encoded as a client sends it; a lone surrogate as the (invalid) UTF-8 bytes it would be."""
    return quote(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"), safe="")


def fill(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: q(values[m.group(1)]), rule)


def form_body(token: str, fields: list[str], value: str | bytes) -> str:
    return "&".join([f"csrf_token={q(token)}"] + [f"{q(f)}={q(value)}" for f in fields])


def field_names(html: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', html)) - {"csrf_token", "csrf-token", "viewport"}


def walk(client, app, headers: dict, known_id: int) -> tuple[list[str], int]:
    """Send everything to every endpoint; the answers that were 5xx (or raised), and how many were sent."""
    failures, sent = [], 0
    names = parameter_names()

    def send(method: str, url: str, **kwargs) -> None:
        nonlocal sent
        sent += 1
        try:
            response = client.open(url, method=method, headers={**headers, **kwargs.pop("headers", {})}, **kwargs)
        except Exception as error:  # TESTING propagates what would have been a 500
            failures.append(f"{method} {url[:120]}: {type(error).__name__}: {str(error)[:200]}")
            db.session.rollback()
            return
        if response.status_code >= 500:
            failures.append(f"{method} {url[:120]}: {response.status_code}")

    for rule, method, arguments in endpoints(app):
        if "logout" in rule:
            continue  # would end the walk's session; a logout takes no input
        plain = fill(rule, {a: str(known_id) for a in arguments})
        page = client.get(plain, headers=headers) if "GET" in _methods(app, rule) else None
        html = page.get_data(as_text=True) if page is not None else ""
        token = _token(html) or _token(client.get("/contact").get_data(as_text=True))
        fields = sorted(field_names(html)) or names
        only_ids = all(type(c).__name__ == "DatabaseId" for c in _converters(app, rule))
        tried = ["1", str(2**40), "0", "²", "１２"] if only_ids else TEXTS + ["1", str(2**40), "0"]
        path_values = [{a: v for a in arguments} for v in tried] if arguments else [{}]
        for values in path_values:
            url = fill(rule, values)
            if method == "GET":
                send("GET", url)
            else:
                send(method, url, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        if method == "GET":
            for text in TEXTS:
                send("GET", plain + "?" + "&".join(f"{n}={q(text)}" for n in names))
        else:
            for value in TEXTS + RAW_FORM_VALUES:
                send(method, plain + "?next=" + q(value), data=form_body(token, fields, value),
                     content_type="application/x-www-form-urlencoded", headers={"X-CSRFToken": token})
            for body in JSON_BODIES:
                send(method, plain, data=body.encode("utf-8", "surrogatepass"), content_type="application/json",
                     headers={"X-CSRFToken": token, "Idempotency-Key": "k" * 300})
    return failures, sent


def _converters(app, rule: str) -> list:
    return [c for r in app.url_map.iter_rules() if r.rule == rule for c in r._converters.values()]


def _methods(app, rule: str) -> set[str]:
    return set().union(*(r.methods for r in app.url_map.iter_rules() if r.rule == rule))


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html)
    return match.group(1) if match else ""


def open_a_ticket() -> int:
    from channels import InboundContact
    from helpdesk.intake import services as intake
    from helpdesk.models.types import utcnow

    raw, _ = intake.store_raw(channel="email", source="test", payload=b"x", media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email="k@example.pl",
                                                 from_name="Klient", subject="Temat", text="Treść sprawy")).id


def test_no_input_gets_a_5xx_from_any_endpoint_anonymous(app, client):
    failures, sent = walk(client, app, {}, open_a_ticket())
    assert sent > 500  # the walk reached the endpoints
    assert failures == [], "\n".join(failures)


def test_no_input_gets_a_5xx_from_any_endpoint_as_admin(app, client, make_staff):
    ticket_id = open_a_ticket()
    admin = make_staff("root@kontakt.test", role="admin")
    token = issue_api_token(admin, "hostile")
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "100000 per minute"  # the walk posts to the login page too
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "100000 per minute"
    try:
        assert login(client, "root@kontakt.test").status_code == 302
        failures, sent = walk(client, app, {"Authorization": f"Bearer {token}"}, ticket_id)
    finally:
        app.config["LOGIN_LIMIT_PER_ADDRESS"] = "30 per 15 minutes"
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "10 per 15 minutes"
    assert sent > 500
    assert failures == [], "\n".join(failures)
    assert db.session.get(Ticket, ticket_id) is not None


@pytest.mark.parametrize("limit", ["²", "１２", "٣", "1e3", "NaN", "99999999999999999999999999"])
def test_odd_digits_as_a_limit_are_a_400(client, make_staff, limit):
    token = issue_api_token(make_staff(teams=["obsluga-klienta"]), "t")
    response = client.get(f"/api/v1/tickets?limit={quote(limit)}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["field"] == "limit"


@pytest.mark.parametrize("body", JSON_BODIES[:4])
def test_json_the_standard_does_not_allow_is_a_400_with_the_reason(client, make_staff, body):
    token = issue_api_token(make_staff(teams=["obsluga-klienta"]), "t")
    response = client.post("/api/v1/tickets", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.get_json()["field"] == "body" and "not valid JSON" in response.get_json()["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 0


def test_the_walk_covers_the_api_the_forms_and_what_the_source_reads(app):
    rules = {rule for rule, _, _ in endpoints(app)}
    assert {"/api/v1/tickets", "/contact", "/agent/login", "/agent/tickets/<int:ticket_id>"} <= rules
    assert {"view", "year", "action"} <= set(parameter_names()) - {"limit", "offset"}
