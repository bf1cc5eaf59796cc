"""Attachment bytes on disk, addressed by their SHA-256 (the same file is stored once)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


def _path(sha256: str) -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"]) / sha256[:2] / sha256[2:4] / sha256


def save(content: bytes) -> str:
    """Store the bytes (atomically, once) and return their SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    target = _path(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(tmp, target)
    return digest


def load(sha256: str) -> bytes:
    return _path(sha256).read_bytes()
