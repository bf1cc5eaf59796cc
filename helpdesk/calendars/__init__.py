"""Calendars in the app: stored calendars, exceptions, opening hours, iCalendar export."""
