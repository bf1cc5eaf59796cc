"""Services of the e-mail area: mailboxes, inbound mail, outbound mail."""
