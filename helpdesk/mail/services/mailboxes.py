"""Mailboxes: their settings, with the IMAP password encrypted under a key derived from SECRET_KEY."""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from channels.email.imap import ImapSettings
from channels.identity import normalise_email
from helpdesk.core.extensions import db
from helpdesk.models import Team, User
from helpdesk.models.mail import IMAP_SECURITIES, Mailbox
from helpdesk.audit import services as audit


class MailboxInvalid(ValueError):
    """Mailbox settings that cannot be saved; ``field`` names the problem."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kontakt mailbox passwords").derive(
        current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_password(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode() if password else ""


def decrypt_password(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise MailboxInvalid("imap_password", "the stored IMAP password cannot be decrypted (was SECRET_KEY "
                                              "changed?); enter the password again") from error


def imap_settings(mailbox: Mailbox) -> ImapSettings:
    return ImapSettings(host=mailbox.imap_host, port=mailbox.imap_port, security=mailbox.imap_security,
                        username=mailbox.imap_username, password=decrypt_password(mailbox.imap_password_encrypted),
                        folder=mailbox.imap_folder)


def save_mailbox(actor: User | None, *, address: str, imap_host: str, imap_port: int, imap_username: str,
                 imap_password: str = "", imap_security: str = "tls", imap_folder: str = "INBOX",
                 team: str | None = None, active: bool = True, mailbox_id: int | None = None) -> Mailbox:
    """Create or change a mailbox; an empty ``imap_password`` keeps the stored one. Audited, never the password."""
    address = normalise_email(address)
    if "@" not in address:
        raise MailboxInvalid("address", f"{address!r} is not an e-mail address")
    if imap_security not in IMAP_SECURITIES:
        raise MailboxInvalid("imap_security", f"IMAP security must be one of {', '.join(IMAP_SECURITIES)}")
    if not (0 < int(imap_port) < 65536):
        raise MailboxInvalid("imap_port", f"{imap_port} is not a TCP port")
    if not imap_host.strip() or not imap_username.strip():
        raise MailboxInvalid("imap_host", "the IMAP host and username are required")
    team_row = None
    if team:
        team_row = db.session.scalar(db.select(Team).filter_by(slug=team))
        if team_row is None:
            raise MailboxInvalid("team", f"there is no team {team!r}")
    clash = db.session.scalar(db.select(Mailbox).filter_by(address=address))
    if clash is not None and clash.id != mailbox_id:
        raise MailboxInvalid("address", f"a mailbox for {address} already exists")
    if mailbox_id is None:
        if not imap_password:
            raise MailboxInvalid("imap_password", "a new mailbox needs its IMAP password")
        mailbox = Mailbox(address=address)
        db.session.add(mailbox)
        action = "create"
    else:
        mailbox = db.session.get(Mailbox, mailbox_id)
        if mailbox is None:
            raise MailboxInvalid("id", f"there is no mailbox {mailbox_id}")
        action = "update"
    mailbox.address = address
    mailbox.imap_host, mailbox.imap_port = imap_host.strip(), int(imap_port)
    mailbox.imap_security, mailbox.imap_username = imap_security, imap_username.strip()
    mailbox.imap_folder = imap_folder.strip() or "INBOX"
    mailbox.team_id = team_row.id if team_row else None
    mailbox.active = active
    if imap_password:
        mailbox.imap_password_encrypted = encrypt_password(imap_password)
    db.session.flush()
    audit.record(actor, "mailbox", mailbox.id, action, address=address, imap_host=mailbox.imap_host,
                 imap_port=mailbox.imap_port, imap_username=mailbox.imap_username, team=team,
                 active=active, password_changed=bool(imap_password))
    db.session.commit()
    return mailbox
