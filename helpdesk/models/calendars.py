"""Calendars stored in the database (administrators edit them)."""
