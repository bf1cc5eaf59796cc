"""Intake: every inbound contact stored first, then turned into a ticket; the public contact form."""
