"""One customer across channels: merges proposed to agents, never made on weak evidence alone."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.core import Customer, Ticket, User
from helpdesk.models.types import UTCDateTime, utcnow

PROPOSAL_STATUSES = ("proposed", "merged", "dismissed")


class CustomerMergeProposal(db.Model):
    """"This may be the same person as …, because …": shown on the ticket whose contact raised it.

    ``customer_id`` is the customer the contact was filed under, ``other_customer_id`` the one the
    evidence also points to; ``reasons`` lists the evidence as {"kind": "phone"|"email"|"pesel"|
    "customer_number", "value": …}. An agent merges (the other into the customer) or dismisses it.
    """

    __tablename__ = "customer_merge_proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    # Both emptied when a customer is merged away (the audit entry of the merge names it).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    other_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer | None] = relationship(foreign_keys=[customer_id])
    other_customer: Mapped[Customer | None] = relationship(foreign_keys=[other_customer_id])
    ticket: Mapped[Ticket | None] = relationship()
    decided_by: Mapped[User | None] = relationship()


Index("ix_customer_merge_proposals_pair", CustomerMergeProposal.customer_id, CustomerMergeProposal.other_customer_id)
