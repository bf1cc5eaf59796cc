"""Channel adapters: raw input in, `InboundContact` out. No database, no Flask."""
from channels.contact import InboundAttachment, InboundContact

__all__ = ["InboundAttachment", "InboundContact"]
