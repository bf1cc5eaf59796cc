"""Routing rule sets and routing bookkeeping."""
