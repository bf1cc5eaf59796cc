"""Working time: calendars, Polish holidays and trading Sundays, working-time arithmetic."""
