"""Secrets the app must read back (mailbox passwords, TOTP keys), encrypted at rest with a key
derived from SECRET_KEY, one key per purpose."""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["InvalidToken", "seal", "unseal"]


def _fernet(purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str, purpose: str) -> str:
    """``text`` encrypted for ``purpose`` (e.g. "kontakt mailbox passwords")."""
    return _fernet(purpose).encrypt(text.encode()).decode()


def unseal(token: str, purpose: str) -> str:
    """The text sealed for ``purpose``; InvalidToken when it cannot be read (another SECRET_KEY)."""
    return _fernet(purpose).decrypt(token.encode()).decode()
