"""Browser fixtures: the app on a live loopback server, driven by headless Chromium (Playwright).

Chromium is Debian's `chromium` package at /usr/bin/chromium (KONTAKT_TEST_CHROMIUM overrides the
path); Playwright never downloads a browser. As for PostgreSQL and Redis, a missing Chromium skips
these tests on a developer machine and fails them when CI=true.

Set KONTAKT_SCREENSHOTS=/tmp/shots to keep a screenshot of each page a test calls `shot()` on.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import unavailable

CHROMIUM = os.environ.get("KONTAKT_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("KONTAKT_SCREENSHOTS")


class _InFlight:
    """Counts the live server's requests in progress, so a test's end can wait for them: pages
    that poll (the caller panel) must not be mid-request while the database is emptied."""

    def __init__(self, app):
        self.app, self.count, self.lock = app, 0, threading.Condition()

    def __call__(self, environ, start_response):
        with self.lock:
            self.count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return self._streamed(body)

    def _streamed(self, body):
        """The response body as it is sent (a stream stays a stream); done when it is closed."""
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()
            self._done()

    def _done(self) -> None:
        with self.lock:
            self.count -= 1
            self.lock.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self.lock:
            self.lock.wait_for(lambda: self.count == 0, timeout)


_in_flight: _InFlight | None = None


@pytest.fixture(scope="session")
def live_server(_session_app):
    """The session's app served over HTTP on 127.0.0.1 (a free port) from a background thread.

    It shares the test database with the `app` fixture: what a test commits, the pages show; each
    request runs in its own app context in the server's threads, as under gunicorn.
    """
    global _in_flight
    _in_flight = _InFlight(_session_app)
    server = make_server("127.0.0.1", 0, _in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session, with Playwright's fresh temporary profile."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        unavailable("Playwright", exc)
    if not Path(CHROMIUM).exists():
        unavailable("Chromium", FileNotFoundError(f"no browser at {CHROMIUM} (apt-get install chromium)"))
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        except Error as exc:
            unavailable("Chromium", exc)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(app, browser, live_server):
    """Factory: a page in a new browser context (own cookies) at the live server, desktop-sized by default."""
    contexts = []

    def open_(viewport: dict = DESKTOP, **options):
        context = browser.new_context(base_url=live_server, viewport=viewport, locale="pl-PL",
                                      timezone_id="Europe/Warsaw", **options)
        context.set_default_timeout(5000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()
    _in_flight.wait_idle()  # a request the closed pages started finishes before the database is emptied


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def phone(open_page):
    """A page the size of a common phone (390×844 CSS pixels), with touch."""
    return open_page(PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def shot(request):
    """shot(page, name): keep a full-page screenshot when KONTAKT_SCREENSHOTS names a directory."""

    def take(page, name: str):
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{request.node.name}-{name}.png"), full_page=True)

    return take


@pytest.fixture
def assert_controls_labelled():
    """assert_controls_labelled(page): every visible form control has an accessible name (a label)."""
    from playwright.sync_api import expect

    def check(page):
        controls = page.locator("input:not([type=hidden]), select, textarea, button").filter(visible=True)
        assert controls.count() > 0
        for control in controls.all():
            expect(control).to_have_accessible_name(re.compile(r"\S"))

    return check
