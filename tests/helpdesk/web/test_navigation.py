"""Every role sees in its top bar and side menu exactly the screens it may open, and every staff
endpoint checks the role on the server (walked from the app's URL map, per role)."""
from __future__ import annotations

import re

import pytest

from helpdesk.models.core import ROLES
from helpdesk.web.helpers import MENUS, menu_entries
from tests.conftest import login

# Pages anyone may open (the contact form, the public calendars), the JSON API (its own bearer-token check) and logout (any logged-in user).
PUBLIC = {"static", "web.index", "web.login", "web.logout", "web.healthz",
          "calendars.calendar_ics"}  # the published opening hours, for anyone's calendar app
PUBLIC_PREFIXES = ("intake.", "api.", "mail_api.", "portal.", "api_")
RANK = {role: n for n, role in enumerate(ROLES)}  # agent < lead < manager < admin


def staff_rules(app):
    for rule in app.url_map.iter_rules():
        if (rule.endpoint in PUBLIC or rule.endpoint.startswith(PUBLIC_PREFIXES)
                or rule.rule.startswith(("/api/", "/pomoc/"))):  # the help pages are public by design
            continue
        yield rule, app.view_functions[rule.endpoint]


def sample_url(rule) -> str:
    """The rule's URL with made-up arguments: the role check comes before any lookup."""
    values = {}
    for name, converter in rule._converters.items():
        if hasattr(converter, "num_convert"):  # <int:…>
            values[name] = 1
        elif isinstance(getattr(converter, "items", None), set):  # <any(a, b):…>
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def menu_links(html: str) -> list[str]:
    """The hrefs of the top bar and the administration side menu."""
    parts = re.findall(r'<header class="top">(.*?)</header>', html, re.S)
    parts += re.findall(r'<nav class="admin-menu"[^>]*>(.*?)</nav>', html, re.S)
    return [href for part in parts for href in re.findall(r'<a [^>]*href="([^"?#]+)', part)]


def assert_no_inline_script(html: str, where: str) -> None:
    """Scripts come from files under /static/ only, as a Content-Security-Policy without
    'unsafe-inline' requires: no inline <script>, no on…= handlers, no javascript: links."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline <script> on {where}"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), f"inline event handler on {where}"
    assert "javascript:" not in html, f"javascript: link on {where}"


def test_the_ticket_page_has_no_inline_script(client, make_staff):
    from tests.helpdesk.tickets.factories import form_ticket

    ticket = form_ticket()
    lead = make_staff(role="lead", teams=["obsluga-klienta"])
    login(client, lead.email)
    html = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert '<script src="/static/ticket.js" defer></script>' in html
    assert_no_inline_script(html, "the ticket page")


def test_every_menu_entry_is_a_staff_screen_with_a_role_check(app):
    entries = [entry for name in MENUS for entry in menu_entries(app, name)]
    assert {"tickets.queue", "sla.notifications", "admin.index", "routing.rules"} <= {e.endpoint for e in entries}
    for entry in entries:
        assert app.view_functions[entry.endpoint].allowed_roles, entry.endpoint


def test_every_staff_endpoint_checks_the_role_on_the_server(app):
    unchecked = [rule.rule for rule, view in staff_rules(app) if not getattr(view, "allowed_roles", None)]
    assert unchecked == []


@pytest.mark.parametrize("role", ROLES)
def test_every_link_a_role_is_shown_opens_and_nothing_it_may_open_is_missing(client, make_staff, role, app):
    user = make_staff(role=role, teams=["obsluga-klienta"])
    login(client, user.email)
    pages = ["/agent/"]
    queue = client.get("/agent/").get_data(as_text=True)
    links = set(menu_links(queue))
    admin_entry = [href for href in links if href.startswith("/admin/")]
    if admin_entry:
        pages += admin_entry
        links |= set(menu_links(client.get(admin_entry[0]).get_data(as_text=True)))
    for href in sorted(links):
        response = client.get(href)
        assert response.status_code == 200, f"{role} is shown {href}"
        assert_no_inline_script(response.get_data(as_text=True), href)

    with app.test_request_context():
        from flask import url_for

        # entries drawn by a template of their own (a count, a panel) are checked by the walk above
        expected = {url_for(entry.endpoint) for name in MENUS for entry in menu_entries(app, name)
                    if entry.template is None and role in app.view_functions[entry.endpoint].allowed_roles}
    assert expected <= links, f"{role} may open {expected - links} but is not shown them"
    if role == "agent":
        assert not admin_entry  # nothing of the administration: every screen there answers 403 to agents
    else:
        assert admin_entry  # leads and managers reach the screens they may open (routing, teams, agents...)


@pytest.mark.parametrize("role", ROLES)
def test_endpoints_above_a_role_answer_403_and_anonymous_is_sent_to_log_in(client, make_staff, role, app,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # the role check, not the CSRF one, answers
    user = make_staff(role=role, teams=["obsluga-klienta"])
    anonymous = app.test_client()
    login(client, user.email)
    checked = 0
    for rule, view in staff_rules(app):
        url = sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if role not in view.allowed_roles:
                response = client.open(url, method=method)
                assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
                checked += 1
            if role == "agent":  # once: without logging in, every staff endpoint sends to the login page
                response = anonymous.open(url, method=method)
                assert response.status_code == 302 and "/agent/login" in response.headers["Location"], url
    if role != "admin":
        assert checked > 0  # every role below admin has screens it may not open
