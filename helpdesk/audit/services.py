"""The configuration audit trail: every admin change is recorded with who, what and when."""
from __future__ import annotations

from helpdesk.core.extensions import db
from helpdesk.models import AuditEntry, User


def record(actor: User | None, entity: str, entity_id, action: str, **data) -> AuditEntry:
    """Add an audit entry inside the caller's transaction."""
    entry = AuditEntry(actor_user_id=actor.id if actor else None, entity=entity,
                       entity_id=None if entity_id is None else str(entity_id), action=action, data=data)
    db.session.add(entry)
    return entry
