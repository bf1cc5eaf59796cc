"""The data model. Every model module is imported here so Alembic sees all tables."""
from helpdesk.models import calendars, customers, kb, mail, phone, portal, reports, routing, sla, tickets  # noqa: F401
from helpdesk.models.core import (  # noqa: F401
    ApiToken,
    Attachment,
    AuditEntry,
    Category,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Message,
    RawContact,
    Team,
    Ticket,
    TicketEvent,
    User,
)
