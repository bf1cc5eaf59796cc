"""SLA policies: the shipped defaults, lookup by name, and the admin's edit service."""
from __future__ import annotations

import re
from datetime import timedelta

from routing.defaults import default_first_response_targets
from helpdesk.calendars.services import get_calendar
from helpdesk.core import signals
from helpdesk.core.extensions import db, per_transaction
from helpdesk.models.core import PRIORITIES, STATUSES
from helpdesk.models.sla import ESCALATIONS, SlaPolicy
from helpdesk.audit import services as audit

# A ticket's policy until routing picks one (and when routing names none).
CHANNEL_DEFAULTS = {"email": "email-first-response", "webform": "email-first-response", "phone": "phone-callback"}
RESOLUTION_HOURS = {"urgent": 8, "high": 24, "normal": 72, "low": 120}
PAUSE_FORBIDDEN = ("solved", "closed")


def _shipped() -> dict[str, dict]:
    """The shipped policies, first-response targets as routing's simulation knows them."""
    first = default_first_response_targets()
    titles = {"email-first-response": "E-mail i formularz: odpowiedź w 24 h roboczych",
              "phone-callback": "Telefon: oddzwonienie w 2 h"}
    next_hours = {"email-first-response": 24, "phone-callback": 8}
    return {
        name: {
            "title": titles[name], "calendar_name": target.calendar,
            "first_response_minutes": int(target.target / timedelta(minutes=1)),
            "next_response_minutes": next_hours[name] * 60,
            "resolution_minutes": {p: h * 60 for p, h in RESOLUTION_HOURS.items()},
            "pause_statuses": ["waiting"], "warn_percent": 75, "escalation": ["notify_lead"],
        }
        for name, target in first.items()
    }


SHIPPED = _shipped()


class PolicyError(ValueError):
    """A policy edit that cannot be saved; the message names the field and the problem."""


def ensure_default_policies() -> None:
    """Add the shipped policies that are missing (inside the caller's transaction)."""
    existing = set(db.session.scalars(db.select(SlaPolicy.name)))
    for name, fields in SHIPPED.items():
        if name not in existing:
            db.session.add(SlaPolicy(name=name, **fields))


def get_policy(name: str | None, channel: str) -> SlaPolicy:
    """The named policy, else the channel's default; a shipped one unsaved if the table lacks it."""
    for candidate in (name, CHANNEL_DEFAULTS.get(channel, "email-first-response")):
        if candidate is None:
            continue
        seen = per_transaction("sla_policies")  # the same row object, so edits in this transaction show
        row = seen.get(candidate) or db.session.scalar(db.select(SlaPolicy).filter_by(name=candidate))
        if row is not None:
            seen[candidate] = row
            return row
        if candidate in SHIPPED:
            return SlaPolicy(name=candidate, **SHIPPED[candidate])
    raise PolicyError(f"no SLA policy for channel {channel!r}")


def target_minutes(policy: SlaPolicy, clock: str, priority: str) -> int | None:
    """A policy's target for one clock (resolution by the ticket's priority); None: no such clock."""
    if clock == "first_response":
        return policy.first_response_minutes
    if clock == "next_response":
        return policy.next_response_minutes
    return (policy.resolution_minutes or {}).get(priority)


def validate(fields: dict) -> dict:
    """Checked and normalised policy fields, or PolicyError naming the first problem."""
    clean = {}
    try:
        get_calendar(fields["calendar_name"])
    except (KeyError, ValueError) as exc:
        raise PolicyError(f"calendar_name: {exc}") from None
    clean["calendar_name"] = fields["calendar_name"]
    clean["title"] = str(fields.get("title") or "")[:200]
    for key in ("first_response_minutes", "next_response_minutes"):
        value = fields.get(key)
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise PolicyError(f"{key}: must be a positive number of minutes or empty")
        clean[key] = value
    resolution = fields.get("resolution_minutes") or {}
    if set(resolution) - set(PRIORITIES):
        raise PolicyError(f"resolution_minutes: unknown priorities {sorted(set(resolution) - set(PRIORITIES))}")
    if any(not isinstance(v, int) or v <= 0 for v in resolution.values()):
        raise PolicyError("resolution_minutes: every target must be a positive number of minutes")
    clean["resolution_minutes"] = dict(resolution)
    pauses = list(fields.get("pause_statuses") or [])
    if set(pauses) - set(STATUSES) or set(pauses) & set(PAUSE_FORBIDDEN):
        raise PolicyError("pause_statuses: only new, open or waiting can pause the clocks")
    clean["pause_statuses"] = pauses
    warn = fields.get("warn_percent", 75)
    if not isinstance(warn, int) or not 1 <= warn <= 99:
        raise PolicyError("warn_percent: must be a whole number from 1 to 99")
    clean["warn_percent"] = warn
    escalation = list(fields.get("escalation") or [])
    if set(escalation) - set(ESCALATIONS):
        raise PolicyError(f"escalation: unknown actions {sorted(set(escalation) - set(ESCALATIONS))}")
    clean["escalation"] = escalation
    return clean


def draft(name: str, fields: dict) -> SlaPolicy:
    """An unsaved policy with the edited fields, for a preview."""
    return SlaPolicy(name=name, **validate(fields))


def create_policy(actor, name: str) -> SlaPolicy:
    """A new policy named for the routing rules, starting from the e-mail policy's targets."""
    name = (name or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", name):
        raise PolicyError("name: use lower-case letters, digits and hyphens (up to 64)")
    if db.session.scalar(db.select(SlaPolicy.id).filter_by(name=name)) is not None:
        raise PolicyError(f"name: a policy named {name!r} exists already")
    policy = SlaPolicy(name=name, **{**SHIPPED["email-first-response"], "title": name})
    db.session.add(policy)
    audit.record(actor, "sla_policy", name, "create")
    db.session.commit()
    return policy


def update_policy(actor, name: str, fields: dict) -> SlaPolicy:
    """Save an edited policy, audit it, and recompute the open tickets' deadlines in the background."""
    clean = validate(fields)
    policy = db.session.scalar(db.select(SlaPolicy).filter_by(name=name))
    if policy is None:
        raise PolicyError(f"no SLA policy named {name!r}")
    old = {key: getattr(policy, key) for key in clean}
    for key, value in clean.items():
        setattr(policy, key, value)
    audit.record(actor, "sla_policy", name, "update", old=old, new=clean)
    db.session.commit()
    signals.sla_policy_changed.send(name)
    return policy
