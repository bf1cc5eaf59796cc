"""Customers: identified or created from what a contact tells about its sender."""
