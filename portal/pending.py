"""Uploaded files waiting between an import's preview and its confirmation.

The preview parses the file and shows what would change; the confirmation parses the *same bytes*
again and writes in one transaction. The bytes wait in the instance folder under a random token
bound to the uploading user, and are removed once used or after a day.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from flask import current_app

MAX_AGE = 24 * 3600


def _dir() -> Path:
    path = Path(current_app.instance_path) / "pending_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(user_id: int, kind: str, filename: str, data: bytes) -> str:
    _sweep()
    token = secrets.token_urlsafe(16)
    base = _dir() / token
    meta = json.dumps({"user_id": user_id, "kind": kind, "filename": filename}).encode()
    try:
        _write(base.with_suffix(".bin"), data)
        _write(base.with_suffix(".json"), meta)
    except OSError:
        # A full disk (answered 507 by ``portal.errors``): leave no half-written file behind.
        discard(token)
        raise
    return token


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def load(user_id: int, kind: str, token: str) -> tuple[str, bytes] | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    base = _dir() / token
    try:
        meta = json.loads(base.with_suffix(".json").read_text())
        data = base.with_suffix(".bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id or meta.get("kind") != kind:
        return None
    return meta["filename"], data


def discard(token: str) -> None:
    for suffix in (".bin", ".json"):
        (_dir() / token).with_suffix(suffix).unlink(missing_ok=True)


def _sweep() -> None:
    cutoff = time.time() - MAX_AGE
    for path in _dir().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
