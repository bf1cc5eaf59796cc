"""Services of the SLA area: clocks, policies, recalculation, warnings and breaches."""
