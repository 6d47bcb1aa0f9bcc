"""Backup and restore of one whole province: ``flask portal backup export`` / ``import``.

Why: a province's emulation history (scores agreed at meetings, secret-ballot results, dossiers,
award records and the documents printed from them) must survive a lost server, and a province
may move to another portal. A database dump holds every province; this archive holds one, all
years, and can be checked before anything is written.

The archive is one zip file:

* ``manifest.json``: format and format version, portal version, Alembic revision, created-at,
  the province, row counts per table, the largest id of each table in the whole source portal
  (``id_high_water``), the tables left out and why, the references that point outside the
  province, the stored files that were missing, and the SHA-256 of every other member;
* ``manifest.sha256``: the SHA-256 of ``manifest.json`` itself, so that a damaged manifest is
  recognised as such instead of being trusted;
* ``tables/<table>.jsonl``: the rows of each table, one JSON object a line, every column, ordered
  by primary key (dates ISO 8601, decimals as strings, enums by value);
* ``blobs/<table>/<column>/<primary key>.pdf``: binary columns (the PDF of each issued document),
  the row naming its member;
* ``files/<storage key>``: the stored bytes of evidence files and uploaded dossier items.

Which rows belong to a province is read from the SQLAlchemy metadata (``plan``), not from a
hand-kept list: a table belongs when a NOT NULL foreign key leads, directly or through tables
that belong, to ``provinces`` (``units.province_id``, ``criteria.table_id`` →
``criteria_tables.province_id``, ``self_scores.round_id`` → ``scoring_rounds`` …). A few tables
have no such key and a rule of their own (``SPECIAL``), and tables that are deliberately left out
say why (``EXCLUDED``). A new table that fits none of these makes ``plan`` fail, and with it
export and ``tests/test_backup.py``, so it cannot silently be left out of backups.

Decisions on what crosses the province's border:

* **Users and roles.** Exported: every account holding a role scoped to the province (a
  province officer or observer of it, a unit officer of one of its units), and any account a
  NOT NULL column of the province's rows names (a tally committee member, who entered a paper
  count). Password hashes are included: without them nobody of the province can sign in after a
  restore, and resetting every password is worse; argon2 hashes are made to withstand
  disclosure, and the archive must be kept like the database itself. Only role assignments scoped
  to the province travel: an account's roles in other provinces, and the administrator role,
  are never granted by restoring a province. An account of several provinces travels in each
  of their archives; restoring a second one finds the account (same id, every column identical)
  and keeps it, adding only the roles of that province. If the account changed between the two
  exports the restore is refused as a clash.
* **Background jobs are excluded**: they record work done by one server (progress, a ZIP in its
  instance folder), not the province's data.
* **API tokens are excluded.** A token is a live credential held by some integration; a restore
  (into a staging copy, or after an incident) must not silently bring back tokens that may have
  been revoked or leaked since the backup. Owners create new ones after a restore.
* **References out of the province** (a nullable column naming a row the archive does not hold:
  an administrator as a document's creator or an audit row's actor, Trà Vinh's
  ``successor_id`` naming Vĩnh Long after the 2025 merger) are kept in the rows and listed in the
  manifest with the referenced row's unique key (``code``, ``username`` …). Import keeps such a
  reference when the target portal has a row with the same id and the same key (restore the
  successor province first and the merger link survives), and otherwise clears it (SET NULL,
  what the schema already does when that row is deleted) and says so. The audit log keeps the
  actor's name either way. A NOT NULL reference out of the province is inconsistent data and
  stops the export with the offending rows named. A province that merged *into* this one (its
  predecessor) is a province of its own with its own archive: its history is not copied here.
* **National catalogue.** Award types, criteria templates and report layouts are code (the
  ``national`` plugin and province plugins), not rows; the archive names the plugins the
  province enabled, and import refuses while one of them is not installed.
* **Audit log.** Rows whose ``province_id`` is the province's, plus rows about an exported
  object (by type and id) whose own row carries no province (a criterion, a self score, a user, a
  unit officer's role). Rows about objects since deleted that carried no province cannot be told
  apart from other provinces' and stay behind. Import adds one ``restore`` row of its own.
* **Document number series** travel with the issuing bodies of the province (its office and
  its blocks), so numbering continues without gaps or duplicates after a restore.

Import verifies everything before writing anything: the sizes the zip declares (total unpacked
size under a limit, no member packed like a zip bomb), the manifest's own checksum, every member's
checksum, that the archive holds exactly the members the manifest lists, the format version,
that the archive's Alembic revision is the target database's and the code's, that the target has
no province with the same code and no row whose primary key or unique key would clash (a row
already there with identical values, such as a shared account, is kept rather than clashing), that no
stored file would be overwritten, and that every reference resolves. Checksums catch damage, not
a hand-made archive, so import also checks that the archive claims nothing outside its province:
no role but the province's and its units' (never the administrator role), no external reference
on a NOT NULL column, every derived row owned by a row of the archive. Then it writes the stored
files (streamed, owner-only, like evidence files) and inserts every row in one transaction with the primary keys of the source (document
fingerprints, links and numbers stay valid), resets PostgreSQL's sequences past the restored ids
and past the source's ``id_high_water`` (so new rows never take an id that another province's
archive from the same source still holds: restore several provinces one after another), and
commits; if anything fails the transaction is rolled back and the files it wrote removed.
Rows are written with Core inserts, so the audit listener does not log each restored row as a
new "create" by the importer.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    UniqueConstraint,
    func,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.types import TypeDecorator

from portal.audit import json_value
from portal.extensions import db

FORMAT = "thidua-portal/province-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
CHUNK = 500
# Import refuses an archive whose members would unpack to more than this (``max_bytes``), and any
# member over ``RATIO_FLOOR`` bytes packed more than ``MAX_RATIO`` to one: the sizes the zip
# declares are checked before anything is decompressed (a zip bomb is refused, not unpacked).
MAX_ARCHIVE_BYTES = 4 << 30
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20
STORED_FILE = re.compile(r"files/[0-9a-f]{16,64}")

# Tables deliberately not exported, with the reason (the test checks every table is covered).
EXCLUDED: dict[str, str] = {
    "api_tokens": (
        "live credentials of integrations: a restore must not bring back tokens revoked or "
        "leaked since the backup; owners create new tokens after a restore"
    ),
    "jobs": (
        "background work done by this server (progress, a result file in its instance folder): "
        "not the province's data, meaningless on another server, and re-run on demand"
    ),
}

# Tables without a NOT NULL path to ``provinces``: each has its own rule (see ``_where``).
SPECIAL: dict[str, str] = {
    "provinces": "the province row itself",
    "users": "accounts with a role scoped to the province, and accounts its rows require",
    "role_assignments": "roles scoped to the province or to one of its units",
    "document_series": "number series of the province's office and of its blocks",
    "audit_log": "rows of the province, and rows about exported objects that carry no province",
}

# Columns holding the key of a file stored under the instance folder (evidence, dossier items).
STORAGE_KEY_COLUMN = "storage_key"


class BackupError(Exception):
    """Export or import refused; ``message`` says why (the CLI prints it and exits with 1)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BackupSchemaError(BackupError):
    """A table in the metadata has no backup rule: neither derived, special nor excluded."""


@dataclass(frozen=True)
class TablePlan:
    """How one table's rows are chosen: ``special`` rule, or the owning NOT NULL foreign key
    (``column`` → ``parent``.``parent_column``)."""

    name: str
    special: str | None = None
    column: str | None = None
    parent: str | None = None
    parent_column: str | None = None


def plan(metadata: MetaData | None = None) -> dict[str, TablePlan]:
    """Every exported table in insertion order (parents first), derived from the metadata.

    Raises ``BackupSchemaError`` naming the tables that have no rule."""
    metadata = metadata if metadata is not None else db.metadata
    tables = metadata.sorted_tables
    names = {t.name for t in tables}
    unknown = sorted((set(SPECIAL) | set(EXCLUDED)) - names)
    if unknown:
        raise BackupSchemaError(f"backup rules name tables that do not exist: {', '.join(unknown)}")
    owners: dict[str, TablePlan] = {n: TablePlan(n, special=SPECIAL[n]) for n in SPECIAL}
    chain = {"provinces"}
    todo = [t for t in tables if t.name not in SPECIAL and t.name not in EXCLUDED]
    progress = True
    while progress:
        progress = False
        for table in todo:
            if table.name in owners:
                continue
            candidates = [
                fk
                for column in table.columns
                if not column.nullable
                for fk in column.foreign_keys
                if fk.column.table.name in chain and fk.column.table.name != table.name
            ]
            if not candidates:
                continue
            candidates.sort(
                key=lambda fk: (fk.column.table.name != "provinces", (fk.ondelete or "").upper() != "CASCADE")
            )
            fk = candidates[0]
            owners[table.name] = TablePlan(
                table.name, column=fk.parent.name, parent=fk.column.table.name, parent_column=fk.column.name
            )
            chain.add(table.name)
            progress = True
    missing = sorted(t.name for t in todo if t.name not in owners)
    if missing:
        raise BackupSchemaError(
            "tables with no backup rule (no NOT NULL foreign key leading to provinces; add a rule "
            f"to SPECIAL or a reason to EXCLUDED in portal/services/backup.py): {', '.join(missing)}"
        )
    return {t.name: owners[t.name] for t in tables if t.name in owners}


# -- values ---------------------------------------------------------------------------------


def _base_type(column):
    t = column.type
    return t.impl_instance if isinstance(t, TypeDecorator) else t


def _encode(value):
    return json_value(value)  # JSON columns' values are JSON already


def _decode(value, column):
    if value is None:
        return None
    t = _base_type(column)
    if isinstance(t, Enum) and t.enum_class is not None:
        return t.enum_class(value)
    if isinstance(t, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(t, Date):
        return dt.date.fromisoformat(value)
    if isinstance(t, Numeric) and t.asdecimal:
        return decimal.Decimal(value)
    return value


def _unique_sets(table: Table) -> list[tuple[str, ...]]:
    """Column sets that must be unique: unique constraints and unique columns (not the PK)."""
    sets = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            sets.append(tuple(c.name for c in constraint.columns))
    for column in table.columns:
        if column.unique and (column.name,) not in sets:
            sets.append((column.name,))
    for index in table.indexes:
        if index.unique:
            sets.append(tuple(c.name for c in index.columns))
    return sets


def storage_dir() -> Path:
    """Where evidence files and uploaded dossier items live (``portal.services.evidence``)."""
    from portal.services.evidence import storage_dir as evidence_dir

    return evidence_dir()


# -- schema revision --------------------------------------------------------------------------


def code_revision() -> str:
    """The head of the migrations shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config).get_current_head()


def database_revision() -> str:
    """The database's Alembic revision. A database without ``alembic_version`` was built by
    ``create_all`` from these models (the tests do this), i.e. it has the code's schema."""
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(db.session.connection())
    return context.get_current_revision() or code_revision()


def portal_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("thidua-portal")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


# -- export -----------------------------------------------------------------------------------


def find_province(ref: str):
    from portal.models import Province

    ref = (ref or "").strip()
    province = db.session.scalar(select(Province).where(Province.code == ref.lower()))
    if province is None and ref.isdigit():
        province = db.session.get(Province, int(ref))
    if province is None:
        raise BackupError(_("Không có tỉnh với mã hoặc số hiệu %(ref)s.", ref=ref))
    return province


class _Scope:
    """The WHERE clause that selects one table's rows of province ``pid``."""

    def __init__(self, metadata: MetaData, plans: dict[str, TablePlan], pid: int):
        self.md, self.plans, self.pid = metadata, plans, pid
        self.t = metadata.tables
        self.extra: dict[str, list] = {}  # computed in Python: document_series keys, audit ids

    def where(self, name: str):
        p, t = self.plans[name], self.t[name]
        if p.special is None:
            parent = self.t[p.parent]
            return t.c[p.column].in_(select(parent.c[p.parent_column]).where(self.where(p.parent)))
        if name == "provinces":
            return t.c.id == self.pid
        if name == "role_assignments":
            units = self.t["units"]
            return or_(
                t.c.province_id == self.pid,
                t.c.unit_id.in_(select(units.c.id).where(units.c.province_id == self.pid)),
            )
        if name == "users":
            roles = self.t["role_assignments"]
            subqueries = [select(roles.c.user_id).where(self.where("role_assignments"))]
            for other, other_plan in self.plans.items():
                if other_plan.special is not None:
                    continue
                for column in self.t[other].columns:
                    if not column.nullable and any(fk.column.table.name == "users" for fk in column.foreign_keys):
                        subqueries.append(select(column).where(self.where(other)))
            return or_(*(t.c.id.in_(q) for q in subqueries))
        return t.c[self.key_column(name)].in_(self.extra[name])

    @staticmethod
    def key_column(name: str) -> str:
        return {"document_series": "issuer_key", "audit_log": "id"}[name]


def _document_series_keys(scope: _Scope) -> list[str]:
    from portal.services.documents import issuer_key

    t = scope.t
    province = SimpleNamespace(id=scope.pid)
    keys = {issuer_key(province)}
    keys |= {issuer_key(province, SimpleNamespace(id=b)) for b in db.session.scalars(select(t["blocks"].c.id).where(scope.where("blocks")))}
    keys |= set(db.session.scalars(select(t["documents"].c.issuer_key).where(scope.where("documents"))))
    return sorted(keys)


def _audit_ids(scope: _Scope, exported_ids: dict[str, set[str]]) -> list[int]:
    """Audit rows of the province, and rows about exported objects written under no province
    (matched in Python: one query per object type, not one per object)."""
    log = scope.t["audit_log"]
    ids = set(db.session.scalars(select(log.c.id).where(log.c.province_id == scope.pid)))
    for object_type, idents in exported_ids.items():
        if not idents:
            continue
        # Only rows written under no province or under this one: an account of two provinces is
        # exported by both, and what the other province recorded about it is the other's.
        rows = db.session.execute(
            select(log.c.id, log.c.object_id).where(
                log.c.object_type == object_type, or_(log.c.province_id.is_(None), log.c.province_id == scope.pid)
            )
        )
        ids |= {row.id for row in rows if row.object_id in idents}
    return sorted(ids)


def _class_names() -> dict[str, str]:
    """Table name -> mapped class name (what the audit log calls ``object_type``)."""
    names = {}
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        if table is not None and getattr(table, "name", None):
            names.setdefault(table.name, mapper.class_.__name__)
    return names


class _Writer:
    """A zip member whose SHA-256 is taken as it is written. Written to a spooled temporary file
    first and copied in at ``close``: a zip takes one open member at a time, and a table's rows
    are written while its PDFs and stored files go in as members of their own."""

    def __init__(self, archive: zipfile.ZipFile, name: str, sums: dict[str, str]):
        self.buffer = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed in close()
        self.digest = hashlib.sha256()
        self.archive, self.name, self.sums = archive, name, sums

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.buffer.write(data)

    def close(self) -> None:
        try:
            self.buffer.seek(0)
            info = zipfile.ZipInfo(self.name, date_time=dt.datetime.now().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with self.archive.open(info, "w", force_zip64=True) as member:
                shutil.copyfileobj(self.buffer, member, 1 << 20)
        finally:
            self.buffer.close()
        self.sums[self.name] = self.digest.hexdigest()


def _add_member(archive: zipfile.ZipFile, name: str, data: bytes, sums: dict[str, str]) -> None:
    writer = _Writer(archive, name, sums)
    writer.write(data)
    writer.close()


def export_province(ref: str, output: str | os.PathLike, *, overwrite: bool = False) -> dict:
    """Write province ``ref`` (code or id) to the zip ``output``; return the manifest.

    The archive is written next to ``output`` under a temporary name and renamed at the end, so
    a failed export never leaves a partial archive under the real name."""
    output = Path(output)
    if output.exists() and not overwrite:
        raise BackupError(_("Tệp %(path)s đã có; chọn tên khác hoặc dùng --force.", path=str(output)))
    revision, head = database_revision(), code_revision()
    if revision != head:
        raise BackupError(
            _(
                "Cơ sở dữ liệu đang ở phiên bản lược đồ %(db)s, mã nguồn cần %(code)s: chạy flask db upgrade trước khi sao lưu.",
                db=revision, code=head,
            )
        )
    province = find_province(ref)
    md = db.metadata
    plans = plan(md)
    scope = _Scope(md, plans, province.id)
    scope.extra["document_series"] = _document_series_keys(scope)
    class_names = _class_names()

    partial = output.with_name(output.name + ".part")
    sums: dict[str, str] = {}
    counts: dict[str, int] = {}
    keys: dict[str, set] = defaultdict(set)  # referenced column values present, per table.column
    refs: dict[tuple[str, str], set] = defaultdict(set)  # (table, column) -> values used
    exported_idents: dict[str, set[str]] = defaultdict(set)
    missing_files: list[dict] = []
    referenced = {(fk.column.table.name, fk.column.name) for t in md.tables.values() for fk in t.foreign_keys}
    try:  # owner-only from the start: the archive holds password hashes
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise BackupError(
            _("Tệp tạm %(path)s đã có (một lần sao lưu khác đang chạy hoặc đã bị ngắt): xóa nó rồi chạy lại.", path=str(partial))
        ) from None
    try:
        with (
            os.fdopen(fd, "wb") as handle,
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        ):
            # The audit log last: its rows are chosen by the objects exported before it.
            for name in sorted(plans, key=lambda n: n == "audit_log"):
                table = md.tables[name]
                if name == "audit_log":
                    scope.extra[name] = _audit_ids(scope, exported_idents)
                writer = _Writer(archive, f"tables/{name}.jsonl", sums)
                count = 0
                for row in _rows(table, scope):
                    record = {}
                    for column in table.columns:
                        value = row[column.name]
                        if value is not None and isinstance(_base_type(column), LargeBinary):
                            member = f"blobs/{name}/{column.name}/{_ident(table, row)}" + (
                                ".pdf" if bytes(value[:5]) == b"%PDF-" else ".bin"
                            )
                            _add_member(archive, member, bytes(value), sums)
                            value = member
                        record[column.name] = _encode(value)
                        if (name, column.name) in referenced and value is not None:
                            keys[(name, column.name)].add(value)
                        if value is not None and column.foreign_keys:
                            refs[(name, column.name)].add(value)
                    if STORAGE_KEY_COLUMN in table.c and row[STORAGE_KEY_COLUMN]:
                        _add_stored_file(archive, name, row, sums, missing_files)
                    if name in class_names and name != "audit_log":
                        exported_idents[class_names[name]].add(_ident(table, row))
                    writer.write(json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n")
                    count += 1
                writer.close()
                counts[name] = count
            external = _external_references(md, plans, refs, keys)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "portal_version": portal_version(),
                "alembic_revision": revision,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "database": db.session.get_bind().dialect.name,
                "province": {"id": province.id, "code": province.code, "name": province.name},
                "row_counts": counts,
                "id_high_water": _high_water(plans),
                "excluded_tables": dict(EXCLUDED),
                "external_references": external,
                "missing_files": missing_files,
                "files": dict(sorted(sums.items())),
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            archive.writestr(MANIFEST, body)
            archive.writestr(MANIFEST_SUM, hashlib.sha256(body).hexdigest() + "\n")
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        db.session.rollback()  # export only reads; end the read transaction
    return manifest


def _rows(table: Table, scope: _Scope) -> Iterator[dict]:
    """The table's rows of the province, by primary key. Keys chosen in Python (audit ids,
    series keys) are queried a chunk at a time: SQLite limits the parameters of one statement."""
    order = list(table.primary_key.columns)
    if table.name in scope.extra:
        column, keys = table.c[scope.key_column(table.name)], scope.extra[table.name]
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            yield from (dict(r) for r in db.session.execute(select(table).where(column.in_(chunk)).order_by(*order)).mappings())
        return
    result = db.session.execute(
        select(table).where(scope.where(table.name)).order_by(*order).execution_options(yield_per=CHUNK)
    )
    for row in result.mappings():
        yield dict(row)


def _ident(table: Table, row: dict) -> str:
    """The primary key as ``portal.audit`` writes ``object_id`` ("12", or "3,7")."""
    return ",".join(str(row[c.name]) for c in table.primary_key.columns)


def _add_stored_file(archive, name: str, row: dict, sums: dict[str, str], missing: list[dict]) -> None:
    key = row[STORAGE_KEY_COLUMN]
    if not re.fullmatch(r"[0-9a-f]{16,64}", key):
        raise BackupError(_("Khóa tệp lưu trữ không hợp lệ ở bảng %(table)s, dòng %(id)s.", table=name, id=row["id"]))
    path = storage_dir() / key
    if not path.is_file():
        missing.append({"table": name, "id": row["id"], "storage_key": key})
        return
    with open(path, "rb") as source:
        writer = _Writer(archive, f"files/{key}", sums)
        for block in iter(lambda: source.read(1 << 20), b""):
            writer.write(block)
        writer.close()


def _external_references(md, plans, refs, keys) -> list[dict]:
    """References from exported rows to rows the archive does not hold: nullable ones are listed
    with the target's unique key; a NOT NULL one stops the export."""
    out, broken = [], []
    for (name, column_name), values in sorted(refs.items()):
        column = md.tables[name].c[column_name]
        for fk in column.foreign_keys:
            target, target_column = fk.column.table, fk.column.name
            outside = values - keys.get((target.name, target_column), set())
            if not outside:
                continue
            if not column.nullable:
                broken.append(f"{name}.{column_name} → {target.name} {sorted(outside)[:5]}")
                continue
            key_columns = sorted({c for s in _unique_sets(target) for c in s} - {target_column})
            for value in sorted(outside):
                row = db.session.execute(select(target).where(fk.column == value)).mappings().first()
                out.append(
                    {
                        "table": name,
                        "column": column_name,
                        "target": target.name,
                        "target_column": target_column,
                        "value": value,
                        "key": None if row is None else {c: _encode(row[c]) for c in key_columns},
                    }
                )
    if broken:
        raise BackupError(
            _("Dữ liệu của tỉnh tham chiếu bắt buộc tới dòng ngoài tỉnh: %(refs)s", refs="; ".join(broken))
        )
    return out


# -- import -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    province: dict
    row_counts: dict[str, int]
    files: int
    cleared: list[str] = field(default_factory=list)  # references cleared (target row absent)
    already_present: dict[str, int] = field(default_factory=dict)  # identical rows kept
    missing_files: list[dict] = field(default_factory=list)


class _Archive:
    """A verified archive: manifest checked, every member's checksum checked."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise BackupError(_("Tệp sao lưu hỏng hoặc không phải tệp zip: %(reason)s", reason=str(exc))) from None

    def close(self):
        self.zip.close()

    def read(self, name: str) -> bytes:
        try:
            return self.zip.read(name)
        except KeyError:
            raise BackupError(_("Tệp sao lưu thiếu thành phần %(name)s.", name=name)) from None
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise BackupError(
                _("Tệp sao lưu hỏng: không đọc được %(name)s (%(reason)s).", name=name, reason=str(exc))
            ) from None

    def check_sizes(self, max_bytes: int) -> None:
        """Refuse, from the sizes the zip declares and before decompressing anything, an archive
        that would unpack to more than ``max_bytes`` or holds a member packed suspiciously tight
        (a zip bomb). Reading never yields more than a member's declared size."""
        infos = self.zip.infolist()
        total = sum(info.file_size for info in infos)
        if total > max_bytes:
            raise BackupError(
                _("Tệp sao lưu quá lớn: %(size)s byte sau khi giải nén, giới hạn %(limit)s byte.", size=total, limit=max_bytes)
            )
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
                raise BackupError(
                    _(
                        "Tệp sao lưu có thành phần nén bất thường (%(name)s: %(size)s byte nén còn %(packed)s byte); không giải nén.",
                        name=info.filename, size=info.file_size, packed=info.compress_size,
                    )
                )

    def copy_to(self, name: str, target) -> None:
        """Stream member ``name`` into the open binary file ``target``, a chunk at a time."""
        try:
            with self.zip.open(name) as source:
                shutil.copyfileobj(source, target, 1 << 20)
        except KeyError:
            raise BackupError(_("Tệp sao lưu thiếu thành phần %(name)s.", name=name)) from None
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise BackupError(
                _("Tệp sao lưu hỏng: không đọc được %(name)s (%(reason)s).", name=name, reason=str(exc))
            ) from None

    def verify(self) -> dict:
        body = self.read(MANIFEST)
        recorded = self.read(MANIFEST_SUM).decode("ascii", "replace").strip()
        if hashlib.sha256(body).hexdigest() != recorded:
            raise BackupError(_("Tệp sao lưu hỏng: mã kiểm tra của manifest.json không khớp."))
        try:
            manifest = json.loads(body)
        except ValueError:
            raise BackupError(_("Tệp sao lưu hỏng: manifest.json không đọc được.")) from None
        if manifest.get("format") != FORMAT:
            raise BackupError(_("Đây không phải tệp sao lưu một tỉnh của cổng thi đua."))
        if manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                _(
                    "Tệp sao lưu theo định dạng phiên bản %(got)s; phiên bản này của cổng đọc định dạng %(want)s.",
                    got=manifest.get("format_version"), want=FORMAT_VERSION,
                )
            )
        files = manifest.get("files") or {}
        present = set(self.zip.namelist()) - {MANIFEST, MANIFEST_SUM}
        if present != set(files):
            odd = sorted(present ^ set(files))[:5]
            raise BackupError(
                _("Tệp sao lưu hỏng: thành phần không khớp với manifest (%(names)s).", names=", ".join(odd))
            )
        for name, expected in files.items():
            digest = hashlib.sha256()
            try:
                with self.zip.open(name) as handle:
                    for block in iter(lambda h=handle: h.read(1 << 20), b""):
                        digest.update(block)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise BackupError(
                    _("Tệp sao lưu hỏng: không đọc được %(name)s (%(reason)s).", name=name, reason=str(exc))
                ) from None
            if digest.hexdigest() != expected:
                raise BackupError(_("Tệp sao lưu hỏng: mã kiểm tra SHA-256 của %(name)s không khớp.", name=name))
        return manifest


def import_archive(
    path: str | os.PathLike, *, actor: str = "cli", max_bytes: int = MAX_ARCHIVE_BYTES
) -> ImportReport:
    """Check ``path`` completely, then restore its province in one transaction.

    Raises ``BackupError`` (nothing written) when the archive is damaged, too large (more than
    ``max_bytes`` unpacked) or packed like a zip bomb, from another schema revision or format,
    claims rows outside its province (checksums catch damage, not a hand-made archive), or
    clashes with what the target portal holds."""
    archive = _Archive(Path(path))
    try:
        archive.check_sizes(max_bytes)
        manifest = archive.verify()
        _check_revision(manifest)
        rows = _load_rows(archive, manifest)
        _check_plugins(rows)
        cleared, keep = _resolve_external(manifest)
        _check_roles(rows)
        _check_owners(rows)
        _check_references(rows, manifest, keep)
        _check_conflicts_province(rows, manifest)
        already = _drop_identical(rows)
        _check_conflicts(rows, manifest)
        files = [name for name in manifest["files"] if name.startswith("files/")]
        _check_files(files)
        report = _write(archive, manifest, rows, files, cleared, keep, actor)
        report.already_present = already
        return report
    finally:
        archive.close()


def _check_revision(manifest: dict) -> None:
    got, target, head = manifest.get("alembic_revision"), database_revision(), code_revision()
    if target != head:
        raise BackupError(
            _(
                "Cơ sở dữ liệu đích đang ở phiên bản lược đồ %(db)s, mã nguồn cần %(code)s: chạy flask db upgrade trước.",
                db=target, code=head,
            )
        )
    if got != target:
        raise BackupError(
            _(
                "Tệp sao lưu được tạo ở phiên bản lược đồ %(got)s, cơ sở dữ liệu đích ở phiên bản %(db)s: chỉ phục hồi được vào cổng cùng phiên bản lược đồ.",
                got=got, db=target,
            )
        )


def _load_rows(archive: _Archive, manifest: dict) -> dict[str, list[dict]]:
    md = db.metadata
    plans = plan(md)
    counts = manifest.get("row_counts") or {}
    unknown = sorted(set(counts) - set(plans))
    if unknown:
        raise BackupError(_("Tệp sao lưu có bảng mà cổng này không có: %(names)s.", names=", ".join(unknown)))
    rows: dict[str, list[dict]] = {}
    for name in plans:
        if name not in counts:
            raise BackupError(_("Tệp sao lưu thiếu bảng %(name)s.", name=name))
        table = md.tables[name]
        columns = {c.name: c for c in table.columns}
        loaded = []
        for number, line in enumerate(archive.read(f"tables/{name}.jsonl").splitlines(), 1):
            try:
                record = json.loads(line)
            except ValueError:
                raise BackupError(_("Tệp sao lưu hỏng: bảng %(name)s, dòng %(line)s.", name=name, line=number)) from None
            if set(record) != set(columns):
                raise BackupError(
                    _("Các cột của bảng %(name)s trong tệp sao lưu khác lược đồ của cổng.", name=name)
                )
            try:
                loaded.append({k: _decode(v, columns[k]) for k, v in record.items()})
            except (ValueError, TypeError, decimal.InvalidOperation):
                raise BackupError(_("Tệp sao lưu hỏng: bảng %(name)s, dòng %(line)s.", name=name, line=number)) from None
        if len(loaded) != counts[name]:
            raise BackupError(_("Tệp sao lưu hỏng: số dòng của bảng %(name)s không khớp manifest.", name=name))
        rows[name] = loaded
    provinces = rows["provinces"]
    if len(provinces) != 1 or provinces[0]["id"] != manifest["province"]["id"]:
        raise BackupError(_("Tệp sao lưu hỏng: phải có đúng một tỉnh."))
    return rows


def _check_plugins(rows) -> None:
    from portal.plugins import get_registry

    registry = get_registry()
    missing = sorted({r["plugin_name"] for r in rows["province_plugins"] if not registry.is_installed(r["plugin_name"])})
    if missing:
        raise BackupError(
            _("Tỉnh trong tệp sao lưu dùng plugin chưa cài trên cổng này: %(names)s.", names=", ".join(missing))
        )


def _resolve_external(manifest: dict) -> tuple[list[str], set[tuple[str, str, object]]]:
    """Which out-of-province references the target can keep (same id and same unique key).

    Only a nullable foreign key can point out of the province (export stops on a NOT NULL one),
    so a listed reference on a NOT NULL column, or on a column that is no foreign key to the
    named target, comes from a hand-made archive (a unit moved into another province of the
    target portal) and refuses the import."""
    md = db.metadata
    cleared, keep = [], set()
    references = manifest.get("external_references") or []
    for ref in references:
        target = md.tables.get(ref["target"])
        if target is None or ref["table"] not in md.tables:
            raise BackupError(_("Tệp sao lưu tham chiếu bảng không có: %(name)s.", name=ref["target"]))
    invalid = sorted({
        f"{ref['table']}.{ref['column']}"
        for ref in references
        if (source := md.tables[ref["table"]].c.get(ref["column"])) is None
        or not source.nullable
        or not any(
            fk.column.table.name == ref["target"] and fk.column.name == ref["target_column"]
            for fk in source.foreign_keys
        )
    })
    if invalid:
        raise BackupError(
            _(
                "Tệp sao lưu ghi tham chiếu ra ngoài tỉnh ở cột bắt buộc hoặc không phải khóa ngoại (%(refs)s): bản sao lưu do cổng tạo không bao giờ có, không phục hồi.",
                refs=", ".join(invalid),
            )
        )
    for ref in references:
        target = md.tables[ref["target"]]
        column = target.c[ref["target_column"]]
        row = db.session.execute(select(target).where(column == ref["value"])).mappings().first()
        wanted = ref.get("key")
        if row is not None and wanted is not None and all(
            _encode(row[c]) == v for c, v in wanted.items()
        ):
            keep.add((ref["table"], ref["column"], ref["value"]))
        else:
            label = ", ".join(f"{k}={v}" for k, v in (wanted or {}).items()) or str(ref["value"])
            cleared.append(f"{ref['table']}.{ref['column']} → {ref['target']} ({label})")
    return cleared, keep


def _check_roles(rows) -> None:
    """Role assignments grant only roles in the archive's province or one of its units: never
    the administrator role, never a role elsewhere (export takes no other, so any such row was
    put there by hand)."""
    from portal.models import Role

    province_id = rows["provinces"][0]["id"]
    units = {r["id"] for r in rows["units"]}
    bad = [
        r["id"]
        for r in rows["role_assignments"]
        if str(r["role"]) == Role.ADMIN.value
        or (r["province_id"] is None and r["unit_id"] is None)
        or (r["province_id"] is not None and r["province_id"] != province_id)
        or (r["unit_id"] is not None and r["unit_id"] not in units)
    ]
    if bad:
        raise BackupError(
            _(
                "Tệp sao lưu cấp vai trò quản trị hoặc vai trò ngoài tỉnh và các đơn vị của tỉnh (role_assignments %(ids)s); không phục hồi.",
                ids=", ".join(map(str, bad[:10])),
            )
        )


def _check_owners(rows) -> None:
    """Each row of a derived table belongs to a row the archive holds, through its owning column
    (``units.province_id`` → the province, ``criteria.table_id`` → a criteria table of the
    archive): a row owned by anything else is not the province's."""
    bad = []
    for name, p in plan().items():
        if p.column is None:
            continue
        owners = {r[p.parent_column] for r in rows.get(p.parent, [])}
        wrong = sorted({r[p.column] for r in rows.get(name, []) if r[p.column] not in owners}, key=repr)
        if wrong:
            bad.append(f"{name}.{p.column} = {', '.join(map(str, wrong[:5]))}")
    if bad:
        raise BackupError(
            _("Tệp sao lưu có dòng không thuộc tỉnh trong tệp: %(refs)s; không phục hồi.", refs="; ".join(bad[:10]))
        )


def _check_references(rows, manifest, keep) -> None:
    """Every foreign key resolves inside the archive, or is an external reference listed in the
    manifest (kept or cleared); anything else means a doctored archive."""
    md = db.metadata
    listed = {(r["table"], r["column"], r["value"]) for r in manifest.get("external_references") or []}
    present: dict[tuple[str, str], set] = {}
    for name, records in rows.items():
        for column in md.tables[name].columns:
            for fk in column.foreign_keys:
                target_key = (fk.column.table.name, fk.column.name)
                if target_key not in present:
                    present[target_key] = {r[fk.column.name] for r in rows.get(fk.column.table.name, [])}
                for record in records:
                    value = record[column.name]
                    if value is None or value in present[target_key]:
                        continue
                    if (name, column.name, value) not in listed:
                        raise BackupError(
                            _("Tệp sao lưu hỏng: %(table)s.%(column)s = %(value)s không trỏ tới dòng nào.",
                              table=name, column=column.name, value=value)
                        )


def _drop_identical(rows) -> dict[str, int]:
    """Remove the rows the target already holds with the same primary key and identical values
    in every column, and return how many per table.

    Why: an account with roles in two provinces (and the audit rows about it) travels in both
    provinces' archives. Restoring both into one portal must find it the second time and keep
    it, while any difference (the account changed between the two exports) is still a clash."""
    md = db.metadata
    dropped: dict[str, int] = {}
    for name, records in rows.items():
        table = md.tables[name]
        pk = list(table.primary_key.columns)
        if name == "provinces" or not records or len(pk) != 1:
            continue
        if any(isinstance(_base_type(c), LargeBinary) for c in table.columns):
            continue
        key = pk[0].name
        same = set()
        for start in range(0, len(records), CHUNK):
            chunk = {r[key]: r for r in records[start : start + CHUNK]}
            for row in db.session.execute(select(table).where(pk[0].in_(list(chunk)))).mappings():
                if dict(row) == chunk[row[key]]:
                    same.add(row[key])
        if same:
            rows[name] = [r for r in records if r[key] not in same]
            dropped[name] = len(same)
    return dropped


def _check_conflicts_province(rows, manifest) -> None:
    from portal.models import Province

    code = manifest["province"]["code"]
    existing = db.session.scalar(select(Province).where(Province.code == rows["provinces"][0]["code"]))
    if existing is not None:
        raise BackupError(
            _("Cổng này đã có tỉnh %(code)s (%(name)s); không phục hồi đè lên dữ liệu đang có.", code=code, name=existing.name)
        )


def _check_conflicts(rows, manifest) -> None:
    """No remaining row may clash with the target on its primary key or a unique key."""
    md = db.metadata
    clashes = []
    for name, records in rows.items():
        if not records:
            continue
        table = md.tables[name]
        key_sets = [tuple(c.name for c in table.primary_key.columns)] + _unique_sets(table)
        for columns in key_sets:
            wanted = {tuple(r[c] for c in columns) for r in records}
            wanted = {w for w in wanted if None not in w}
            if not wanted:
                continue
            first = sorted({w[0] for w in wanted}, key=repr)
            cols = [table.c[c] for c in columns]
            for start in range(0, len(first), CHUNK):
                found = db.session.execute(select(*cols).where(cols[0].in_(first[start : start + CHUNK])))
                hit = {tuple(r) for r in found} & wanted
                if hit:
                    sample = sorted(hit, key=repr)[0]
                    clashes.append(f"{name} ({', '.join(columns)}) = {', '.join(map(str, sample))}")
                    break
    if clashes:
        raise BackupError(
            _("Cơ sở dữ liệu đích đã có dòng trùng với tệp sao lưu: %(rows)s.", rows="; ".join(clashes[:10]))
        )


def _check_files(files: list[str]) -> None:
    """Names first (``files/<hex>``), so no path built from a member name is ever probed; then
    no stored file may be overwritten."""
    bad = [n for n in files if not STORED_FILE.fullmatch(n)]
    if bad:
        raise BackupError(_("Tệp sao lưu có tên tệp lưu trữ không hợp lệ: %(names)s.", names=", ".join(bad[:5])))
    folder = storage_dir()
    taken = [name for name in files if (folder / name.removeprefix("files/")).exists()]
    if taken:
        raise BackupError(_("Thư mục lưu tệp đã có tệp trùng khóa: %(names)s.", names=", ".join(taken[:5])))


def _self_ordered(table: Table, records: list[dict]) -> list[dict]:
    """Rows of a self-referencing table with each referenced row first (a criterion after its
    parent group, a unit after its successor), so every insert satisfies its foreign keys."""
    self_cols = [c.name for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
    if not self_cols:
        return records
    by_id = {r["id"]: r for r in records}
    done, out = set(), []

    def visit(record, trail=()):
        if record["id"] in done:
            return
        if record["id"] in trail:
            raise BackupError(_("Tệp sao lưu có vòng tham chiếu trong bảng %(name)s.", name=table.name))
        for col in self_cols:
            parent = by_id.get(record[col])
            if parent is not None and parent is not record:
                visit(parent, (*trail, record["id"]))
        done.add(record["id"])
        out.append(record)

    for record in records:
        visit(record)
    return out


def _runs(table: Table, records: list[dict]) -> Iterable[tuple[tuple[str, ...], list[dict]]]:
    """Consecutive rows grouped by which JSON columns are None: those are inserted as SQL NULL
    (not JSON ``null``), as the ORM leaves them, so ``IS NULL`` queries keep finding them."""
    json_cols = [c.name for c in table.columns if isinstance(_base_type(c), JSON)]
    run_key, run = None, []
    for record in records:
        key = tuple(c for c in json_cols if record[c] is None)
        if key != run_key and run:
            yield run_key, run
            run = []
        run_key = key
        run.append(record)
    if run:
        yield run_key, run


def _write(archive: _Archive, manifest, rows, files, cleared, kept_refs, actor: str) -> ImportReport:
    md = db.metadata
    folder = storage_dir()
    written: list[Path] = []
    listed = {(r["table"], r["column"], r["value"]) for r in manifest.get("external_references") or []}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in files:
            written.append(_restore_file(archive, name, folder / name.removeprefix("files/")))
        for name, records in rows.items():
            table = md.tables[name]
            blobs = [c.name for c in table.columns if isinstance(_base_type(c), LargeBinary)]
            fk_columns = [c.name for c in table.columns if c.foreign_keys]
            for record in records:
                for column in fk_columns:
                    key = (name, column, record[column])
                    if key in listed and key not in kept_refs:
                        record[column] = None
            ordered = _self_ordered(table, records)
            for start in range(0, len(ordered), CHUNK):
                chunk = ordered[start : start + CHUNK]
                if blobs:
                    chunk = [{**r, **{b: archive.read(r[b]) for b in blobs if r[b] is not None}} for r in chunk]
                for nulls, run in _runs(table, chunk):
                    statement = table.insert()
                    if nulls:
                        statement = statement.values({c: null() for c in nulls})
                        run = [{k: v for k, v in r.items() if k not in nulls} for r in run]
                    db.session.execute(statement, run)
        _reset_sequences(manifest)
        province = manifest["province"]
        log = md.tables["audit_log"]
        restore_id = _restore_row_id(manifest)
        db.session.execute(
            log.insert().values(
                **({"id": restore_id} if restore_id is not None else {}),
                created_at=dt.datetime.now(dt.UTC), actor_id=None, actor_name=actor[:80], action="restore",
                object_type="Province", object_id=str(province["id"]), province_id=province["id"],
                before=None,
                after={
                    "archive": os.path.basename(archive.path),
                    "created_at": manifest["created_at"],
                    "portal_version": manifest["portal_version"],
                    "rows": sum(len(r) for r in rows.values()),
                },
            )
        )
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(exc, BackupError | KeyboardInterrupt):
            raise
        current_app.logger.exception("province restore failed")
        raise BackupError(
            _("Phục hồi thất bại, không có gì được ghi: %(reason)s", reason=f"{type(exc).__name__}: {exc}"[:500])
        ) from exc
    return ImportReport(
        province=manifest["province"],
        row_counts={name: len(records) for name, records in rows.items()},
        files=len(files),
        cleared=cleared,
        missing_files=manifest.get("missing_files") or [],
    )


def _restore_file(archive: _Archive, name: str, target: Path) -> Path:
    """Stream member ``name`` to ``target`` as ``portal.services.evidence`` stores a file: under
    a temporary name, owner-only, synced, then moved into place; a failed write leaves nothing."""
    partial = target.with_name(target.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            archive.copy_to(name, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _integer_pk(table: Table):
    pk = list(table.primary_key.columns)
    return pk[0] if len(pk) == 1 and isinstance(_base_type(pk[0]), Integer) else None


def _high_water(plans) -> dict[str, int]:
    """The largest id of each table in the whole source portal (all provinces), at export."""
    out = {}
    for name in plans:
        pk = _integer_pk(db.metadata.tables[name])
        if pk is not None:
            out[name] = db.session.scalar(select(func.max(pk))) or 0
    return out


def _reset_sequences(manifest) -> None:
    """PostgreSQL: move each table's id sequence past the restored ids and past the largest id
    the source portal had at export (``id_high_water``), so rows created after the restore never
    take an id that another province's archive from the same source still holds. SQLite has no
    sequence: its next rowid is one more than the largest, so restore every province of a lost
    portal before working in the new one."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    high = manifest.get("id_high_water") or {}
    for name, table in db.metadata.tables.items():
        pk = _integer_pk(table)
        if pk is None or name in EXCLUDED:
            continue
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": name, "c": pk.name})
        if sequence is None:
            continue
        highest = max(db.session.scalar(select(func.max(pk))) or 0, int(high.get(name) or 0))
        if highest:
            db.session.execute(
                text(
                    "SELECT setval(CAST(:s AS regclass), "
                    "GREATEST(:m, COALESCE(pg_sequence_last_value(CAST(:s AS regclass)), 0)))"
                ),
                {"s": sequence, "m": highest},
            )


def _restore_row_id(manifest) -> int | None:
    """The id of the import's own audit row: from the sequence on PostgreSQL (already past the
    high-water mark), explicit on SQLite, past both the table and the source's high-water mark."""
    if db.session.get_bind().dialect.name == "postgresql":
        return None
    log = db.metadata.tables["audit_log"]
    current = db.session.scalar(select(func.max(log.c.id))) or 0
    return max(current, int((manifest.get("id_high_water") or {}).get("audit_log") or 0)) + 1


__all__ = [
    "EXCLUDED",
    "SPECIAL",
    "BackupError",
    "BackupSchemaError",
    "ImportReport",
    "export_province",
    "import_archive",
    "plan",
]
