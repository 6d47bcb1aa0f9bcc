"""Nominations and dossiers: from a published ballot to a decided dossier (services, pages, API)."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.api import Finding, hookimpl
from portal.audit import audit_actor
from portal.ballot_pages import common as ballot_common
from portal.extensions import db
from portal.models import (
    Acknowledgement,
    AuditLog,
    AwardRecord,
    DossierEvent,
    Nomination,
    ProvincePlugin,
    RecordStatus,
    Role,
)
from portal.models.awards import DossierState
from portal.services import ServiceError
from portal.services import ballots as ballot_svc
from portal.services import dossiers as svc
from portal.services import nominations as nom
from tests.conftest import PDF_BYTES, login, make_user

S = DossierState
BEFORE_DEADLINE = dt.date(2024, 1, 18)  # Lai Châu 2023: dossiers by 20/01/2024
AFTER_DEADLINE = dt.date(2024, 1, 25)
MINUTES = {
    "started_at": "2024-01-12T08:00",
    "ended_at": "2024-01-12T11:00",
    "venue": "Hội trường Sở Nội vụ tỉnh Lai Châu",
    "chair": "Lò Văn Hùng - Giám đốc Sở Nội vụ",
    "secretary": "Phạm Thị Ánh - Chuyên viên",
    "attendees": "Lò Văn Hùng - Giám đốc Sở Nội vụ\nĐại diện Sở Tài chính\nĐại diện Sở Y tế",
    "content": "Tổng kết phong trào thi đua năm 2023\nCác đơn vị thống nhất báo cáo.\n\nBỏ phiếu kín\nKết quả kèm theo.",
}


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize(
        "NFC", " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    )


class Warnings:
    """A province rule that warns about every individual nominee (to exercise acknowledgements)."""

    @hookimpl
    def validate_nomination(self, nomination, award_type):
        if nomination.recipient == "individual":
            return [
                Finding(
                    "check_rating",
                    "warning",
                    "Kiểm tra quyết định xếp loại hoàn thành xuất sắc nhiệm vụ.",
                    "Hướng dẫn thử nghiệm, mục II",
                )
            ]
        return None


@pytest.fixture
def warned(world, register_plugin):
    register_plugin(Warnings(), "province.canhbao")
    world.laichau.plugins.append(ProvincePlugin(plugin_name="province.canhbao"))
    db.session.commit()
    return world


def published_ballot(world, elected="STC"):
    """A published ballot of the Lai Châu block electing ``elected``, with its vote-count record."""
    u = world.lc_units
    with audit_actor("test"):
        b = ballot_svc.create_ballot(
            world.leader,
            world.block,
            award_code="co_thi_dua_tinh",
            candidate_unit_ids=[u["SNV"].id, u["STC"].id, u["SYT"].id],
        )
        db.session.flush()
        codes = [ballot_svc.issue_code(world.leader, b, v.unit_id) for v in b.roll]
        ballot_svc.open_ballot(world.leader, b)
        target = next(c.id for c in b.candidates if c.unit.code == elected)
        for code in codes:
            ballot_svc.cast(b.id, [target], code=code)
        ballot_svc.close_ballot(world.leader, b)
        ballot_svc.set_tally_committee(world.leader, b, [(world.member.id, "Trưởng ban")])
        ballot_common.publish_with_record(world.leader, b, "Hội trường Sở Nội vụ")
        db.session.commit()
    return b


def _upload_reports(world, d):
    for entry in svc.checklist(d):
        if entry.nomination is not None and entry.missing:
            svc.upload(
                world.leader, d, entry.code, entry.nomination.id, f"{entry.code}.pdf", PDF_BYTES
            )


def test_from_ballot_to_decided_dossier(app, warned):
    world = warned
    ballot = published_ballot(world)
    leader = world.leader

    # Nominations: the elected unit, once; and a person by hand through the block.
    (flag,) = nom.from_ballot(leader, ballot)
    assert (flag.unit.code, flag.award_code, flag.block_id, flag.ballot_id) == (
        "STC",
        "co_thi_dua_tinh",
        world.block.id,
        ballot.id,
    )
    with pytest.raises(ServiceError, match="Đã lập đề nghị"):
        nom.from_ballot(leader, ballot)
    with pytest.raises(ServiceError, match="khối trưởng"):
        nom.from_ballot(world.member, ballot)
    person = nom.create_nomination(
        leader,
        world.laichau,
        year=2023,
        award_code="bang_khen_ubnd_tinh",
        recipient="individual",
        unit_id=world.lc_units["SYT"].id,
        person_name="Nguyễn Thị Thu Hương",
        person_group="leader",
        position="Phó Giám đốc",
        block_id=world.block.id,
    )
    with pytest.raises(ServiceError, match="đã được đề nghị"):
        nom.create_nomination(
            leader,
            world.laichau,
            year=2023,
            award_code="bang_khen_ubnd_tinh",
            recipient="individual",
            unit_id=world.lc_units["SYT"].id,
            person_name="NGUYỄN THỊ THU HƯƠNG",
            person_group="leader",
            block_id=world.block.id,
        )
    db.session.commit()

    d = svc.create_dossier(leader, block=world.block)
    db.session.commit()
    assert [n.id for n in d.nominations] == [flag.id, person.id]

    # Checklist: block-level items once, achievement reports once per nomination.
    entries = svc.checklist(d)
    keys = [e.key for e in entries]
    assert keys[:4] == [
        "submission_letter",
        "block_minutes",
        "vote_count_record",
        "nominee_summary",
    ]
    assert f"achievement_report:{flag.id}" in keys and f"achievement_report:{person.id}" in keys
    assert keys.count("submission_letter") == 1

    # Generated documents.
    (letter,) = svc.generate(
        leader, d, "submission_letter", signer_title="GIÁM ĐỐC", signer_name="Lò Văn Hùng"
    )
    (minutes,) = svc.generate(leader, d, "block_minutes", **MINUTES)
    (record,) = svc.generate(leader, d, "vote_count_record")
    with pytest.raises(ServiceError, match="tóm tắt thành tích"):
        svc.generate(leader, d, "nominee_summary", achievements={str(flag.id): "Dẫn đầu khối."})
    (summary,) = svc.generate(
        leader,
        d,
        "nominee_summary",
        achievements={
            str(flag.id): "Dẫn đầu khối thi đua năm 2023.",
            str(person.id): "Hai sáng kiến cấp tỉnh.",
        },
    )
    db.session.commit()
    assert record.document_id == ballot.document_id
    letter_text = _text(letter.document.pdf)
    assert (
        "TỜ TRÌNH" in letter_text
        and "Sở Tài chính" in letter_text
        and "Nguyễn Thị Thu Hương" in letter_text
    )
    assert letter.document.symbol.endswith("/TTr-KTH")
    minutes_text = _text(minutes.document.pdf)
    assert (
        "Sở Tài chính" in minutes_text and "Cờ thi đua" in minutes_text
    )  # the ballot result attached
    assert "Sở Tài chính" in _text(record.document.pdf)
    summary_text = _text(summary.document.pdf)
    assert "Nguyễn Thị Thu Hương" in summary_text and "Hai sáng kiến cấp tỉnh" in summary_text
    assert svc.previous_achievements(d)[person.id] == "Hai sáng kiến cấp tỉnh."

    # Uploads: achievement reports, checked like evidence.
    with pytest.raises(ServiceError, match="PDF, PNG hoặc JPEG"):
        svc.upload(leader, d, "achievement_report", flag.id, "bao-cao.pdf", b"MZ not a pdf")
    with pytest.raises(ServiceError, match="Chỉ khối trưởng"):
        svc.upload(world.member, d, "achievement_report", flag.id, "bao-cao.pdf", PDF_BYTES)
    _upload_reports(world, d)
    db.session.commit()
    assert not [e for e in svc.checklist(d) if e.missing]

    # Findings: a hold blocks; a warning must be acknowledged.
    nom.set_hold(leader, flag, "Đang xác minh đơn tố cáo")
    db.session.commit()
    with pytest.raises(svc.Incomplete) as refused:
        svc.submit(leader, d, on=BEFORE_DEADLINE)
    text = " ".join(refused.value.problems)
    assert "Đang xác minh đơn tố cáo" in text and "Chưa xác nhận" in text
    nom.set_hold(leader, flag, "")
    with pytest.raises(ServiceError, match="Không có cảnh báo"):
        svc.acknowledge(leader, d, flag.id, "check_rating")
    ack = svc.acknowledge(leader, d, person.id, "check_rating")
    db.session.commit()
    assert ack.acknowledged_by_id == leader.id and ack.at is not None
    assert (
        db.session.scalar(select(Acknowledgement.message))
        == "Kiểm tra quyết định xếp loại hoàn thành xuất sắc nhiệm vụ."
    )

    # Submit → return → resubmit → decide.
    svc.submit(leader, d, on=BEFORE_DEADLINE)
    db.session.commit()
    assert d.state == S.SUBMITTED and not d.late
    with pytest.raises(ServiceError, match="đã nộp"):
        svc.upload(leader, d, "achievement_report", flag.id, "them.pdf", PDF_BYTES)
    with pytest.raises(ServiceError, match="cán bộ của tỉnh"):
        svc.return_dossier(leader, d, "Thiếu chữ ký")
    with pytest.raises(ServiceError, match="lý do"):
        svc.return_dossier(world.officer, d, "  ")
    svc.return_dossier(world.officer, d, "Báo cáo thành tích chưa có xác nhận của khối trưởng")
    db.session.commit()
    assert d.state == S.RETURNED and d.returned_reason.startswith("Báo cáo")
    _upload_reports(world, d)  # nothing missing: the same reports stay; add a corrected one
    svc.upload(leader, d, "achievement_report", flag.id, "bao-cao-da-xac-nhan.pdf", PDF_BYTES)
    svc.submit(
        leader, d, on=AFTER_DEADLINE
    )  # a resubmission the province asked for is never refused
    db.session.commit()
    assert d.state == S.RESUBMITTED
    records = svc.decide(
        world.officer, d, number="125/QĐ-UBND", date=dt.date(2024, 2, 5), signer="Giàng A Tính"
    )
    db.session.commit()
    assert d.state == S.DECIDED and d.decision_number == "125/QĐ-UBND"
    rows = db.session.scalars(select(AwardRecord).order_by(AwardRecord.id)).all()
    assert [
        (r.recipient_name, r.award_code, r.level, r.status, r.decision_number, r.category)
        for r in rows
    ] == [
        (
            "Sở Tài chính",
            "co_thi_dua_tinh",
            "provincial",
            RecordStatus.DECIDED,
            "125/QĐ-UBND",
            "ktxh",
        ),
        (
            "Nguyễn Thị Thu Hương",
            "bang_khen_ubnd_tinh",
            "provincial",
            RecordStatus.DECIDED,
            "125/QĐ-UBND",
            "ktxh",
        ),
    ]
    assert rows[1].person_group.value == "leader" and rows[1].nomination_id == person.id
    assert len(records) == 2
    history = [e.action for e in d.events]
    assert history[0] == "created" and history[-4:] == [
        "returned",
        "uploaded",
        "resubmitted",
        "decided",
    ]
    assert "submitted" in history and "acknowledged" in history
    logged = {(r.object_type, r.action) for r in db.session.scalars(select(AuditLog))}
    assert (
        ("Dossier", "submit") in logged
        and ("Dossier", "decide") in logged
        and ("Dossier", "return") in logged
    )
    with pytest.raises(ServiceError):
        svc.return_dossier(world.officer, d, "muộn")


def _simple_dossier(world, unit_code="STC", award="tap_the_lao_dong_xuat_sac"):
    """A unit dossier of a Lai Châu unit with every item present (uploads and a generated letter)."""
    unit = world.lc_units[unit_code]
    officer = (
        make_user(f"canbo.{unit_code.lower()}", Role.UNIT_OFFICER, unit=unit)
        if unit_code != "STC"
        else world.member
    )
    n = nom.create_nomination(
        officer, world.laichau, year=2023, award_code=award, recipient="collective", unit_id=unit.id
    )
    d = svc.create_dossier(officer, unit=unit, year=2023)
    svc.generate(officer, d, "submission_letter")
    for entry in svc.checklist(d):
        if entry.missing:
            svc.upload(officer, d, entry.code, n.id, f"{entry.code}.pdf", PDF_BYTES)
    db.session.commit()
    return officer, n, d


def test_late_submission_refused_then_allowed_and_marked(app, world):
    officer, _n, d = _simple_dossier(world)
    letter = next(i for i in d.items if i.requirement_code == "submission_letter")
    assert (
        letter.document.number is None and letter.document.symbol == ""
    )  # a unit numbers its own letters
    with pytest.raises(ServiceError, match="quá hạn nộp hồ sơ \\(20/01/2024\\)"):
        svc.submit(officer, d, on=AFTER_DEADLINE)
    db.session.rollback()
    assert d.state == S.DRAFT
    svc.set_allow_late(world.officer, world.laichau, True)
    svc.submit(officer, d, on=AFTER_DEADLINE)
    db.session.commit()
    assert d.state == S.SUBMITTED and d.late
    event = db.session.scalars(select(DossierEvent).where(DossierEvent.action == "submitted")).one()
    assert event.late and "20/01/2024" in event.note
    with pytest.raises(ServiceError):
        svc.set_allow_late(officer, world.laichau, False)


def test_enterprise_confirmations_in_lai_chau_only(app, world):
    lc = nom.create_nomination(
        world.officer,
        world.laichau,
        year=2023,
        award_code="tap_the_lao_dong_xuat_sac",
        recipient="collective",
        unit_id=world.lc_units["DLLC"].id,
    )
    outsider = world.outsider  # officer of the enterprise
    d = svc.create_dossier(outsider, unit=world.lc_units["DLLC"], year=2023)
    codes = {e.code for e in svc.checklist(d) if e.nomination is lc}
    assert {"tax_confirmation", "insurance_confirmation", "achievement_report"} <= codes
    tv_unit = world.tv_units["STC"]
    tv_unit.kind = "enterprise"
    tv_officer = make_user("dn.travinh", Role.UNIT_OFFICER, unit=tv_unit)
    nom.create_nomination(
        tv_officer,
        world.travinh,
        year=2023,
        award_code="tap_the_lao_dong_xuat_sac",
        recipient="collective",
        unit_id=tv_unit.id,
    )
    tv = svc.create_dossier(tv_officer, unit=tv_unit, year=2023)
    tv_codes = {e.code for e in svc.checklist(tv)}
    assert "tax_confirmation" not in tv_codes and "achievement_report" in tv_codes
    assert svc.dossier_deadline(world.travinh, 2023) is None  # no calendar: never late


def test_scope_and_permissions(app, world):
    _officer, n, d = _simple_dossier(world)
    assert svc.can_view_dossier(world.officer, d) and svc.can_review(world.officer, d)
    assert not svc.can_view_dossier(world.tv_officer, d) and not svc.can_review(world.tv_officer, d)
    assert not nom.can_view_nomination(world.tv_officer, n)
    assert svc.can_view_dossier(world.member, d) and svc.can_manage_dossier(world.member, d)
    assert not svc.can_manage_dossier(world.leader, d)  # a unit dossier is the unit's own
    assert not svc.can_view_dossier(world.outsider, d)
    listed = db.session.scalars(svc.dossiers_visible_to(world.tv_officer)).all()
    assert listed == []
    with pytest.raises(ServiceError):
        nom.create_nomination(
            world.member,
            world.laichau,
            year=2023,
            award_code="tap_the_lao_dong_xuat_sac",
            recipient="collective",
            unit_id=world.lc_units["SYT"].id,
        )
    with pytest.raises(ServiceError, match="không dành cho"):
        nom.create_nomination(
            world.officer,
            world.laichau,
            year=2023,
            award_code="co_thi_dua_tinh",
            recipient="individual",
            unit_id=world.lc_units["SYT"].id,
            person_name="A",
            person_group="worker",
        )
    assert db.session.scalar(select(Nomination.id).where(Nomination.person_name == "A")) is None
    with pytest.raises(ServiceError, match="cấp cơ sở"):
        nom.create_nomination(
            world.officer,
            world.laichau,
            year=2023,
            award_code="lao_dong_tien_tien",
            recipient="individual",
            unit_id=world.lc_units["SYT"].id,
            person_name="B",
            person_group="worker",
        )


# -- pages ---------------------------------------------------------------------------------------


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_pages_from_ballot_to_decision(app, warned, monkeypatch):
    world = warned
    monkeypatch.setattr(svc, "today", lambda: BEFORE_DEADLINE)
    ballot = published_ballot(world)
    leader, officer = app.test_client(), app.test_client()
    login(leader, world.leader)
    login(officer, world.officer)

    assert "Lập đề nghị cho các đơn vị trúng cử" in _page(leader, "/nominations?year=2023")
    assert leader.post(f"/ballots/{ballot.id}/nominations").status_code == 302
    (flag,) = db.session.scalars(select(Nomination)).all()
    page = _page(leader, "/nominations/new?year=2023")
    assert "Lập đề nghị khen thưởng" in page and "Sở Y tế" in page
    response = leader.post(
        "/nominations/new",
        data={
            "province_id": world.laichau.id,
            "year": "2023",
            "award_code": "bang_khen_ubnd_tinh",
            "recipient": "individual",
            "unit_id": world.lc_units["SYT"].id,
            "block_id": world.block.id,
            "person_name": "Nguyễn Thị Thu Hương",
            "person_group": "leader",
            "position": "Phó Giám đốc",
        },
    )
    assert response.status_code == 302
    page = _page(leader, "/dossiers?year=2023")
    assert "Lập hồ sơ khối" in page and "20/01/2024" in page
    response = leader.post("/dossiers/new", data={"block_id": world.block.id})
    d = db.session.scalars(select(svc.Dossier)).one()
    assert response.headers["Location"].endswith(f"/dossiers/{d.id}")

    page = _page(leader, f"/dossiers/{d.id}")
    assert "Thành phần hồ sơ" in page and "✘" in page and "Kiểm tra quyết định xếp loại" in page
    assert "Hướng dẫn thử nghiệm, mục II" in page  # each finding shows its source
    assert "Lịch nộp năm 2023" in page and "Chưa nộp được" in page
    # Submitting now is refused with the list of what is missing.
    leader.post(f"/dossiers/{d.id}/submit")
    page = _page(leader, f"/dossiers/{d.id}")
    assert "Chưa nộp được hồ sơ. Còn thiếu hoặc chưa đạt:" in page and "Thiếu Tờ trình" in page
    assert d.state == S.DRAFT

    assert (
        leader.post(
            f"/dossiers/{d.id}/generate",
            data={"requirement_code": "submission_letter", "signer_title": "GIÁM ĐỐC"},
        ).status_code
        == 302
    )
    leader.post(f"/dossiers/{d.id}/generate", data={"requirement_code": "block_minutes", **MINUTES})
    leader.post(f"/dossiers/{d.id}/generate", data={"requirement_code": "vote_count_record"})
    leader.post(
        f"/dossiers/{d.id}/generate",
        data={
            "requirement_code": "nominee_summary",
            f"achievements_{flag.id}": "Dẫn đầu khối.",
            f"achievements_{flag.id + 1}": "Hai sáng kiến.",
        },
    )
    for n in d.nominations:
        response = leader.post(
            f"/dossiers/{d.id}/upload",
            data={
                "key": f"achievement_report:{n.id}",
                "file": (io.BytesIO(PDF_BYTES), "Báo cáo thành tích.pdf"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    bad = leader.post(
        f"/dossiers/{d.id}/upload",
        data={
            "key": f"achievement_report:{flag.id}",
            "file": (io.BytesIO(b"GIF89a"), "anh.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 302 and "không phải PDF" in _page(leader, f"/dossiers/{d.id}")
    person = next(n for n in d.nominations if n.recipient == "individual")
    leader.post(
        f"/dossiers/{d.id}/acknowledge",
        data={"nomination_id": person.id, "finding_code": "check_rating"},
    )
    page = _page(leader, f"/dossiers/{d.id}")
    assert "Đã xác nhận bởi" in page and "✘" not in page
    letter = next(i for i in d.items if i.requirement_code == "submission_letter")
    pdf = leader.get(f"/dossiers/{d.id}/items/{letter.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    upload = next(i for i in d.items if i.storage_key)
    got = leader.get(f"/dossiers/{d.id}/items/{upload.id}")
    assert got.data == PDF_BYTES and got.headers["X-Content-Type-Options"] == "nosniff"
    got.close()
    # A member of the block sees the dossier but cannot change it.
    member = app.test_client()
    login(member, world.member)
    assert "Thành phần hồ sơ" in _page(member, f"/dossiers/{d.id}")
    assert member.post(f"/dossiers/{d.id}/submit").status_code == 302 and d.state == S.DRAFT

    assert leader.post(f"/dossiers/{d.id}/submit").status_code == 302
    assert d.state == S.SUBMITTED
    inbox = _page(officer, f"/provinces/{world.laichau.id}/dossiers?year=2023")
    assert d.title in inbox and "Cho phép nộp muộn" in inbox and "20/01/2024" in inbox
    assert (
        officer.post(f"/dossiers/{d.id}/return", data={"reason": ""}).status_code == 302
        and d.state == S.SUBMITTED
    )
    officer.post(f"/dossiers/{d.id}/return", data={"reason": "Thiếu chữ ký của khối trưởng"})
    assert d.state == S.RETURNED
    assert "Thiếu chữ ký của khối trưởng" in _page(leader, f"/dossiers/{d.id}")
    leader.post(f"/dossiers/{d.id}/submit")
    assert d.state == S.RESUBMITTED
    officer.post(
        f"/dossiers/{d.id}/decide",
        data={
            "decision_number": "15/QĐ-UBND",
            "decision_date": "01/02/2024",
            "decision_signer": "Giàng A Tính",
            "category": "ktxh",
        },
    )
    assert d.state == S.DECIDED and d.decision_date == dt.date(2024, 2, 1)
    page = _page(officer, f"/dossiers/{d.id}")
    assert (
        "15/QĐ-UBND" in page and "Trả lại hồ sơ" in page and "Nộp lại hồ sơ" in page
    )  # history kept
    assert db.session.scalar(select(AwardRecord.decision_number)) == "15/QĐ-UBND"

    # The late-submission toggle (officers only).
    officer.post(f"/provinces/{world.laichau.id}/dossiers/late", data={"allow": "1"})
    assert world.laichau.allow_late_submissions
    observer = app.test_client()
    login(observer, world.observer)
    assert (
        observer.post(
            f"/provinces/{world.laichau.id}/dossiers/late", data={"allow": "0"}
        ).status_code
        == 403
    )
    assert "Cho phép nộp muộn" not in _page(
        observer, f"/provinces/{world.laichau.id}/dossiers?year=2023"
    )


def test_pages_scope(app, world):
    _officer, _n, d = _simple_dossier(world)
    tv = app.test_client()
    login(tv, world.tv_officer)
    assert tv.get(f"/dossiers/{d.id}").status_code == 404
    assert tv.get(f"/provinces/{world.laichau.id}/dossiers").status_code == 403
    assert d.title not in _page(tv, "/dossiers?year=2023")
    outsider = app.test_client()
    login(outsider, world.outsider)
    assert outsider.get(f"/dossiers/{d.id}").status_code == 404


# -- API -----------------------------------------------------------------------------------------


def _error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    if code:
        assert error["code"] == code
    return error


def test_api_from_ballot_to_decision(app, warned, api_headers, monkeypatch):
    world = warned
    monkeypatch.setattr(svc, "today", lambda: BEFORE_DEADLINE)
    ballot = published_ballot(world)
    client = app.test_client()
    lh, oh, th = (
        api_headers(world.leader),
        api_headers(world.officer),
        api_headers(world.tv_officer),
    )

    made = client.post(f"/api/v1/ballots/{ballot.id}/nominations", headers=lh)
    assert made.status_code == 201 and [n["nominee_name"] for n in made.get_json()] == [
        "Sở Tài chính"
    ]
    _error(client.post(f"/api/v1/ballots/{ballot.id}/nominations", headers=lh), 409, "conflict")
    _error(
        client.post(f"/api/v1/ballots/{ballot.id}/nominations", headers=api_headers(world.member)),
        403,
    )
    body = {
        "province_id": world.laichau.id,
        "year": 2023,
        "award_code": "bang_khen_ubnd_tinh",
        "recipient": "individual",
        "unit_id": world.lc_units["SYT"].id,
        "block_id": world.block.id,
        "person_group": "worker",
        "position": "Chuyên viên",
    }
    error = _error(
        client.post("/api/v1/nominations", json=body, headers=lh), 422, "validation_error"
    )
    assert "person_name" in error["fields"]
    person = client.post(
        "/api/v1/nominations", json={**body, "person_name": "Lò Văn Pảo"}, headers=lh
    )
    assert person.status_code == 201 and person.get_json()["person_group"] == "worker"
    _error(client.post("/api/v1/nominations", data="x", headers=lh), 400, "invalid_json")
    _error(client.post("/api/v1/nominations", json={**body, "unit_id": "1"}, headers=lh), 422)
    _error(
        client.post(
            "/api/v1/nominations", json={**body, "province_id": world.travinh.id}, headers=lh
        ),
        404,
    )

    created = client.post("/api/v1/dossiers", json={"block_id": world.block.id}, headers=lh)
    assert created.status_code == 201
    d = created.get_json()
    assert d["state"] == "draft" and d["deadline"]["due"] == "2024-01-20"
    assert [c["key"] for c in d["checklist"]][:4] == [
        "submission_letter",
        "block_minutes",
        "vote_count_record",
        "nominee_summary",
    ]
    assert any(f["severity"] == "warning" and f["source"] for f in d["findings"])
    url = f"/api/v1/dossiers/{d['id']}"
    refused = _error(client.post(f"{url}/submit", headers=lh), 409, "conflict")
    assert any("Thiếu" in p for p in refused["fields"]["dossier"])
    _error(
        client.post(f"{url}/generate", json={"requirement_code": "achievement_report"}, headers=lh),
        422,
    )
    for code, extra in (
        ("submission_letter", {}),
        ("block_minutes", MINUTES),
        ("vote_count_record", {}),
    ):
        response = client.post(
            f"{url}/generate", json={"requirement_code": code, **extra}, headers=lh
        )
        assert response.status_code == 201, response.get_json()
    ids = [n["id"] for n in d["nominations"]]
    summary = client.post(
        f"{url}/generate",
        json={
            "requirement_code": "nominee_summary",
            "achievements": {str(i): "Thành tích tiêu biểu." for i in ids},
        },
        headers=lh,
    )
    assert summary.status_code == 201
    document_id = summary.get_json()[0]["document_id"]
    for nomination_id in ids:
        up = client.post(
            f"{url}/items",
            data={
                "requirement_code": "achievement_report",
                "nomination_id": str(nomination_id),
                "file": (io.BytesIO(PDF_BYTES), "bao-cao.pdf"),
            },
            headers=lh,
            content_type="multipart/form-data",
        )
        assert up.status_code == 201
    _error(
        client.post(
            f"{url}/items",
            data={
                "requirement_code": "achievement_report",
                "nomination_id": str(ids[0]),
                "file": (io.BytesIO(b"<html>"), "x.pdf"),
            },
            headers=lh,
            content_type="multipart/form-data",
        ),
        415,
    )
    item = up.get_json()
    got = client.get(f"{url}/items/{item['id']}", headers=lh)
    assert got.status_code == 200 and got.data == PDF_BYTES
    got.close()
    assert client.get(f"/api/v1/documents/{document_id}/pdf", headers=lh).status_code == 200
    warning = next(
        f for f in client.get(url, headers=lh).get_json()["findings"] if f["severity"] == "warning"
    )
    _error(
        client.post(
            f"{url}/acknowledgements",
            json={"nomination_id": ids[0], "finding_code": "nope"},
            headers=lh,
        ),
        422,
    )
    ack = client.post(
        f"{url}/acknowledgements",
        json={"nomination_id": warning["nomination_id"], "finding_code": warning["code"]},
        headers=lh,
    )
    assert ack.status_code == 201 and ack.get_json()["problems"] == []
    submitted = client.post(f"{url}/submit", headers=lh)
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"

    # Trà Vinh's officer sees nothing of it; Lai Châu's reviews it.
    _error(client.get(url, headers=th), 404)
    assert client.get("/api/v1/dossiers", headers=th).get_json()["items"] == []
    _error(client.post(f"{url}/return", json={"reason": "x"}, headers=th), 404)
    _error(client.post(f"{url}/return", json={}, headers=oh), 422, "validation_error")
    _error(client.post(f"{url}/return", json={"reason": "x"}, headers=lh), 403)
    returned = client.post(f"{url}/return", json={"reason": "Bổ sung xác nhận"}, headers=oh)
    assert (
        returned.get_json()["state"] == "returned"
        and returned.get_json()["returned_reason"] == "Bổ sung xác nhận"
    )
    assert client.post(f"{url}/submit", headers=lh).get_json()["state"] == "resubmitted"
    error = _error(
        client.post(
            f"{url}/decide",
            json={
                "decision_number": "9/QĐ-UBND",
                "decision_date": "31/02/2024",
                "decision_signer": "A",
            },
            headers=oh,
        ),
        422,
    )
    assert "decision_date" in error["fields"]
    _error(
        client.post(
            f"{url}/decide",
            json={
                "decision_number": "9/QĐ-UBND",
                "decision_date": "2024-02-01",
                "decision_signer": "A",
                "category": "khong_co",
            },
            headers=oh,
        ),
        422,
    )
    decided = client.post(
        f"{url}/decide",
        json={
            "decision_number": "9/QĐ-UBND",
            "decision_date": "2024-02-01",
            "decision_signer": "Giàng A Tính",
            "category": "chuyen_de",
        },
        headers=oh,
    )
    body = decided.get_json()
    assert body["state"] == "decided" and body["decision_date"] == "2024-02-01"
    assert [h["action"] for h in body["history"]][-3:] == ["returned", "resubmitted", "decided"]
    records = db.session.scalars(select(AwardRecord)).all()
    assert {r.category for r in records} == {"chuyen_de"} and len(records) == 2
    listed = client.get("/api/v1/dossiers?year=2023&state=decided", headers=oh).get_json()
    assert [x["id"] for x in listed["items"]] == [d["id"]]
    _error(client.get("/api/v1/dossiers?state=bogus", headers=oh), 400)

    calendar = client.get(
        f"/api/v1/provinces/{world.laichau.id}/calendar?year=2023", headers=lh
    ).get_json()
    assert [x["due"] for x in calendar["deadlines"]] == [
        "2024-01-10",
        "2024-01-15",
        "2024-01-15",
        "2024-01-20",
    ]
    assert calendar["allow_late_submissions"] is False
    _error(client.get(f"/api/v1/provinces/{world.laichau.id}/calendar", headers=th), 404)
    _error(
        client.put(
            f"/api/v1/provinces/{world.laichau.id}/late-submissions",
            json={"allow": "yes"},
            headers=oh,
        ),
        422,
    )
    late = client.put(
        f"/api/v1/provinces/{world.laichau.id}/late-submissions", json={"allow": True}, headers=oh
    )
    assert late.get_json() == {"allow_late_submissions": True}
    _error(
        client.put(
            f"/api/v1/provinces/{world.laichau.id}/late-submissions",
            json={"allow": False},
            headers=lh,
        ),
        403,
    )

    spec = client.get("/api/v1/openapi.json").get_json()
    assert (
        "/api/v1/dossiers/{dossier_id}/decide" in spec["paths"]
        and "Dossier" in spec["components"]["schemas"]
    )


def test_api_hold_and_late(app, world, api_headers):
    officer, n, d = _simple_dossier(world)
    client = app.test_client()
    mh, oh = api_headers(officer), api_headers(world.officer)
    held = client.put(
        f"/api/v1/nominations/{n.id}/hold", json={"reason": "Đang thanh tra"}, headers=oh
    )
    assert held.get_json()["hold_reason"] == "Đang thanh tra"
    _error(client.put(f"/api/v1/nominations/{n.id}/hold", json={}, headers=oh), 422)
    refused = _error(client.post(f"/api/v1/dossiers/{d.id}/submit", headers=mh), 409)
    assert any("Đang thanh tra" in p for p in refused["fields"]["dossier"])
    client.put(f"/api/v1/nominations/{n.id}/hold", json={"reason": None}, headers=mh)
    late = _error(
        client.post(f"/api/v1/dossiers/{d.id}/submit", headers=mh), 409
    )  # today is past 20/01/2024
    assert "quá hạn" in late["message"]
    client.put(
        f"/api/v1/provinces/{world.laichau.id}/late-submissions", json={"allow": True}, headers=oh
    )
    body = client.post(f"/api/v1/dossiers/{d.id}/submit", headers=mh).get_json()
    assert (
        body["state"] == "submitted"
        and body["late"] is True
        and body["history"][-1]["late"] is True
    )
    _error(client.delete(f"/api/v1/nominations/{n.id}", headers=mh), 409)


def test_remove_nomination_from_dossier(app, world, api_headers):
    officer, n, d = _simple_dossier(world)
    other = nom.create_nomination(
        officer,
        world.laichau,
        year=2023,
        award_code="bang_khen_ubnd_tinh",
        recipient="individual",
        unit_id=world.lc_units["STC"].id,
        person_name="Lò Văn Pảo",
        person_group="worker",
        hold_reason="Đang xem xét kỷ luật",
    )
    svc.add_free_nominations(officer, d)
    svc.upload(officer, d, "achievement_report", other.id, "bc.pdf", PDF_BYTES)
    db.session.commit()
    assert other.dossier_id == d.id
    client = app.test_client()
    headers = api_headers(officer)
    _error(client.delete(f"/api/v1/dossiers/{d.id}/nominations/999999", headers=headers), 404)
    assert (
        client.delete(
            f"/api/v1/dossiers/{d.id}/nominations/{other.id}", headers=headers
        ).status_code
        == 204
    )
    assert other.dossier_id is None and all(i.nomination_id != other.id for i in d.items)
    assert d.events[-1].action == "removed"
    page = app.test_client()
    login(page, officer)
    assert page.post(f"/dossiers/{d.id}/nominations/{n.id}/remove").status_code == 302
    assert n.dossier_id is None and d.nominations == []
