"""Staff: members of staff, their roles, passwords and API tokens."""
