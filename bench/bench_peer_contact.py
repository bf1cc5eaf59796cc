"""The public contact form against django-helpdesk's public submission form, side by side in one run.

Run: python bench/bench_peer_contact.py --peer DIR [--clients 4] [--seconds 20] [--rounds 2]

DIR is a django-helpdesk set up by ../shared/peers/django-helpdesk/setup.sh DIR on PostgreSQL
(HD_DB=postgres, with its PG* variables set for this run as well). Each is served as it is
deployed: Kontakt by granian, 2 workers of 4 threads as the Procfile has it, with 2 RQ workers
that open, route and assign the tickets and send each customer's acknowledgement (to an SMTP
sink on loopback); django-helpdesk by gunicorn with 2 sync workers as its run.sh starts it,
which opens the ticket within the request (its mail is rendered and discarded). Both on the
same PostgreSQL, on the same 2 cores as the load generator.

The same load generator drives both: --clients customers' browsers (threads, http.client,
each with its own cookies and CSRF token, the connection kept alive), each sending its next
submission as soon as the last one is answered, for --seconds, in two modes:

* post: the form fetched once, then posts back to back (a redirect counts as accepted);
* full: each submission as a browser makes it: the form page, the post, the page it redirects to.

Prints, per round and mode, each one's submissions per second and answer times (median, 95th
percentile; a whole submission in full mode), for Kontakt also when the last ticket was
assigned, and Kontakt's ratio. Rounds alternate between the two, so the machine's drift
touches both. Kontakt's per-address limits are off (every browser posts from 127.0.0.1) and
its minimum fill time is 0, as in bench_routing_e2e; django-helpdesk has neither.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_workspace import Browser, start_peer  # noqa: E402
from bench.bench_routing_e2e import (  # noqa: E402
    TEXTS, cpu_snapshot, prepare_routing, start_web, start_workers, stop, wait_for, web_form_setting,
)


@dataclass
class Site:
    """How a customer's browser sends one of a site's contact forms."""
    name: str
    port: int
    form_path: str
    token_field: str
    fields: Callable[[str, int], dict]  # (the form page, submission number) -> the form's other fields


def run_clients(site: Site, clients: int, seconds: float, full: bool, first: int) -> tuple[int, list[float]]:
    """Browsers submitting for ``seconds``: (submissions accepted, seconds each took)."""
    token_re = re.compile(rf'name="{site.token_field}"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="{site.token_field}"')
    times: list[float] = []
    counter = [first]
    lock = threading.Lock()
    ready = threading.Barrier(clients)
    failures: list[str] = []

    def form(browser: Browser) -> tuple[str, str]:
        status, page = browser.request("GET", site.form_path)
        match = token_re.search(page)
        if status != 200 or not match:
            raise RuntimeError(f"the form page answered {status}")
        return match.group(1) or match.group(2), page

    def customer() -> None:
        try:
            submit_for_a_while()
        except Exception as error:  # a refused connection, a page without its form
            failures.append(f"{site.name}: {error!r}")

    def submit_for_a_while() -> None:
        browser = Browser(site.port)
        token, page = form(browser)
        ready.wait(timeout=60)
        stop_at = time.perf_counter() + seconds
        while time.perf_counter() < stop_at and not failures:
            with lock:
                n, counter[0] = counter[0], counter[0] + 1
            started = time.perf_counter()
            if full:
                token, page = form(browser)
            status, text = browser.request("POST", site.form_path, {site.token_field: token, **site.fields(page, n)},
                                           referer=f"http://127.0.0.1:{site.port}{site.form_path}")
            if status != 302:
                failures.append(f"{site.name}: a post answered {status}: {text[:300]}")
                return
            if full:
                status, _ = browser.request("GET", browser.location.removeprefix(f"http://127.0.0.1:{site.port}"))
                if status != 200:
                    failures.append(f"{site.name}: the page after a post answered {status}")
                    return
            with lock:
                times.append(time.perf_counter() - started)

    threads = [threading.Thread(target=customer) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return len(times), times


def kontakt_fields(page: str, n: int) -> dict:
    subject, text, category = TEXTS[n % len(TEXTS)]
    return {"name": f"Klient {n}", "email": f"klient{n}@example.pl", "category": category, "subject": subject,
            "description": text, "submission_id": uuid.uuid4().hex, "suggestions_shown": "1"}


def peer_fields(page: str, n: int) -> dict:
    queue = re.search(r'<select name="queue"[^>]*>.*?<option value="(\d+)"', page, re.S).group(1)
    subject, text, _ = TEXTS[n % len(TEXTS)]
    return {"queue": queue, "title": f"{subject} {n}", "body": text, "priority": "3", "due_date": "",
            "submitter_email": f"klient{n}@example.pl"}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[int(q * (len(values) - 1))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer", type=Path, required=True, help="a django-helpdesk directory made by its setup.sh")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with web_form_setting() as env:
        compare(args, env)


def compare(args, env: dict) -> None:
    """Both servers up side by side, warmed up, then the rounds (each mode on each, alternating)."""
    from helpdesk import create_app
    from helpdesk.core import jobs
    from helpdesk.models import Ticket

    processes: list[subprocess.Popen] = []
    app = create_app()
    with app.app_context():
        try:
            prepare_routing()
            web, port = start_web(env)
            workers = start_workers(env, burst=False)
            peer_server, peer_port = start_peer(args.peer)
            processes = [web, *workers, peer_server]
            kontakt = Site("Kontakt", port, "/contact", "csrf_token", kontakt_fields)
            peer = Site("django-helpdesk", peer_port, "/tickets/submit/", "csrfmiddlewaretoken", peer_fields)
            servers = {kontakt.name: (workers, web), peer.name: ([], peer_server)}
            time.sleep(2)
            for site in (kontakt, peer):  # warm-up: imports, connections, caches
                warmed, _ = run_clients(site, args.clients, 2.0, True, 10**7)
                if site is kontakt:
                    wait_for(Ticket.assignee_id.is_not(None), warmed, time.perf_counter())
            print(f"{args.clients} browsers each, {args.seconds:.0f} s a run; Kontakt: granian 2×4 + 2 RQ workers; "
                  f"django-helpdesk {peer_version(args.peer)}: gunicorn 2 sync workers; PostgreSQL; "
                  f"{os.cpu_count()} cores")
            number = 0
            for round_ in range(1, args.rounds + 1):
                for full in (False, True):
                    mode = "full" if full else "post"
                    figures = {}
                    for site in (peer, kontakt) if round_ % 2 else (kontakt, peer):
                        figures[site.name], accepted = measure(site, servers[site.name], args, full, number,
                                                               f"round {round_} {mode:4}")
                        number += accepted + 1000
                    print(f"round {round_} {mode:4}  Kontakt / django-helpdesk: "
                          f"{figures['Kontakt'] / figures['django-helpdesk']:.1f}×", flush=True)
            jobs.queue().delete(delete_jobs=True)
            jobs.queue(low_priority=True).delete(delete_jobs=True)
        finally:
            stop(processes)


def measure(site: Site, parts: tuple, args, full: bool, first: int, label: str) -> tuple[float, int]:
    """One run of the browsers against one site; prints its figures (for Kontakt also when its
    last ticket was assigned) and the CPU each part spent. Returns (submissions per second, accepted)."""
    from helpdesk.models import Ticket

    assigned_before = assigned_count()
    before = cpu_snapshot(*parts)
    started = time.perf_counter()
    accepted, times = run_clients(site, args.clients, args.seconds, full, first)
    took = time.perf_counter() - started
    line = (f"{label}  {site.name:15} {accepted / took:7.1f}/s  "
            f"median {percentile(times, 0.5) * 1000:6.1f} ms, p95 {percentile(times, 0.95) * 1000:6.1f} ms")
    if site.name == "Kontakt":
        wait_for(Ticket.assignee_id.is_not(None), assigned_before + accepted, started)
        line += f"; every ticket assigned {time.perf_counter() - started - took:.1f} s after the last post"
    after = cpu_snapshot(*parts)
    used = {("browsers" if part == "this" else part): (after[part] - before[part]) / accepted * 1000 for part in after}
    print(line + "\n" + " " * 15 + "CPU ms per submission: " + ", ".join(
        f"{part} {ms:.2f}" for part, ms in used.items() if ms >= 0.005), flush=True)
    return accepted / took, accepted


def assigned_count() -> int:
    from helpdesk.core.extensions import db
    from helpdesk.models import Ticket

    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(Ticket).where(Ticket.assignee_id.is_not(None)))


def peer_version(peer: Path) -> str:
    found = subprocess.run([str(peer / "venv" / "bin" / "python"), "-c",
                            "import importlib.metadata as m; print(m.version('django-helpdesk'))"],
                           capture_output=True, text=True)
    return found.stdout.strip() or "?"


if __name__ == "__main__":
    main()
