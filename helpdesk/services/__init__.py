"""Service functions: each owns its transaction (commits on success, rolls back on error)."""
