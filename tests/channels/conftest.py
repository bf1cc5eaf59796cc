from tests.fixtures.mailservers import imap_server, smtp_server  # noqa: F401  (pytest fixtures)
