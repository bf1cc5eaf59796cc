"""Conditions that last (no SMTP server, a mailbox that cannot be reached): logged when they change.

The minute sweep meets the same trouble every minute; the log says it once when it starts (or its
reason changes) and once when it is over, not sixty times an hour. Kept per process.
"""
from __future__ import annotations

import logging
import threading

_lock = threading.Lock()
_current: dict[str, str] = {}


def report(log: logging.Logger, condition: str, problem: str | None) -> bool:
    """``problem`` (None: all is well) for ``condition``, e.g. "mailbox bok@…"; logs a warning when a
    problem starts or changes and an info line when it ends. Whether anything was logged."""
    with _lock:
        before = _current.get(condition)
        if problem == before:
            return False
        if problem is None:
            del _current[condition]
        else:
            _current[condition] = problem
    if problem is None:
        log.info("%s: working again", condition)
    else:
        log.warning("%s: %s", condition, problem)
    return True
