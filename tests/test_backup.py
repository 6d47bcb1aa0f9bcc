"""Backup and restore of a whole province (``flask portal backup export/import``).

The round trip builds a province with documents, criteria, a scoring round with evidence,
ballots (codes, papers, participations, a paper count by the tally committee), a nomination and a
dossier with an uploaded file and award records, exports Lai Châu, restores it into a second,
empty app on a fresh database (a new SQLite file, or a fresh PostgreSQL schema) and compares
every table row by row, then checks every document's PDF and fingerprint in the restored portal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import secrets
import zipfile
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    func,
    select,
)

from portal.audit import audit_actor, install_triggers
from portal.documents.fingerprint import canonical_json
from portal.extensions import db
from portal.models import Province, Role, RoleAssignment, User
from portal.services import backup
from tests.conftest import _pg_base_url, login, make_app, make_user

# Tables the enriched world must fill, so the round trip really covers them.
FILLED = {
    "provinces", "province_plugins", "plugin_settings", "units", "blocks", "block_members", "users",
    "role_assignments", "criteria_tables", "criteria", "scoring_rounds", "round_members", "self_scores",
    "evidence", "documents", "document_series", "ballots", "ballot_candidates", "ballot_voters",
    "ballot_participations", "ballot_papers", "tally_members", "paper_counts", "nominations",
    "dossiers", "dossier_items", "dossier_events", "award_records", "audit_log",
}


# Tables owned through a parent that carries the province: (column, parent table).
PARENTS = {
    "criteria": ("table_id", "criteria_tables"),
    "round_members": ("round_id", "scoring_rounds"),
    "self_scores": ("round_id", "scoring_rounds"),
    "cross_scores": ("round_id", "scoring_rounds"),
    "agreed_scores": ("round_id", "scoring_rounds"),
    "evidence": ("round_id", "scoring_rounds"),
    "block_members": ("block_id", "blocks"),
    "ballot_candidates": ("ballot_id", "ballots"),
    "ballot_voters": ("ballot_id", "ballots"),
    "ballot_participations": ("ballot_id", "ballots"),
    "ballot_papers": ("ballot_id", "ballots"),
    "tally_members": ("ballot_id", "ballots"),
    "paper_counts": ("ballot_id", "ballots"),
    "dossier_items": ("dossier_id", "dossiers"),
    "dossier_events": ("dossier_id", "dossiers"),
    "acknowledgements": ("nomination_id", "nominations"),
}


def _enrich(world):
    """Ballots through their life, a paper count, a dossier with an upload, and the border cases:
    a tally member with no role in the province, a user with roles in both provinces, a document
    issued by the administrator and an administrator's audited change."""
    from portal.services import ballots as svc
    from portal.services import dossiers, nominations
    from tests.conftest import PDF_BYTES

    u = world.lc_units
    with audit_actor("fixture"):
        b = svc.create_ballot(world.leader, world.block, award_code="co_thi_dua_tinh",
                              candidate_unit_ids=[u["SNV"].id, u["STC"].id, u["SYT"].id])
        codes = {v.unit_id: svc.issue_code(world.leader, b, v.unit_id) for v in b.roll}
        svc.open_ballot(world.leader, b)
        svc.cast(b.id, [b.candidates[0].id], code=codes[u["SNV"].id])
        svc.cast(b.id, [b.candidates[0].id], user=world.member)
        svc.close_ballot(world.leader, b)
        svc.publish(world.leader, b)
        paper = svc.create_ballot(world.leader, world.block, award_code="co_thi_dua_tinh", mode="paper",
                                  candidate_unit_ids=[u["SNV"].id, u["STC"].id])
        svc.open_ballot(world.leader, paper)
        svc.close_ballot(world.leader, paper)
        counter = make_user("kiemphieu.ngoai")  # no role anywhere: exported because a count names it
        svc.set_tally_committee(world.leader, paper, [(world.member.id, "Trưởng ban"), (counter.id, "Thành viên")])
        ids = [c.id for c in paper.candidates]
        svc.enter_paper_count(counter, paper, issued=3, returned=3, invalid=0, votes={ids[0]: 2, ids[1]: 1})
        n = nominations.create_nomination(world.member, world.laichau, year=2023,
                                          award_code="tap_the_lao_dong_xuat_sac", recipient="collective",
                                          unit_id=u["STC"].id)
        d = dossiers.create_dossier(world.member, unit=u["STC"], year=2023)
        dossiers.upload(world.member, d, "achievement_report", n.id, "Báo cáo thành tích.pdf", PDF_BYTES + b"%dossier")
        both = make_user("hai.tinh", Role.UNIT_OFFICER, unit=u["SYT"])
        both.roles.append(RoleAssignment(role=Role.OBSERVER, province_id=world.travinh.id))
        world.document.created_by_id = world.admin.id
        db.session.commit()
    # ``portal.audit`` reads the named actor only inside a request: an administrator's web change.
    with current_app.test_request_context(), audit_actor("admin", world.admin.id):
        world.laichau.allow_late_submissions = True
        db.session.commit()
    world.ballot_id, world.paper_id, world.both = b.id, paper.id, both
    return world


@pytest.fixture
def small_world(world):
    """``world`` plus one nomination and a unit dossier with an uploaded file: enough for an
    archive with a stored file, without rendering PDFs (the refusal tests stay quick)."""
    from portal.services import dossiers, nominations
    from tests.conftest import PDF_BYTES

    with audit_actor("fixture"):
        n = nominations.create_nomination(world.member, world.laichau, year=2023,
                                          award_code="tap_the_lao_dong_xuat_sac", recipient="collective",
                                          unit_id=world.lc_units["STC"].id)
        d = dossiers.create_dossier(world.member, unit=world.lc_units["STC"], year=2023)
        dossiers.upload(world.member, d, "achievement_report", n.id, "Báo cáo thành tích.pdf", PDF_BYTES)
        db.session.commit()
    return world


def _settings(world):
    from portal.models import PluginSetting

    db.session.add(PluginSetting(province_id=world.laichau.id, plugin_name="province.laichau", key="x", value={"a": 1}))
    db.session.commit()


@contextlib.contextmanager
def fresh_app(database_url: str, folder: Path):
    """A second, empty app on a fresh database: a new SQLite file, or a fresh PostgreSQL schema
    (as ``tests/conftest.py`` makes one per session), with its own instance folder."""
    schema = engine = None
    if database_url.startswith("sqlite"):
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder}/portal.sqlite3"
    else:
        base = _pg_base_url()
        schema = f"pt_restore_{secrets.token_hex(4)}"
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    app = make_app(url, folder)
    with app.app_context():
        if schema is None:  # a throwaway file needs no sync to disk (seconds on a busy machine)
            event.listen(db.engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA synchronous=OFF"))
        with db.engine.begin() as conn:  # one transaction: one sync to disk, not one per table
            db.metadata.create_all(conn)
            install_triggers(conn)
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
        if engine is not None:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            engine.dispose()


@pytest.fixture
def target(database_url, tmp_path):
    with fresh_app(database_url, tmp_path / "target") as app:
        yield app


def _dump() -> dict[str, dict]:
    """Every row of every table in the current app, by primary key, all columns."""
    out = {}
    for table in db.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        rows = db.session.execute(select(table).order_by(*pk)).mappings()
        out[table.name] = {tuple(r[c.name] for c in pk): dict(r) for r in rows}
    db.session.rollback()
    return out


def _storage(app) -> Path:
    return Path(app.instance_path) / "evidence"


def _export(app, path, province="laichau"):
    result = app.test_cli_runner().invoke(args=["portal", "backup", "export", "--province", province, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return result


def _import(app, path):
    """Run the import command inside ``app``'s own context (the CLI reuses a pushed context)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["portal", "backup", "import", str(path)])
        db.session.remove()
    return result


def _empty(app) -> None:
    with app.app_context():
        counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
        db.session.remove()
    assert not any(counts.values()), counts
    assert not _storage(app).exists() or not any(_storage(app).iterdir())


def test_round_trip_restores_every_row_file_and_document(app, award_world, target, tmp_path):
    world = _enrich(award_world)
    _settings(world)
    archive = tmp_path / "laichau.zip"
    out = _export(app, archive)
    assert "Tham chiếu ra ngoài tỉnh" in out.output  # the administrator as creator and actor
    source = _dump()
    lc = world.laichau.id
    world_block_id, world_document_id, world_tv_id = world.block.id, world.document.id, world.travinh.id

    with zipfile.ZipFile(archive) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert z.read("manifest.sha256").decode().strip() == hashlib.sha256(z.read("manifest.json")).hexdigest()
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(z.read(name)).hexdigest() == digest
    assert manifest["format_version"] == backup.FORMAT_VERSION
    assert manifest["alembic_revision"] == backup.code_revision()
    assert manifest["province"]["code"] == "laichau" and manifest["portal_version"]
    assert manifest["excluded_tables"].keys() == backup.EXCLUDED.keys() >= {"api_tokens"}
    assert {n for n, c in manifest["row_counts"].items() if c} >= FILLED
    assert manifest["missing_files"] == []

    result = _import(target, archive)
    assert result.exit_code == 0, result.output
    assert "Bỏ tham chiếu" in result.output
    with target.app_context():
        restored = _dump()

    # Nothing of Trà Vinh, no administrator, no API tokens.
    assert {r["code"] for r in restored["provinces"].values()} == {"laichau"}
    assert {r["province_id"] for r in restored["units"].values()} == {lc}
    usernames = {r["username"] for r in restored["users"].values()}
    assert usernames == {"canbo.laichau", "khoitruong", "donvi", "ngoai.khoi", "theodoi", "kiemphieu.ngoai", "hai.tinh"}
    assert restored["api_tokens"] == {}
    assert {r["province_id"] for r in restored["role_assignments"].values()} == {lc, None}
    assert world.travinh.id not in {r["province_id"] for r in restored["role_assignments"].values()}

    # Row by row, all columns: every restored row equals its source row, except the references
    # to the administrator (not in the archive, so cleared) and the restore's own audit row.
    admin = world.admin.id
    restore_rows = [k for k in restored["audit_log"] if k not in source["audit_log"]]
    assert len(restore_rows) == 1 and restored["audit_log"][restore_rows[0]]["action"] == "restore"
    cleared = 0
    for name, rows in restored.items():
        for key, row in rows.items():
            if name == "audit_log" and key in restore_rows:
                continue
            expected = dict(source[name][key])
            for column, value in expected.items():
                if column.endswith("_id") and value == admin and name in ("documents", "audit_log") and row[column] is None:
                    expected[column] = None
                    cleared += 1
            assert row == expected, (name, key)
    assert cleared >= 2  # the document's creator and the administrator's audited change
    # Exactly the province's rows are restored, by an oracle written by hand (not the module's plan):
    # tables with a province column, tables owned through a parent, and the special ones.
    def of_province(name):
        return {k[0] for k, r in source[name].items() if r["province_id"] == lc}

    expected = {
        name: {k for k, r in rows.items() if r["province_id"] == lc}
        for name, rows in source.items()
        if rows and "province_id" in next(iter(rows.values())) and name not in ("role_assignments", "audit_log", "jobs")
    }
    expected["provinces"] = {(lc,)}
    for name, (column, parent) in PARENTS.items():
        owners = of_province(parent)
        expected[name] = {k for k, r in source[name].items() if r[column] in owners}
    lc_units = of_province("units")
    expected["role_assignments"] = {
        k for k, r in source["role_assignments"].items() if r["province_id"] == lc or r["unit_id"] in lc_units
    }
    series = {f"province:{lc}"} | {f"block:{b}" for b in of_province("blocks")}
    expected["document_series"] = {k for k, r in source["document_series"].items() if r["issuer_key"] in series}
    for name, keys in expected.items():
        assert set(restored[name]) == keys, name
    assert set(expected) | {"users", "audit_log"} | set(backup.EXCLUDED) == set(source)
    lc_audit = {k for k, r in source["audit_log"].items() if r["province_id"] == lc}
    assert lc_audit <= set(restored["audit_log"])
    assert not {k for k, r in restored["audit_log"].items() if r["province_id"] == world_tv_id}
    # The ballot's anonymous papers, its participations and the roll with the codes issued.
    assert len(restored["ballot_papers"]) == 2 and len(restored["ballot_participations"]) == 2
    assert sum(1 for r in restored["ballot_voters"].values() if r["code_issued_at"]) == 3

    # Stored files: the same bytes under the same key.
    for table in ("evidence", "dossier_items"):
        for row in restored[table].values():
            if row["storage_key"]:
                data = (_storage(target) / row["storage_key"]).read_bytes()
                assert hashlib.sha256(data).hexdigest() == row["sha256"]
                assert data == (_storage(app) / row["storage_key"]).read_bytes()

    # Documents: the stored PDF's SHA-256 is the source's, the fingerprint is the data's, and the
    # restored portal verifies it (API and page).
    client = target.test_client()
    documents = restored["documents"]
    assert documents
    with target.app_context():
        for row in documents.values():
            source_row = source["documents"][(row["id"],)]
            assert hashlib.sha256(row["pdf"]).hexdigest() == hashlib.sha256(source_row["pdf"]).hexdigest()
            assert hashlib.sha256(canonical_json(row["data"])).hexdigest() == row["fingerprint"]
            answer = client.get(f"/api/v1/verify/{row['fingerprint']}")
            assert answer.status_code == 200, answer.get_data(as_text=True)
            assert answer.get_json()["id"] == row["id"]
            assert client.get(f"/verify/{row['fingerprint']}").status_code == 200
        db.session.remove()

    # Restored accounts sign in with their own passwords (the hashes travelled).
    with target.app_context():
        assert login(target.test_client(), "canbo.laichau").status_code == 302
        db.session.remove()

    # The restored portal keeps working: new rows get fresh ids (sequences moved past the restored
    # ones) and the block's next document number follows the restored series.
    highest_unit = max(r["id"] for r in restored["units"].values())
    block_id, doc = world_block_id, source["documents"][(world_document_id,)]
    with target.app_context():
        from portal.services.documents import allocate_number
        from portal.services.units import save_unit

        province = db.session.scalar(select(Province).where(Province.code == "laichau"))
        with audit_actor("test"):
            unit = save_unit(None, province, code="SXD", name="Sở Xây dựng", kind="department", staff_count=10)
            db.session.commit()
        assert unit.id > highest_unit
        assert allocate_number(f"block:{block_id}", doc["year"]) == doc["number"] + 1
        db.session.rollback()
        db.session.remove()


def _rewrite(archive: Path, out: Path, change) -> None:
    """Copy ``archive`` to ``out`` through ``change(name, data) -> data``; manifest checksums are
    kept as they were unless ``change`` rewrites the manifest itself."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))


def test_damaged_archive_is_refused_and_nothing_written(app, small_world, target, tmp_path):
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    # A flipped byte in the middle of the stored evidence file's bytes inside the zip.
    raw = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as z:
        info = next(i for i in z.infolist() if i.filename.startswith("files/"))
    local_header = 30 + len(info.filename.encode()) + len(info.extra)
    raw[info.header_offset + local_header + info.compress_size // 2] ^= 0x01
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    result = _import(target, flipped)
    assert result.exit_code == 1 and "hỏng" in result.output, result.output
    _empty(target)

    # A readable zip whose member no longer matches the manifest's SHA-256.
    doctored = tmp_path / "doctored.zip"
    _rewrite(archive, doctored, lambda n, d: d.replace("Nội vụ".encode(), "Nội Vụ".encode()) if n == "tables/units.jsonl" else d)
    result = _import(target, doctored)
    assert result.exit_code == 1 and "SHA-256 của tables/units.jsonl không khớp" in result.output, result.output
    _empty(target)

    # A damaged manifest, and a truncated file.
    bad_manifest = tmp_path / "manifest.zip"
    _rewrite(archive, bad_manifest, lambda n, d: d.replace(b'"laichau"', b'"laichao"') if n == "manifest.json" else d)
    result = _import(target, bad_manifest)
    assert result.exit_code == 1 and "manifest.json" in result.output
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[:-200])
    assert _import(target, truncated).exit_code == 1
    _empty(target)


def _with_manifest(archive: Path, out: Path, edit) -> None:
    manifest = json.loads(zipfile.ZipFile(archive).read("manifest.json"))
    edit(manifest)
    body = json.dumps(manifest, ensure_ascii=False).encode()

    def change(name, data):
        if name == "manifest.json":
            return body
        if name == "manifest.sha256":
            return hashlib.sha256(body).hexdigest().encode()
        return data

    _rewrite(archive, out, change)


def test_other_schema_revision_is_refused(app, small_world, target, tmp_path):
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    older = tmp_path / "older.zip"
    _with_manifest(archive, older, lambda m: m.update(alembic_revision="0006_plugin_settings"))
    result = _import(target, older)
    assert result.exit_code == 1
    assert "phiên bản lược đồ 0006_plugin_settings" in result.output, result.output
    _empty(target)
    newer_format = tmp_path / "format.zip"
    _with_manifest(archive, newer_format, lambda m: m.update(format_version=backup.FORMAT_VERSION + 1))
    result = _import(target, newer_format)
    assert result.exit_code == 1 and "định dạng" in result.output
    _empty(target)


def test_target_database_at_another_revision_is_refused(app, small_world, target, tmp_path):
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    with target.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0006_plugin_settings')")
        db.session.remove()
    result = _import(target, archive)
    assert result.exit_code == 1 and "flask db upgrade" in result.output, result.output
    with target.app_context():
        assert db.session.scalar(select(func.count(Province.id))) == 0
        db.session.remove()


def test_province_already_present_or_clashing_rows_are_refused(app, small_world, target, tmp_path):
    world = small_world
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    before = _dump()
    files_before = sorted(p.name for p in _storage(app).iterdir())
    result = app.test_cli_runner().invoke(args=["portal", "backup", "import", str(archive)])
    assert result.exit_code == 1 and "đã có tỉnh laichau" in result.output, result.output
    assert _dump() == before and sorted(p.name for p in _storage(app).iterdir()) == files_before

    # Another province only, but an account with a restored user's name: refused, nothing written.
    username = world.officer.username
    with target.app_context():
        with audit_actor("test"):
            from portal.services.provinces import save_province

            save_province(None, code="dienbien", name="Tỉnh Điện Biên")
            make_user(username)
            db.session.commit()
        db.session.remove()
    result = _import(target, archive)
    assert result.exit_code == 1 and "trùng" in result.output and "username" in result.output, result.output
    with target.app_context():
        assert db.session.scalar(select(func.count(Province.id))) == 1
        db.session.remove()


def test_merged_province_keeps_its_successor_link_only_when_the_successor_is_there(
    app, world, target, tmp_path, database_url
):
    """Trà Vinh merged into Vĩnh Long: restored alone, the link is cleared (and said so); restored
    after Vĩnh Long, the link survives."""
    from portal.services.provinces import save_province

    with audit_actor("fixture"):
        vl = save_province(None, code="vinhlong", name="Tỉnh Vĩnh Long")
        save_province(world.travinh, code="travinh", name="Tỉnh Trà Vinh", successor_id=vl.id,
                      merged_on=dt.date(2025, 7, 1))
        shared = make_user("canbo.chung", Role.PROVINCE_OFFICER, province=world.travinh)
        shared.roles.append(RoleAssignment(role=Role.PROVINCE_OFFICER, province_id=vl.id))
        db.session.commit()
    tv, vlz = tmp_path / "travinh.zip", tmp_path / "vinhlong.zip"
    vl_id, tv_id = vl.id, world.travinh.id
    _export(app, tv, province=str(world.travinh.id))  # by id works too
    _export(app, vlz, province="vinhlong")

    first = _import(target, tv)
    assert first.exit_code == 0, first.output
    assert "provinces.successor_id → provinces (code=vinhlong)" in first.output
    with target.app_context():
        assert db.session.scalar(select(Province.successor_id).where(Province.code == "travinh")) is None
        db.session.remove()

    with fresh_app(database_url, tmp_path / "second") as other:
        assert _import(other, vlz).exit_code == 0
        result = _import(other, tv)
        assert result.exit_code == 0 and "Bỏ tham chiếu" not in result.output, result.output
        # The account of both provinces travelled twice: kept, with its roles in each.
        assert "giống hệt, giữ nguyên: 1 dòng users" in result.output
        with other.app_context():
            assert db.session.scalar(select(Province.successor_id).where(Province.code == "travinh")) == vl_id
            roles = db.session.scalars(
                select(RoleAssignment.province_id).join(User).where(User.username == "canbo.chung")
            ).all()
            assert sorted(roles) == sorted([vl_id, tv_id])
            db.session.remove()


def test_every_table_is_exported_or_excluded_with_a_reason(app):
    plans = backup.plan()
    names = {t.name for t in db.metadata.sorted_tables}
    assert set(plans) | set(backup.EXCLUDED) == names
    assert not set(plans) & set(backup.EXCLUDED)
    assert all(len(reason) > 20 for reason in backup.EXCLUDED.values())
    # Insertion order: every owning table comes before the tables it owns.
    order = list(plans)
    for p in plans.values():
        if p.parent:
            assert order.index(p.parent) < order.index(p.name)


def test_a_new_table_cannot_be_silently_left_out(app):
    md = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(md)
    Table("province_notes", md, Column("id", Integer, primary_key=True),
          Column("province_id", ForeignKey("provinces.id"), nullable=False))
    assert backup.plan(md)["province_notes"].parent == "provinces"  # owned: exported by itself
    Table("mystery", md, Column("id", Integer, primary_key=True), Column("user_id", ForeignKey("users.id")))
    with pytest.raises(backup.BackupSchemaError, match="mystery"):
        backup.plan(md)


def test_unknown_province_and_existing_output_are_refused(app, world, tmp_path):
    out = tmp_path / "x.zip"
    result = app.test_cli_runner().invoke(args=["portal", "backup", "export", "--province", "hanoi", "-o", str(out)])
    assert result.exit_code == 1 and "hanoi" in result.output and not out.exists()
    out.write_bytes(b"keep")
    result = app.test_cli_runner().invoke(args=["portal", "backup", "export", "--province", "laichau", "-o", str(out)])
    assert result.exit_code == 1 and out.read_bytes() == b"keep"
    assert not list(tmp_path.glob("*.part"))


def _doctor(archive: Path, out: Path, members: dict[str, bytes], edit=None) -> None:
    """A hand-made archive: ``members`` replace or add members, the manifest's checksums and row
    counts are made to match, and ``edit(manifest)`` changes the rest. Checksums then pass: only
    the import's own checks on the content can refuse it."""
    with zipfile.ZipFile(archive) as z:
        manifest = json.loads(z.read("manifest.json"))
        data = {n: z.read(n) for n in z.namelist() if n not in ("manifest.json", "manifest.sha256")}
    data.update(members)
    for name, body in data.items():
        manifest["files"][name] = hashlib.sha256(body).hexdigest()
        if name.startswith("tables/"):
            manifest["row_counts"][name[len("tables/"):-len(".jsonl")]] = len(body.splitlines())
    if edit is not None:
        edit(manifest)
    body = json.dumps(manifest, ensure_ascii=False).encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, member in data.items():
            dst.writestr(name, member)
        dst.writestr("manifest.json", body)
        dst.writestr("manifest.sha256", hashlib.sha256(body).hexdigest())


def _lines(archive: Path, table: str) -> list[dict]:
    with zipfile.ZipFile(archive) as z:
        return [json.loads(line) for line in z.read(f"tables/{table}.jsonl").splitlines()]


def _jsonl(records: list[dict]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in records)


def test_hand_made_archive_cannot_grant_roles_outside_the_province(app, small_world, target, tmp_path):
    """Checksums catch damage, not tampering: a role row granting the administrator role, or a
    role in another province, is refused even though every checksum matches."""
    world = small_world
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    roles = _lines(archive, "role_assignments")
    user_id = roles[0]["user_id"]
    next_id = max(r["id"] for r in roles) + 1000
    admin_row = {**roles[0], "id": next_id, "role": "admin", "province_id": None, "unit_id": None}
    other_row = {**roles[0], "id": next_id + 1, "role": "observer", "province_id": world.travinh.id, "unit_id": None}
    for extra in (admin_row, other_row):
        forged = tmp_path / f"forged{extra['id']}.zip"
        _doctor(archive, forged, {"tables/role_assignments.jsonl": _jsonl([*roles, extra])})
        result = _import(target, forged)
        assert result.exit_code == 1 and "vai trò" in result.output, result.output
        assert str(user_id) in result.output or "role_assignments" in result.output
        _empty(target)


def test_hand_made_archive_cannot_point_a_required_reference_elsewhere(app, small_world, target, tmp_path):
    """A NOT NULL reference listed as external (a unit moved into another province of the target
    portal) is refused, although the target row exists with the listed key."""
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    with target.app_context():
        # Core insert, an id far from the archive's: no audit row, no primary key clash.
        db.session.execute(Province.__table__.insert().values(id=900, code="dienbien", name="Tỉnh Điện Biên"))
        db.session.commit()
        other = db.session.get(Province, 900)
        key_columns = sorted({c for s in backup._unique_sets(Province.__table__) for c in s} - {"id"})
        other_id = other.id
        key = {c: backup._encode(getattr(other, c)) for c in key_columns}
        db.session.remove()
    units = _lines(archive, "units")
    units[0]["province_id"] = other_id
    reference = {"table": "units", "column": "province_id", "target": "provinces", "target_column": "id",
                 "value": other_id, "key": key}
    forged = tmp_path / "forged.zip"
    _doctor(archive, forged, {"tables/units.jsonl": _jsonl(units)},
            lambda m: m["external_references"].append(reference))
    result = _import(target, forged)
    assert result.exit_code == 1 and "units.province_id" in result.output, result.output
    with target.app_context():
        assert db.session.scalar(select(func.count(Province.id))) == 1
        assert not db.session.scalar(select(func.count()).select_from(db.metadata.tables["units"]))
        db.session.remove()


def test_derived_rows_must_belong_to_a_row_of_the_archive(app):
    """Each derived table's owning column names a row the archive holds (or the province)."""
    rows = {name: [] for name in backup.plan()}
    rows["provinces"] = [{"id": 1}]
    rows["criteria_tables"] = [{"id": 5, "province_id": 1}]
    backup._check_owners(rows)
    rows["criteria"] = [{"id": 9, "table_id": 6}]
    with pytest.raises(backup.BackupError, match="criteria.table_id"):
        backup._check_owners(rows)


def test_archive_too_large_or_too_compressed_is_refused(app, small_world, target, tmp_path):
    """The sizes the zip declares are checked before a single member is decompressed."""
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    with target.app_context():
        with pytest.raises(backup.BackupError, match="quá lớn"):
            backup.import_archive(archive, max_bytes=1000)
        db.session.remove()
    _empty(target)
    bomb = tmp_path / "bomb.zip"
    _doctor(archive, bomb, {"files/" + "ab" * 16: bytes(4 << 20)})
    result = _import(target, bomb)
    assert result.exit_code == 1 and "nén" in result.output, result.output
    _empty(target)


def test_failed_file_write_leaves_no_partial_and_files_are_private(app, small_world, target, tmp_path, monkeypatch):
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    import os

    real_replace = os.replace

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    result = _import(target, archive)
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.exit_code == 1, result.output
    _empty(target)  # no restored file and no ``.part`` left behind

    result = _import(target, archive)
    assert result.exit_code == 0, result.output
    stored = list(_storage(target).iterdir())
    assert stored and all(p.stat().st_mode & 0o777 == 0o600 for p in stored)


def test_member_names_are_checked_before_the_storage_folder_is_probed(app, small_world, target, tmp_path):
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    forged = tmp_path / "forged.zip"
    _doctor(archive, forged, {"files/..": b"x"})
    _storage(target).mkdir(parents=True, exist_ok=True)  # so that ``files/..`` names an existing path
    result = _import(target, forged)
    assert result.exit_code == 1 and "không hợp lệ" in result.output, result.output
    _empty(target)


def test_export_keeps_other_provinces_audit_rows_out_and_is_private(app, small_world, tmp_path):
    """An account of two provinces: audit rows about it written under the other province stay in
    that province's archive; the archive (password hashes) is readable by its owner only."""
    from portal.models import AuditLog

    world = small_world
    user_id = str(world.officer.id)
    db.session.add_all([
        AuditLog(action="update", object_type="User", object_id=user_id, province_id=world.travinh.id,
                 actor_name="other province"),
        AuditLog(action="update", object_type="User", object_id=user_id, province_id=None, actor_name="no province"),
    ])
    db.session.commit()
    archive = tmp_path / "laichau.zip"
    _export(app, archive)
    about = {r["actor_name"] for r in _lines(archive, "audit_log") if r["object_type"] == "User" and r["object_id"] == user_id}
    assert "no province" in about and "other province" not in about
    assert archive.stat().st_mode & 0o777 == 0o600
