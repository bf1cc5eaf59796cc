"""SLA policies, clocks and their history."""
