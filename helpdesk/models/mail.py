"""Mailboxes, outbound mail and e-mail bookkeeping."""
