from tests.fixtures.mailservers import dovecot, imap_server, smtp_server  # noqa: F401  (pytest fixtures)
