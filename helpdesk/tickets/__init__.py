"""Tickets: their services, the agent queue and the ticket page."""
