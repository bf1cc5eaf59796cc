"""The e-mail channel inside the app: mailboxes, ingest, threading, replies, acknowledgements."""
