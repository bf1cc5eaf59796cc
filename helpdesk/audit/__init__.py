"""The configuration audit trail: who changed what in the administration."""
