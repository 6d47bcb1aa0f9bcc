"""Audit every change: one ``AuditLog`` row per inserted, updated or deleted object.

Hooked on the SQLAlchemy session (``before_flush``), so no view can forget it. The actor and the
address come from the request when there is one; CLI commands name themselves with
``audit_actor()``. Secrets (password and token hashes) are never copied into the log, and a model
can opt out with ``__audit__ = False`` (the log itself; later, anonymous ballots).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum

from flask import g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session, object_session

from portal.extensions import db
from portal.models.audit import AuditLog
from portal.models.base import utcnow

SECRET_FIELDS = {"password_hash", "token_hash"}
SKIP_FIELDS = {"updated_at", "created_at", "sort_key", "search_text"}


class AuditLogIsAppendOnly(RuntimeError):
    pass


@contextlib.contextmanager
def audit_actor(name: str, user_id: int | None = None):
    """Name who is acting outside a web request (``flask portal demo``, imports from the CLI)."""
    previous = getattr(g, "audit_actor", None)
    g.audit_actor = (user_id, name)
    try:
        yield
    finally:
        g.audit_actor = previous


def label_change(obj, action: str) -> None:
    """Name the next logged change of ``obj`` ("login", "reset_password") instead of "update".

    The label is held by the session and used once, so a later change of the same object in the
    same request is logged under its own name.
    """
    db.session.info.setdefault("audit_labels", {})[id(obj)] = action


def _action(session: Session, obj, default: str) -> str:
    return session.info.get("audit_labels", {}).pop(id(obj), None) or default


def _row(obj, action: str, before, after, actor, where) -> dict:
    """The values of one log row; every path (create, update, delete) builds its row here."""
    return {
        "created_at": utcnow(),
        "actor_id": actor[0],
        "actor_name": actor[1],
        "action": action,
        "object_type": type(obj).__name__,
        "object_id": _ident(obj),
        "province_id": _province_of(obj),
        "before": before,
        "after": after,
        "remote_addr": where[0],
        "user_agent": where[1],
    }


def json_value(value):
    """A column value as JSON can hold it (enums by value, dates ISO, decimals exact as text);
    the audit log and province backups write values the same way."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _plain(value):
    value = json_value(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _columns(obj):
    """Columns worth logging: not timestamps or derived keys, nor what a model excludes (the
    PDF bytes of a document, which its fingerprint already identifies)."""
    mapper = inspect(obj).mapper
    excluded = SKIP_FIELDS | getattr(type(obj), "__audit_exclude__", frozenset())
    for attr in mapper.column_attrs:
        if attr.key not in excluded:
            yield attr.key


def _snapshot(obj) -> dict:
    return {
        key: ("***" if key in SECRET_FIELDS else _plain(getattr(obj, key))) for key in _columns(obj)
    }


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if _plain(old) == _plain(new):
            continue
        secret = key in SECRET_FIELDS
        before[key] = "***" if secret else _plain(old)
        after[key] = "***" if secret else _plain(new)
    # Many-to-many collections (block members) are changes too.
    for rel in state.mapper.relationships:
        if rel.secondary is None or rel.viewonly:
            continue
        hist = state.attrs[rel.key].history
        if hist.added or hist.deleted:
            before[rel.key] = sorted(str(getattr(o, "code", o)) for o in hist.unchanged + list(hist.deleted))
            after[rel.key] = sorted(str(getattr(o, "code", o)) for o in hist.unchanged + list(hist.added))
    return before, after


def _actor():
    if has_request_context():
        actor = getattr(g, "audit_actor", None)
        if actor:
            return actor
        from flask_login import current_user

        user = getattr(g, "api_user", None) or current_user
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, user.username
        return None, None
    return None, "system"


def _where():
    if not has_request_context():
        return None, None
    return request.remote_addr, (request.user_agent.string or "")[:300]


def _ident(obj) -> str:
    state = inspect(obj)
    return ",".join(str(v) for v in state.mapper.primary_key_from_instance(obj))


def _audited(obj) -> bool:
    return getattr(type(obj), "__audit__", True) and hasattr(type(obj), "__tablename__")


def _province_of(obj):
    if type(obj).__name__ == "Province":
        return obj.id
    return getattr(obj, "province_id", None)


@event.listens_for(Session, "before_flush")
def _record(session: Session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditLog):
            raise AuditLogIsAppendOnly("audit_log rows cannot be changed or deleted")
    pending = []
    for obj in session.new:
        if _audited(obj):
            pending.append(("create", obj, None, None))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=True):
            before, after = _changes(obj)
            if before or after:
                pending.append(("update", obj, before, after))
    # Deletes are written by ``_record_delete``, which also sees orphans removed from a collection
    # (a plugin switched off, a role taken away): those never appear in ``session.deleted``.
    if not pending:
        return
    actor, where = _actor(), _where()
    created = session.info.setdefault("audit_new", [])
    for action, obj, before, after in pending:
        if action == "create":
            # The id is known only after the flush: written then, by ``_write_created``.
            created.append((obj, _action(session, obj, "create"), actor, where))
        else:
            session.add(AuditLog(**_row(obj, _action(session, obj, action), before, after, actor, where)))


@event.listens_for(Session, "after_flush")
def _write_created(session: Session, flush_context):
    """Insert the log rows of objects created in this flush, now that they have an id."""
    created = session.info.pop("audit_new", [])
    if created:
        session.execute(
            AuditLog.__table__.insert(),
            [_row(obj, action, None, _snapshot(obj), actor, where) for obj, action, actor, where in created],
        )


@event.listens_for(Mapper, "before_delete")
def _record_delete(mapper, connection, obj):
    """One row per deleted object, whether deleted directly or as an orphan of its parent."""
    if not _audited(obj):
        return
    session = object_session(obj)
    action = _action(session, obj, "delete") if session is not None else "delete"
    connection.execute(AuditLog.__table__.insert(), _row(obj, action, _snapshot(obj), None, _actor(), _where()))


def install_triggers(bind) -> None:
    """Refuse UPDATE and DELETE on ``audit_log`` in the database itself (tests use create_all)."""
    for statement in trigger_sql(bind.dialect.name):
        bind.exec_driver_sql(statement)


def trigger_sql(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
            "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        ]
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        ]
    return []


