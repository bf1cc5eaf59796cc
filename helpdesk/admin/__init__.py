"""Administration: the front page with the audit trail, and the shipped reference data."""
