"""Evidence files (tài liệu kiểm chứng) attached to a unit's self scores.

Files are checked by their first bytes (PDF, PNG, JPEG only; the extension must agree), limited in
size (``PORTAL_EVIDENCE_MAX_BYTES``, 10 MB by default; requests above ``MAX_CONTENT_LENGTH`` are
refused before they reach us), and stored in the instance folder under a random key, never in
the static folder. They are always served as downloads with the type their bytes showed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Evidence, RoundState, ScoringRound
from portal.services import ServiceError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
SERVED_TYPES = frozenset(EXTENSIONS.values())


class StorageError(Exception):
    """The server could not write or read an evidence file (disk full, permissions, I/O)."""

    def __init__(self, exc: OSError | None = None):
        full = exc is not None and exc.errno in (
            errno.ENOSPC,
            getattr(errno, "EDQUOT", errno.ENOSPC),
        )
        self.status = 507 if full else 503
        self.code = "insufficient_storage" if full else "unavailable"
        self.message = (
            _(
                "Máy chủ đã hết dung lượng lưu trữ nên chưa lưu được tệp. Hãy báo quản trị viên; điểm đã nhập không bị mất."
            )
            if full
            else _(
                "Máy chủ không ghi hoặc đọc được tệp minh chứng lúc này. Vui lòng thử lại sau; nếu lỗi lặp lại, hãy báo quản trị viên."
            )
        )
        super().__init__(self.message)


def max_bytes() -> int:
    return int(current_app.config.get("PORTAL_EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def size_label(n: int) -> str:
    """10485760 -> "10 MB", 1536 -> "1,5 KB" (Vietnamese decimal comma)."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            value = round(n / size, 1)
            text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
    return f"{n} B"


def storage_dir() -> Path:
    return Path(current_app.instance_path) / "evidence"


def path_of(evidence: Evidence) -> Path:
    return storage_dir() / evidence.storage_key


def sniff(data: bytes) -> str | None:
    """The content type the bytes show, among the accepted ones."""
    for magic, content_type in MAGIC:
        if data.startswith(magic):
            return content_type
    return None


def clean_name(name: str | None, content_type: str) -> str:
    """The uploaded file's own name (Vietnamese kept, NFC), without folders or control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    stem, ext = os.path.splitext(name)
    if not stem:
        stem = _("minh-chung")
        ext = ext or {v: k for k, v in EXTENSIONS.items()}[content_type]
    return stem[: 255 - len(ext)] + ext


def read_limited(stream, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes, so a file just over the limit is seen as too large."""
    return stream.read(limit + 1)


def check_file(filename: str | None, data: bytes) -> str:
    """The file's content type, or a ServiceError saying what is wrong with it."""
    ext = os.path.splitext((filename or "").strip().lower())[1]
    if ext not in EXTENSIONS:
        raise ServiceError(_("Chỉ nhận tệp PDF, PNG hoặc JPEG (.pdf, .png, .jpg)."), "file", 415)
    if not data:
        raise ServiceError(_("Tệp rỗng."), "file")
    limit = max_bytes()
    if len(data) > limit:
        raise ServiceError(
            _("Tệp quá lớn: tối đa %(limit)s mỗi tệp.", limit=size_label(limit)), "file", 413
        )
    content_type = sniff(data)
    if content_type is None or content_type != EXTENSIONS[ext]:
        raise ServiceError(
            _(
                "Nội dung tệp không phải PDF, PNG hoặc JPEG như phần mở rộng %(ext)s cho biết; tệp không được nhận.",
                ext=ext,
            ),
            "file",
            415,
        )
    return content_type


def _check_open(user, round_: ScoringRound, unit_id: int):
    from portal.services.scoring import _member

    member = _member(round_, unit_id)
    if unit_id not in user.unit_ids():
        raise ServiceError(
            _("Chỉ cán bộ của đơn vị được thêm hoặc xóa tài liệu minh chứng của đơn vị mình."),
            "file",
            403,
        )
    if round_.state != RoundState.SELF_SCORING:
        raise ServiceError(
            _("Đợt chấm điểm không mở tự chấm; không thay đổi được tài liệu minh chứng."),
            "state",
            409,
        )
    if member.self_submitted_at is not None:
        raise ServiceError(
            _("Đơn vị đã nộp điểm tự chấm; không thay đổi được tài liệu minh chứng."), "state", 409
        )
    return member


def _write(folder: Path, partial: Path, target: Path, data: bytes) -> None:
    """Write the whole file under a temporary name, then move it into place (owner-only mode)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, target)


def add_evidence(
    user,
    round_: ScoringRound,
    unit_id: int,
    criterion_id: int | None,
    filename: str | None,
    data: bytes,
) -> Evidence:
    """Check and store one file, and add its row (the caller commits; on failure call ``discard``)."""
    _check_open(user, round_, unit_id)
    if criterion_id is not None:
        from portal.services.scoring import _criterion

        _criterion(round_, criterion_id)
    content_type = check_file(filename, data)
    key = secrets.token_hex(32)
    folder = storage_dir()
    target, partial = folder / key, folder / f"{key}.part"
    try:
        _write(folder, partial, target, data)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        current_app.logger.error("evidence write failed: %s", exc.__class__.__name__)
        raise StorageError(exc) from None
    evidence = Evidence(
        round_id=round_.id,
        unit_id=unit_id,
        criterion_id=criterion_id,
        file_name=clean_name(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_id=user.id,
    )
    try:
        db.session.add(evidence)
        db.session.flush()
    except Exception:
        target.unlink(missing_ok=True)  # the row failed (the database went away): no orphan file
        raise
    return evidence


def discard(evidence: Evidence) -> None:
    """Remove a stored file (after its row was deleted, or its insert failed)."""
    try:
        path_of(evidence).unlink(missing_ok=True)
    except OSError:
        current_app.logger.warning("evidence file %s not removed", evidence.id)


def delete_evidence(user, evidence: Evidence) -> None:
    """Delete a unit's own file while self-scoring is open (the caller commits, then ``discard``)."""
    _check_open(user, db.session.get(ScoringRound, evidence.round_id), evidence.unit_id)
    db.session.delete(evidence)
    db.session.flush()


def download(evidence: Evidence):
    """The file as an attachment under its original name, never rendered by the browser."""
    path = path_of(evidence)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - send_file closes it
    except FileNotFoundError:
        raise ServiceError(_("Tệp minh chứng không còn trên máy chủ."), "file", 404) from None
    except OSError as exc:
        raise StorageError(exc) from None
    content_type = (
        evidence.content_type
        if evidence.content_type in SERVED_TYPES
        else "application/octet-stream"
    )
    response = send_file(
        handle,
        mimetype=content_type,
        as_attachment=True,
        download_name=evidence.file_name,
        max_age=0,
        conditional=False,
        etag=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
