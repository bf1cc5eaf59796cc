"""The routing engine: rules, classification, agent selection, decision traces, simulation."""
