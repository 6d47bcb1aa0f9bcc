"""The scoring meeting and its results, through the pages and the API, on both databases.

``test_whole_round`` is the issue's "Done when": a 12-unit block, a criteria table imported
from XLSX, self scores with evidence, agreed scores entered by the leader and a secretary, a
conflict between them, a ranking with a tie the rules do not break, the result sheet PDF issued
on submission, the province's return with a reason, the correction and the resubmission.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from decimal import Decimal as D

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from sqlalchemy import select

import tests.plugins.everything as everything
from portal.audit import audit_actor
from portal.documents.formatting import format_decimal
from portal.extensions import db
from portal.models import AgreedScore, CriteriaTable, Document, Role, RoundState, ScoringRound
from portal.services.blocks import save_block
from portal.services.criteria import create_table
from portal.services.scoring import (
    save_agreed_score,
    save_cross_score,
    save_self_score,
    submit_self_scores,
)
from portal.services.scoring_rounds import create_round, transition
from portal.services.units import save_unit
from tests.conftest import login, make_user

FRIDAY, MONDAY = (
    dt.date(2024, 1, 5),
    dt.date(2024, 1, 8),
)  # Lai Châu: the meeting a working day before
UNIT_NAMES = (
    "Sở Tư pháp",
    "Sở Xây dựng",
    "Sở Công Thương",
    "Thanh tra tỉnh",
    "Sở Khoa học và Công nghệ",
    "Sở Giao thông vận tải",
    "Sở Ngoại vụ",
    "Ban Dân tộc tỉnh",
    "Tỉnh đoàn",
    "Hội Nông dân tỉnh",
    "Hội Cựu chiến binh tỉnh",
    "Liên đoàn Lao động tỉnh",
)
# code, title, kind, max, parent
TABLE_ROWS = (
    ("I", "Thực hiện nhiệm vụ chính trị", "Chấm điểm", 60, ""),
    ("I.1", "Hoàn thành chỉ tiêu được giao", "Chấm điểm", 40, "I"),
    ("I.2", "Cải cách hành chính", "Chấm điểm", 20, "I"),
    ("II", "Công tác thi đua, khen thưởng", "Chấm điểm", 30, ""),
    ("II.1", "Tổ chức phong trào thi đua", "Chấm điểm", 30, "II"),
    ("III", "Điểm thưởng", "Điểm cộng", 5, ""),
    ("III.1", "Sáng kiến được công nhận", "Điểm cộng", 5, "III"),
    ("IV", "Điểm trừ", "Điểm trừ", 5, ""),
    ("IV.1", "Chậm gửi báo cáo", "Điểm trừ", 5, "IV"),
    ("V", "Số liệu tham khảo (không tính điểm)", "Thông tin", None, ""),
)
LEAVES = ("I.1", "I.2", "II.1", "III.1", "IV.1")
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã tiêu chí", "Nội dung tiêu chí", "Loại", "Điểm tối đa", "Mã tiêu chí cha"])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _text(html: str) -> str:
    return unicodedata.normalize("NFC", html)


def _cell_json(client, round_id, unit_id, criterion_id, value, version, reason=""):
    return client.post(
        f"/scoring/{round_id}/meeting/cell",
        json={
            "unit_id": unit_id,
            "criterion_id": criterion_id,
            "value": value,
            "reason": reason,
            "version": version,
        },
    )


def _import_table(
    app, officer, province, name="Bảng tiêu chí Khối Văn phòng 2023"
) -> CriteriaTable:
    """Through the import page (upload, preview, confirm) when it exists."""
    client = _client(app, officer)
    url = f"/provinces/{province.id}/criteria/import"
    preview = client.post(
        url,
        data={
            "year": "2023",
            "name": name,
            "file": (io.BytesIO(_xlsx(TABLE_ROWS)), "bang-tieu-chi.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    token = re.search(r'name="token" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    done = client.post(url, data={"token": token, "year": "2023", "name": name})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    return db.session.scalar(select(CriteriaTable).where(CriteriaTable.name == name))


# -- the whole round ----------------------------------------------------------------------------


class Block12:
    """A 12-unit block of Lai Châu with an officer for every unit."""


@pytest.fixture
def block12(world):
    b = Block12()
    b.world = world
    with audit_actor("fixture"):
        b.units = [
            save_unit(
                None,
                world.laichau,
                code=f"VP{i:02d}",
                name=name,
                kind="department",
                staff_count=30 + i,
            )
            for i, name in enumerate(UNIT_NAMES)
        ]
        b.block = save_block(
            None,
            world.laichau,
            year=2023,
            code="KVP",
            name="Khối thi đua Văn phòng",
            member_ids=[u.id for u in b.units],
            leader_unit_id=b.units[0].id,
            deputy_unit_id=b.units[1].id,
        )
        b.officers = [
            make_user(f"cb.vp{i:02d}", Role.UNIT_OFFICER, unit=u, full_name=f"Cán bộ {u.name}")
            for i, u in enumerate(b.units)
        ]
        b.officers[0].full_name = "Nguyễn Văn Đức"
        db.session.commit()
    b.leader, b.secretary = b.officers[0], b.officers[1]
    return b


def _self_values(i: int) -> dict[str, str]:
    """Self scores of unit ``i``: distinct totals, every one inside its bounds."""
    return {"I.1": str(28 + i), "I.2": "15", "II.1": str(20 + i % 5), "III.1": "2", "IV.1": "1"}


def test_whole_round(app, block12):
    b, w = block12, block12.world
    table = _import_table(app, w.officer, w.laichau)
    assert table is not None and [c.code for c in table.criteria][:3] == ["I", "I.1", "I.2"]
    crit = {c.code: c.id for c in table.criteria}

    leader = _client(app, b.leader)
    created = leader.post(
        f"/blocks/{b.block.id}/scoring",
        data={
            "table_id": str(table.id),
            "meeting_date": "05/01/2024",
            "conference_date": "08/01/2024",
            "trim": "0",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    round_ = db.session.scalar(select(ScoringRound).where(ScoringRound.block_id == b.block.id))
    rid = round_.id

    def step(client, name, **extra):
        response = client.post(f"/scoring/{rid}/transition", data={"action": name, **extra})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    step(leader, "open_self_scoring")

    # Every unit self-scores (the page's autosave), attaches a PDF of evidence and submits.
    for i, (unit, officer) in enumerate(zip(b.units, b.officers, strict=True)):
        client = leader if i == 0 else _client(app, officer)
        for code, value in _self_values(i).items():
            r = client.post(
                f"/scoring/{rid}/units/{unit.id}/self/cell",
                json={"criterion_id": crit[code], "value": value},
            )
            assert r.status_code == 200, r.get_data(as_text=True)
        up = client.post(
            f"/scoring/{rid}/units/{unit.id}/evidence",
            data={
                "criterion_id": str(crit["I.1"]),
                "file": (io.BytesIO(PDF_BYTES), "minh-chung.pdf"),
            },
            content_type="multipart/form-data",
        )
        assert up.status_code == 302, up.get_data(as_text=True)[:1500]
        sub = client.post(f"/scoring/{rid}/units/{unit.id}/self", data={"action": "submit"})
        assert sub.status_code == 302, sub.get_data(as_text=True)[:1500]
    step(leader, "close_self_scoring")
    step(leader, "start_meeting")

    # The leader takes attendance and delegates a secretary (an officer of another member unit).
    assert (
        leader.post(
            f"/scoring/{rid}/attendance", data={"present": [str(u.id) for u in b.units[:-1]]}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert [m.present for m in sorted(round_.members, key=lambda m: m.unit_id)][-1] is False
    leader.post(f"/scoring/{rid}/attendance", data={"present": [str(u.id) for u in b.units]})
    assert (
        leader.post(f"/scoring/{rid}/secretary", data={"user_id": str(b.secretary.id)}).status_code
        == 302
    )
    db.session.expire_all()
    assert round_.secretary_id == b.secretary.id
    secretary = _client(app, b.secretary)
    sheet = secretary.get(f"/scoring/{rid}/meeting?unit={b.units[3].id}")
    assert sheet.status_code == 200 and "Hội nghị chấm điểm" in _text(sheet.get_data(as_text=True))
    # Another member's officer may not enter agreed scores.
    assert _client(app, b.officers[5]).get(f"/scoring/{rid}/meeting").status_code == 403

    # Agreed = self, except units 3 and 4, agreed equal in every group: a tie no rule breaks.
    tie = {"I.1": "33.5", "I.2": "15", "II.1": "22", "III.1": "2", "IV.1": "1"}
    for i, unit in enumerate(b.units):
        values = tie if i in (3, 4) else _self_values(i)
        client = secretary if i % 2 else leader
        for code, value in values.items():
            differs = D(value) != D(_self_values(i)[code])
            r = _cell_json(
                client,
                rid,
                unit.id,
                crit[code],
                value,
                None,
                "Theo minh chứng, hội nghị thống nhất" if differs else "",
            )
            assert r.status_code == 200, (i, code, r.get_data(as_text=True))
            assert r.get_json()["differs"] is differs

    # A reason is required where the agreed score differs from the self score.
    r = _cell_json(leader, rid, b.units[5].id, crit["I.2"], "14", 1)
    assert r.status_code == 422 and "cần ghi lý do" in r.get_json()["error"]["message"]

    # Two editors of one cell: the secretary saves first; the leader (same version) gets a conflict
    # naming the secretary's value, and the page keeps what the leader typed.
    unit7, cell = b.units[7].id, crit["II.1"]
    seen = db.session.scalar(
        select(AgreedScore.version).where(
            AgreedScore.round_id == rid,
            AgreedScore.unit_id == unit7,
            AgreedScore.criterion_id == cell,
        )
    )
    ok = _cell_json(secretary, rid, unit7, cell, "21,5", seen, "Trừ điểm do chậm báo cáo")
    assert ok.status_code == 200
    clash = _cell_json(leader, rid, unit7, cell, "24", seen, "Bổ sung minh chứng")
    assert clash.status_code == 409
    body = clash.get_json()
    assert (
        body["error"]["code"] == "conflict"
        and "21,50" in body["error"]["message"]
        and body["current_display"] == "21,5"
    )
    form = {
        f"v-{cell}": "24",
        f"o-{cell}": "22",
        f"ver-{cell}": str(seen),
        f"r-{cell}": "Bổ sung minh chứng",
        f"or-{cell}": "",
    }
    page = leader.post(f"/scoring/{rid}/meeting", data={"unit_id": str(unit7), **form})
    html = _text(page.get_data(as_text=True))
    assert (
        page.status_code == 200
        and "21,50" in html
        and 'value="24"' in html
        and "cell-error" in html
    )
    db.session.expire_all()
    assert db.session.scalar(
        select(AgreedScore.value).where(
            AgreedScore.round_id == rid,
            AgreedScore.unit_id == unit7,
            AgreedScore.criterion_id == cell,
        )
    ) == D("21.5")

    # The ranking: a shared rank flagged for the meeting, visible to members and the province.
    ranking = _client(app, b.officers[9]).get(f"/api/v1/rounds/{rid}/ranking")
    assert ranking.status_code == 401  # the API wants a token, not a session
    page = _client(app, b.officers[9]).get(f"/scoring/{rid}/ranking")
    assert page.status_code == 200 and "đồng hạng — hội nghị cần thống nhất" in _text(
        page.get_data(as_text=True)
    )
    live = leader.get(f"/scoring/{rid}/ranking.json").get_json()
    shared = [row for row in live["rows"] if row["shared"]]
    assert {row["unit_name"] for row in shared} == {UNIT_NAMES[3], UNIT_NAMES[4]} and live[
        "live"
    ] is True
    assert shared[0]["rank"] == shared[1]["rank"]

    # Agree, then submit: the result sheet is issued and signed for the block.
    assert (
        leader.post(f"/scoring/{rid}/meeting/action", data={"action": "agree"}).status_code == 302
    )
    assert (
        leader.post(f"/scoring/{rid}/meeting/action", data={"action": "submit"}).status_code == 302
    )
    db.session.expire_all()
    round_ = db.session.get(ScoringRound, rid)
    assert round_.state == RoundState.SUBMITTED and round_.document_id is not None
    first = round_.document
    assert first.layout_code == "scoring_sheet" and first.block_id == b.block.id
    text = _pdf_text(leader.get(f"/documents/{first.id}/pdf"))
    for i, name in enumerate(UNIT_NAMES):
        assert name in text, name
        total = (
            sum(D(v) for k, v in (tie if i in (3, 4) else _self_values(i)).items() if k != "IV.1")
            - 1
        )
        if i == 7:
            total -= D("0.5") + (D(_self_values(7)["II.1"]) - 22)  # II.1 agreed 21,5
        assert format_decimal(total, 2) in text, (name, total)
    assert "KHỐI TRƯỞNG" in text and "Nguyễn Văn Đức" in text and "Đồng hạng" in text

    # The province returns the results: a reason is required.
    province = _client(app, w.officer)
    overview = province.get(f"/provinces/{w.laichau.id}/scoring?year=2023")
    html = _text(overview.get_data(as_text=True))
    assert (
        overview.status_code == 200
        and "Khối thi đua Văn phòng" in html
        and "Đã gửi Sở Nội vụ" in html
    )
    assert province.post(f"/scoring/{rid}/return", data={"reason": "  "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ScoringRound, rid).state == RoundState.SUBMITTED
    province.post(
        f"/scoring/{rid}/return", data={"reason": "Điểm II.1 của Ban Dân tộc tỉnh cần xem lại"}
    )
    db.session.expire_all()
    assert db.session.get(ScoringRound, rid).state == RoundState.RETURNED

    # The leader reopens, corrects, agrees and resubmits: a second document.
    assert (
        leader.post(f"/scoring/{rid}/meeting/action", data={"action": "reopen_meeting"}).status_code
        == 302
    )
    version = db.session.scalar(
        select(AgreedScore.version).where(
            AgreedScore.round_id == rid,
            AgreedScore.unit_id == unit7,
            AgreedScore.criterion_id == cell,
        )
    )
    fixed = _cell_json(leader, rid, unit7, cell, "22", version)
    assert fixed.status_code == 200 and fixed.get_json()["differs"] is False
    leader.post(f"/scoring/{rid}/meeting/action", data={"action": "agree"})
    leader.post(f"/scoring/{rid}/meeting/action", data={"action": "submit"})
    db.session.expire_all()
    round_ = db.session.get(ScoringRound, rid)
    assert round_.state == RoundState.RESUBMITTED
    assert round_.document_id != first.id
    second = _pdf_text(leader.get(f"/documents/{round_.document_id}/pdf"))
    assert "Gửi lại lần 2" in second and "Ban Dân tộc tỉnh" in second
    assert (
        db.session.scalar(select(Document.id).where(Document.id == first.id)) == first.id
    )  # the first is kept


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- smaller rounds -----------------------------------------------------------------------------


def _round(world, block, *, cross=False, trim=0, state="in_meeting", secretary=None):
    table = create_table(
        block.province,
        block.year,
        f"Bảng {block.code} {block.year}",
        list(everything.EVERYTHING_TEMPLATE.criteria),
    )
    r = create_round(
        block, table, meeting_date=FRIDAY, conference_date=MONDAY, cross_scoring=cross, trim=trim
    )
    leader = world.leader  # SNV leads every block of these tests
    steps = {"self_scoring": 1, "self_scoring_closed": 2, "in_meeting": 3}[state]
    for name in ("open_self_scoring", "close_self_scoring", "start_meeting")[:steps]:
        transition(leader, r, name)
    r.secretary_id = secretary.id if secretary else None
    db.session.commit()
    return r


def _leaf(round_, code):
    return next(c for c in round_.table.criteria if c.code == code)


def test_cross_scoring_proposals_use_the_trimmed_mean(app, world, api_headers):
    u = world.lc_units
    with audit_actor("fixture"):
        block = save_block(
            None,
            world.laichau,
            year=2024,
            code="K5",
            name="Khối năm đơn vị",
            member_ids=[x.id for x in u.values()],
            leader_unit_id=u["SNV"].id,
            deputy_unit_id=u["STC"].id,
        )
        db.session.commit()
    r = _round(world, block, cross=True, trim=1, state="self_scoring_closed")
    i1 = _leaf(r, "I.1").id
    target = u["SYT"].id
    officers = {
        code: make_user(f"cb.{code.lower()}", Role.UNIT_OFFICER, unit=u[code])
        for code in ("SGDDT", "DLLC")
    }
    scorers = [
        (world.leader, "SNV", "10"),
        (world.member, "STC", "12"),
        (officers["SGDDT"], "SGDDT", "30"),
        (officers["DLLC"], "DLLC", "40"),
    ]
    for user, code, value in scorers[:2]:
        save_cross_score(user, r, u[code].id, target, i1, value)
    db.session.commit()
    # The rest through the page and the API.
    page = _client(app, officers["SGDDT"])
    form = page.get(f"/scoring/{r.id}/cross?unit={target}")
    assert form.status_code == 200 and "Chấm chéo" in _text(form.get_data(as_text=True))
    assert (
        page.post(
            f"/scoring/{r.id}/cross",
            data={"unit_id": str(target), f"v-{i1}": "30", f"o-{i1}": "", f"ver-{i1}": "0"},
        ).status_code
        == 302
    )
    headers = api_headers(officers["DLLC"])
    put = page.put(
        f"/api/v1/rounds/{r.id}/cross-scores/{target}/{i1}", json={"value": 40}, headers=headers
    )
    assert put.status_code == 200, put.get_data(as_text=True)
    own = page.put(
        f"/api/v1/rounds/{r.id}/cross-scores/{u['DLLC'].id}/{i1}",
        json={"value": 40},
        headers=headers,
    )
    assert own.status_code == 422 and "chính mình" in own.get_json()["error"]["message"]

    # Trim 1 drops 10 and 40: (12 + 30) / 2 = 21, not the plain mean 23.
    leader_headers = api_headers(world.leader)
    proposals = page.get(f"/api/v1/rounds/{r.id}/proposals", headers=leader_headers).get_json()
    assert {"unit_id": target, "criterion_id": i1, "proposal": "21.00"} in proposals["items"]
    assert page.get(f"/api/v1/rounds/{r.id}/proposals", headers=headers).status_code == 403
    mine = page.get(f"/api/v1/rounds/{r.id}/cross-scores", headers=headers).get_json()["items"]
    assert {c["scorer_unit_id"] for c in mine} == {u["DLLC"].id}

    # In the meeting the leader sees the proposal and uses it ("dùng đề xuất", without JavaScript).
    transition(world.leader, r, "start_meeting")
    db.session.commit()
    leader = _client(app, world.leader)
    html = _text(leader.get(f"/scoring/{r.id}/meeting?unit={target}").get_data(as_text=True))
    assert "dùng đề xuất" in html and ">21\n" in html or "21 " in html
    used = leader.post(
        f"/scoring/{r.id}/meeting",
        data={
            "unit_id": str(target),
            "use": str(i1),
            f"o-{i1}": "",
            f"ver-{i1}": "0",
            f"r-{i1}": "Theo chấm chéo",
        },
    )
    assert used.status_code == 302, used.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert db.session.scalar(
        select(AgreedScore.value).where(AgreedScore.round_id == r.id, AgreedScore.unit_id == target)
    ) == D("21")


def test_agreed_scores_api_versions_conflict_and_bad_input(app, world, api_headers):
    r = _round(world, world.block, secretary=world.member)
    i1, i2 = _leaf(r, "I.1").id, _leaf(r, "I.2").id
    syt = world.lc_units["SYT"].id
    client = app.test_client()
    leader, secretary = api_headers(world.leader), api_headers(world.member)
    listing = client.get(f"/api/v1/rounds/{r.id}/agreed-scores", headers=leader).get_json()
    assert len(listing["items"]) == 3 * 4 and all(c["version"] == 0 for c in listing["items"])
    url = f"/api/v1/rounds/{r.id}/agreed-scores/{syt}/{i1}"
    first = client.put(url, json={"value": "30,5", "version": 0}, headers=leader)
    assert first.status_code == 200 and first.get_json() == {
        "unit_id": syt,
        "criterion_id": i1,
        "value": "30.50",
        "reason": "",
        "version": 1,
        "self_value": None,
        "differs": False,
    }
    assert client.put(url, json={"value": 31, "version": 1}, headers=secretary).status_code == 200
    stale = client.put(url, json={"value": 29, "version": 1}, headers=leader)
    assert stale.status_code == 409
    assert (
        stale.get_json()["error"]["code"] == "conflict"
        and "31,00" in stale.get_json()["error"]["message"]
    )
    for bad, status in (
        ({"value": "1e30"}, 422),
        ({"value": "abc"}, 422),
        ({"value": True}, 422),
        ({"value": [1]}, 422),
        ({"value": 41}, 422),
        ({"value": 5, "version": "x"}, 422),
        ({"value": 5, "version": 2**40}, 422),
        ({"value": 5, "reason": 3}, 422),
    ):
        got = client.put(
            f"/api/v1/rounds/{r.id}/agreed-scores/{syt}/{i2}", json=bad, headers=leader
        )
        assert got.status_code == status, (bad, got.get_data(as_text=True))
        assert set(got.get_json()["error"]) == {"code", "message", "fields"}
    assert (
        client.put(
            f"/api/v1/rounds/{r.id}/agreed-scores/{syt}/{i2}", data="x", headers=leader
        ).status_code
        == 400
    )
    assert (
        client.put(
            f"/api/v1/rounds/{r.id}/agreed-scores/{syt}/999999", json={"value": 1}, headers=leader
        ).status_code
        == 404
    )
    assert (
        client.put(
            f"/api/v1/rounds/{r.id}/agreed-scores/{world.lc_units['DLLC'].id}/{i2}",
            json={"value": 1},
            headers=leader,
        ).status_code
        == 404
    )
    # Only the leader's officers and the secretary enter agreed scores; members read them.
    outsider = make_user("cb.syt", Role.UNIT_OFFICER, unit=world.lc_units["SYT"])
    db.session.commit()
    refused = client.put(url, json={"value": 1, "version": 2}, headers=api_headers(outsider))
    assert refused.status_code == 403
    cells = client.get(
        f"/api/v1/rounds/{r.id}/agreed-scores?unit_id={syt}", headers=api_headers(outsider)
    ).get_json()
    assert {c["value"] for c in cells["items"]} == {"31.00", None}
    # Attendance and the secretary through the API.
    att = client.put(
        f"/api/v1/rounds/{r.id}/attendance", json={"present": [syt]}, headers=secretary
    )
    assert att.status_code == 200 and att.get_json()["present"] == [syt]
    assert (
        client.put(
            f"/api/v1/rounds/{r.id}/attendance", json={"present": ["x"]}, headers=secretary
        ).status_code
        == 422
    )
    assert (
        client.put(
            f"/api/v1/rounds/{r.id}/secretary", json={"user_id": None}, headers=secretary
        ).status_code
        == 403
    )
    sec = client.put(
        f"/api/v1/rounds/{r.id}/secretary", json={"user_id": world.outsider.id}, headers=leader
    )
    assert sec.status_code == 422  # not an officer of a member unit
    assert client.put(
        f"/api/v1/rounds/{r.id}/secretary", json={"user_id": None}, headers=leader
    ).get_json() == {
        "secretary_id": None,
        "secretary_name": None,
    }
    assert client.put(url, json={"value": 30, "version": 2}, headers=secretary).status_code == 403
    # The OpenAPI document describes the meeting's operations.
    spec = client.get("/api/v1/openapi.json").get_json()
    assert (
        "put" in spec["paths"]["/api/v1/rounds/{round_id}/agreed-scores/{unit_id}/{criterion_id}"]
    )
    assert (
        "409"
        in spec["paths"]["/api/v1/rounds/{round_id}/agreed-scores/{unit_id}/{criterion_id}"]["put"][
            "responses"
        ]
    )


def test_no_js_sheet_requires_a_reason_and_keeps_typed_values(app, world):
    r = _round(world, world.block, state="self_scoring")
    i1 = _leaf(r, "I.1").id
    stc = world.lc_units["STC"].id
    save_self_score(world.member, r, stc, i1, "35")
    save_self_score(world.member, r, stc, _leaf(r, "I.2").id, "18")
    submit_self_scores(world.member, r, stc)
    transition(world.leader, r, "close_self_scoring")
    transition(world.leader, r, "start_meeting")
    db.session.commit()
    leader = _client(app, world.leader)
    html = _text(leader.get(f"/scoring/{r.id}/meeting?unit={stc}").get_data(as_text=True))
    assert (
        f'name="v-{i1}"' in html
        and "35" in html
        and "meeting.js" in html
        and "<script>" not in html
    )
    page = leader.post(
        f"/scoring/{r.id}/meeting",
        data={"unit_id": str(stc), f"v-{i1}": "30", f"o-{i1}": "", f"ver-{i1}": "0"},
    )
    html = _text(page.get_data(as_text=True))
    assert page.status_code == 200 and "cần ghi lý do" in html and 'value="30"' in html
    ok = leader.post(
        f"/scoring/{r.id}/meeting",
        data={
            "unit_id": str(stc),
            f"v-{i1}": "30",
            f"o-{i1}": "",
            f"ver-{i1}": "0",
            f"r-{i1}": "Thiếu minh chứng",
        },
    )
    assert ok.status_code == 302
    html = _text(leader.get(f"/scoring/{r.id}/meeting?unit={stc}").get_data(as_text=True))
    assert "cell-diff" in html and "Thiếu minh chứng" in html
    # A member who is not the leader's officer (nor the secretary) is refused.
    assert (
        _client(app, world.member)
        .post(f"/scoring/{r.id}/meeting", data={"unit_id": str(stc)})
        .status_code
        == 403
    )
    assert (
        _client(app, world.member).post(f"/scoring/{r.id}/meeting/cell", json={}).status_code == 403
    )


def test_exports_escape_formulas(app, world, api_headers):
    r = _round(world, world.block)
    i1 = _leaf(r, "I.1").id
    syt = world.lc_units["SYT"].id
    save_agreed_score(world.leader, r, syt, i1, "30", reason='=HYPERLINK("http://x","bấm")')
    db.session.commit()
    client = _client(app, world.member)
    csv_cells = client.get(f"/scoring/{r.id}/export?what=cells&format=csv")
    assert csv_cells.status_code == 200 and csv_cells.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_cells.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Đơn vị" and any(
        row[7] == '\'=HYPERLINK("http://x","bấm")' for row in rows[1:]
    )
    xlsx = client.get(
        f"/api/v1/rounds/{r.id}/export?what=cells&format=xlsx", headers=api_headers(world.member)
    )
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cell = next(
        c
        for row in sheet.iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    )
    assert cell.data_type == "s" and cell.quotePrefix
    ranking = client.get(f"/scoring/{r.id}/export?what=ranking&format=csv").data.decode("utf-8-sig")
    assert "Sở Y tế" in ranking.splitlines()[1] and ",30.00," in ranking.splitlines()[1]
    assert client.get(f"/scoring/{r.id}/export?what=ranking&format=exe").status_code == 400
    assert (
        client.get(
            f"/api/v1/rounds/{r.id}/export?format=pdf", headers=api_headers(world.member)
        ).status_code
        == 400
    )


def test_province_overview(app, world, api_headers):
    r = _round(world, world.block)
    for unit in world.block.members:
        for code, value in (("I.1", "30"), ("I.2", "10")):
            save_agreed_score(
                world.leader,
                r,
                unit.id,
                _leaf(r, code).id,
                "40" if (unit.code, code) == ("SYT", "I.1") else value,
            )
    transition(world.leader, r, "agree")
    transition(world.leader, r, "submit")
    db.session.commit()
    officer = _client(app, world.officer)
    html = _text(officer.get(f"/provinces/{world.laichau.id}/scoring").get_data(as_text=True))
    assert (
        "Khối thi đua Tổng hợp" in html
        and "Sở Y tế" in html
        and "Trả lại" in html
        and "Sở Nội vụ" in html
    )
    observer = _client(app, world.observer)
    html = _text(
        observer.get(f"/provinces/{world.laichau.id}/scoring?year=2023").get_data(as_text=True)
    )
    assert "Sở Y tế" in html and 'name="reason"' not in html
    assert observer.post(f"/scoring/{r.id}/return", data={"reason": "x"}).status_code == 403
    assert (
        _client(app, world.member).get(f"/provinces/{world.laichau.id}/scoring").status_code == 403
    )
    api = app.test_client().get(
        f"/api/v1/provinces/{world.laichau.id}/scoring?year=2023",
        headers=api_headers(world.officer),
    )
    item = api.get_json()["items"][0]
    assert (
        item["state"] == "submitted"
        and item["top_units"] == ["Sở Y tế"]
        and item["top_total"] == "50.00"
    )
    assert item["document_id"] == r.document_id
    bad = app.test_client().get(
        f"/api/v1/provinces/{world.laichau.id}/scoring?year=abc", headers=api_headers(world.officer)
    )
    assert bad.status_code == 400


def test_other_province_cannot_see_rounds(app, world, api_headers):
    """A Trà Vinh officer reaches no Lai Châu round, page or API."""
    r = _round(world, world.block)
    tv = _client(app, world.tv_officer)
    for url in (
        f"/scoring/{r.id}/ranking",
        f"/scoring/{r.id}/ranking.json",
        f"/scoring/{r.id}/export?what=cells&format=csv",
    ):
        assert tv.get(url).status_code in (403, 404), url
    assert tv.get(f"/provinces/{world.laichau.id}/scoring").status_code == 403
    assert tv.post(f"/scoring/{r.id}/return", data={"reason": "x"}).status_code in (403, 404)
    headers = api_headers(world.tv_officer)
    for url in ("ranking", "agreed-scores", "cross-scores", "proposals", "export"):
        got = tv.get(f"/api/v1/rounds/{r.id}/{url}", headers=headers)
        assert got.status_code == 404 and got.get_json()["error"]["code"] == "not_found", url
    assert (
        tv.get(f"/api/v1/provinces/{world.laichau.id}/scoring", headers=headers).status_code == 404
    )
    assert (
        tv.get(f"/api/v1/provinces/{world.travinh.id}/scoring", headers=headers).get_json()[
            "items"
        ][0]["round_id"]
        is None
    )


def test_ranking_page_polls_and_flags_ties(app, world):
    r = _round(world, world.block)
    for unit in world.block.members:
        save_agreed_score(world.leader, r, unit.id, _leaf(r, "I.1").id, "30")
    db.session.commit()
    html = _text(
        _client(app, world.observer).get(f"/scoring/{r.id}/ranking").get_data(as_text=True)
    )
    assert (
        'data-live="1"' in html
        and "ranking.js" in html
        and html.count("đồng hạng — hội nghị cần thống nhất") == 3
    )
    data = _client(app, world.member).get(f"/scoring/{r.id}/ranking.json").get_json()
    assert [row["rank"] for row in data["rows"]] == [1, 1, 1] and all(
        row["shared"] for row in data["rows"]
    )
