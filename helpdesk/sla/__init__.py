"""SLA timers: policies, clocks driven by the ticket life-cycle signals, warnings, breaches, recalculation."""
