"""Secret ballots through the pages and the API: the electronic flow on phones, paper counts,
run-off, cancelling, locked settings, the cast endpoint's errors, code guessing, the projector,
the exports and the records; every test on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import unicodedata

from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.models import Ballot, BallotState, Document, Role
from portal.services import ballots as svc
from tests.conftest import login, make_user

CODE = re.compile(r'<div class="slip-code" translate="no">([A-Z0-9]{4}-[A-Z0-9]{4})</div>')
RECEIPT = re.compile(r'<p class="vote-receipt" translate="no">([A-Z0-9]{8})</p>')


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize(
        "NFC", " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    )


def _client(app, user=None):
    client = app.test_client()
    if user is not None:
        assert login(client, user).status_code == 302
    return client


def _create(
    client, world, *, mode="electronic", method="tick", seats=1, codes=("SNV", "STC", "SYT")
) -> Ballot:
    data = {
        "award_code": "co_thi_dua_tinh",
        "seats": str(seats),
        "method": method,
        "mode": mode,
        "title": "",
    }
    for i, code in enumerate(codes, 1):
        data[f"pos_{world.lc_units[code].id}"] = str(i)
    for code in set(world.lc_units) - set(codes):
        if world.lc_units[code] in world.block.members:
            data[f"pos_{world.lc_units[code].id}"] = ""
    response = client.post(f"/blocks/{world.block.id}/ballots", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    ballot_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(Ballot, ballot_id)


def _cand(ballot, code):
    return next(c.id for c in ballot.candidates if c.unit.code == code)


def _lifecycle(client, ballot, action, **extra):
    return client.post(f"/ballots/{ballot.id}/lifecycle", data={"action": action, **extra})


def _flashes(client, ballot) -> str:
    return client.get(f"/ballots/{ballot.id}").get_data(as_text=True)


def _vote_on_phone(app, ballot, code, marks: dict[int, str]) -> str:
    """An anonymous phone: open the page, tick, review, confirm; returns the receipt."""
    phone = app.test_client()
    assert phone.get(f"/vote/{ballot.id}").status_code == 200
    form = {"code": code, **{f"c{cid}": mark for cid, mark in marks.items()}}
    review = phone.post(f"/vote/{ballot.id}", data={**form, "action": "review"})
    assert review.status_code == 200 and "Xác nhận bỏ phiếu" in review.get_data(as_text=True), (
        review.get_data(as_text=True)[:800]
    )
    done = phone.post(f"/vote/{ballot.id}", data={**form, "action": "cast"})
    assert done.status_code == 200, done.get_data(as_text=True)[:800]
    return RECEIPT.search(done.get_data(as_text=True)).group(1)


def test_electronic_ballot_from_creation_to_record(app, world, api_headers):
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    assert [c.unit.code for c in ballot.candidates] == ["SNV", "STC", "SYT"]
    assert ballot.state == BallotState.DRAFT and ballot.rule_basis == "members"
    # Attendance (everyone present) and the tally committee.
    present = [str(v.unit_id) for v in ballot.roll]
    assert (
        leader.post(f"/ballots/{ballot.id}/attendance", data={"present": present}).status_code
        == 302
    )
    assert (
        leader.post(
            f"/ballots/{ballot.id}/committee",
            data={f"role_{world.member.id}": "Trưởng ban", f"role_{world.leader.id}": "Thành viên"},
        ).status_code
        == 302
    )
    # Codes: shown once on the printable slips, one per present unit, with a QR code.
    slips = leader.post(f"/ballots/{ballot.id}/slips", data={})
    page = slips.get_data(as_text=True)
    codes = CODE.findall(page)
    assert slips.status_code == 200 and len(codes) == 3 and page.count("<svg") == 3
    assert "Sở Nội vụ" in page and "Sở Y tế" in page
    again = leader.post(f"/ballots/{ballot.id}/slips", data={})  # everyone has a code: nothing new
    assert again.status_code == 302 and not CODE.findall(
        leader.get(again.headers["Location"]).get_data(as_text=True)
    )
    by_unit = dict(
        zip(re.findall(r'<div class="slip-unit">([^<]+)</div>', page), codes, strict=True)
    )
    assert _lifecycle(leader, ballot, "open").status_code == 302
    assert ballot.state == BallotState.OPEN

    snv, stc, syt = (_cand(ballot, x) for x in ("SNV", "STC", "SYT"))
    receipts = [
        _vote_on_phone(
            app, ballot, by_unit["Sở Nội vụ"], {snv: "agree", stc: "disagree", syt: "disagree"}
        ),
        _vote_on_phone(
            app,
            ballot,
            by_unit["Sở Tài chính"].lower().replace("-", ""),
            {snv: "agree", stc: "disagree"},
        ),
    ]
    # Progress: who voted, never how; no results anywhere while open.
    member = _client(app, world.member)
    progress = member.get(f"/ballots/{ballot.id}/progress.json").get_json()
    assert progress["state"] == "open" and progress["voted"] == 2 and progress["present"] == 3
    assert {u["name"] for u in progress["units"] if u["voted"]} == {"Sở Nội vụ", "Sở Tài chính"}
    assert "votes" not in str(progress) and "agree" not in str(progress)
    headers = api_headers(world.member)
    assert (
        member.get(f"/api/v1/ballots/{ballot.id}/progress", headers=headers).get_json()["voted"]
        == 2
    )
    assert member.get(f"/api/v1/ballots/{ballot.id}/results", headers=headers).status_code == 409
    admin = _client(app, world.admin)
    assert (
        admin.get(
            f"/api/v1/ballots/{ballot.id}/results", headers=api_headers(world.admin)
        ).status_code
        == 409
    )
    assert admin.get(f"/ballots/{ballot.id}/results").status_code == 302
    # The third unit votes through the API with its code; a second vote of a unit is refused.
    cast = member.post(
        f"/api/v1/ballots/{ballot.id}/cast",
        json={"code": by_unit["Sở Y tế"], "agree": [snv], "disagree": [syt]},
    )
    assert cast.status_code == 201
    receipts.append(cast.get_json()["receipt"])
    phone = app.test_client()
    again = phone.post(
        f"/vote/{ballot.id}",
        data={"code": by_unit["Sở Nội vụ"], f"c{stc}": "agree", "action": "review"},
    )
    assert again.status_code == 422 and "Sở Nội vụ đã bỏ phiếu" in again.get_data(as_text=True)

    assert _lifecycle(leader, ballot, "close").status_code == 302
    assert ballot.state == BallotState.CLOSED
    projector = member.get(f"/ballots/{ballot.id}/projector").get_data(as_text=True)
    assert "Trúng cử" in projector and "trên 50%" in projector
    assert _lifecycle(leader, ballot, "publish", venue="Hội trường Sở Nội vụ").status_code == 302
    assert ballot.state == BallotState.PUBLISHED and ballot.document_id
    assert ballot.result["elected"] == [snv]

    results = member.get(f"/ballots/{ballot.id}/results").get_data(as_text=True)
    assert all(r in results for r in receipts) and "Trúng cử" in results and "100%" in results
    api_receipts = member.get(f"/api/v1/ballots/{ballot.id}/receipts", headers=headers).get_json()
    assert sorted(r["receipt"] for r in api_receipts) == sorted(receipts)
    assert all(set(r) == {"receipt", "valid", "agree", "disagree"} for r in api_receipts)
    api_results = member.get(f"/api/v1/ballots/{ballot.id}/results", headers=headers).get_json()
    assert api_results["published"] and api_results["document_id"] == ballot.document_id
    assert [(c["name"], c["votes"]) for c in api_results["candidates"]] == [
        ("Sở Nội vụ", 3),
        ("Sở Tài chính", 0),
        ("Sở Y tế", 0),
    ]
    # A voter finds their receipt on the public page.
    found = app.test_client().post(f"/vote/{ballot.id}", data={"receipt": receipts[0].lower()})
    assert found.status_code == 200 and "có trong hộp phiếu đã công bố" in found.get_data(
        as_text=True
    )

    # The vote-count record: each candidate's votes and the rule sentence, the committee.
    document = db.session.get(Document, ballot.document_id)
    assert document.layout_code == "vote_count_record" and document.block_id == world.block.id
    text = _pdf_text(member.get(f"/documents/{document.id}/pdf").data)
    assert "KHỐI THI ĐUA TỔNG HỢP" in text and "UBND TỈNH LAI CHÂU" in text
    assert "Sở Nội vụ 03 100% Trúng cử" in text
    assert "Sở Tài chính 0 0,0% Không trúng cử" in text and "Sở Y tế 0 0,0% Không trúng cử" in text
    assert (
        "Số phiếu phát ra: 03 phiếu; số phiếu thu về: 03 phiếu; số phiếu hợp lệ: 03 phiếu" in text
    )
    assert re.search(r"Số: 01/BB-KTH", text)
    assert (
        "Đơn vị được đề nghị phải đạt số phiếu đồng ý trên 50% so với tổng số thành viên của Khối (03 đơn vị)"
        in text
    )
    assert "Hội trường Sở Nội vụ" in text and "Donvi" in text

    # Block minutes with the results attached.
    minutes = leader.post(
        f"/blocks/{world.block.id}/ballots/minutes",
        data={
            "started_at": "2024-01-08T08:00",
            "ended_at": "2024-01-08T11:00",
            "venue": "Hội trường Sở Nội vụ",
            "chair": "Nguyễn Văn An - Giám đốc Sở Nội vụ",
            "secretary": "Lò Thị Mai - Chuyên viên Sở Nội vụ",
            "attendees": "Đại diện lãnh đạo Sở Tài chính\nĐại diện lãnh đạo Sở Y tế",
            "content": "Tổng kết năm 2023\nCác đơn vị thảo luận.\n\nBình xét\nBỏ phiếu kín.",
        },
    )
    assert minutes.status_code == 302, minutes.get_data(as_text=True)[:800]
    record = db.session.scalar(select(Document).where(Document.layout_code == "block_minutes"))
    text = _pdf_text(record.pdf)
    assert (
        "Kết quả chấm điểm và bỏ phiếu kín" in text
        and "Cờ thi đua của Ủy ban nhân dân tỉnh" in text
    )


def test_exports_hold_no_choices_by_unit(app, world, api_headers):
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    codes = {v.unit.code: svc.issue_code(world.leader, ballot, v.unit_id) for v in ballot.roll}
    svc.set_tally_committee(world.leader, ballot, [(world.member.id, "Trưởng ban")])
    svc.open_ballot(world.leader, ballot)
    db.session.commit()
    snv = _cand(ballot, "SNV")
    _vote_on_phone(app, ballot, codes["STC"], {snv: "agree"})
    member = _client(app, world.member)
    assert member.get(f"/ballots/{ballot.id}/turnout.csv").status_code == 302  # frozen at closing
    svc.close_ballot(world.leader, ballot)
    svc.publish(world.leader, ballot)
    db.session.commit()
    results = member.get(f"/ballots/{ballot.id}/results.csv")
    turnout = member.get(f"/ballots/{ballot.id}/turnout.csv")
    assert results.status_code == turnout.status_code == 200 and results.mimetype == "text/csv"
    rows = results.data.decode("utf-8-sig").splitlines()
    assert (
        rows[0].startswith("STT,Tên đơn vị,Số phiếu đồng ý")
        and rows[1] == '1,Sở Nội vụ,1,"33,3%",Không trúng cử'
    )
    lines = turnout.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "STT,Đơn vị,Thành viên Khối,Có mặt,Đã bỏ phiếu"
    assert any("Sở Tài chính,Có,Có,Có" in x for x in lines) and any(
        "Sở Y tế,Có,Có,Không" in x for x in lines
    )
    for data in (results.data, turnout.data):
        text = data.decode("utf-8-sig")
        assert not any(p in text for p in ("Đồng ý,", "agree", "receipt")), text
    api = member.get(f"/api/v1/ballots/{ballot.id}/turnout.csv", headers=api_headers(world.member))
    assert api.status_code == 200 and api.data == turnout.data


def test_paper_ballot_needs_two_agreeing_entries(app, world, api_headers):
    second = make_user("kiemphieu2", Role.UNIT_OFFICER, unit=world.lc_units["SYT"])
    db.session.commit()
    leader = _client(app, world.leader)
    headers = api_headers(world.leader)
    created = leader.post(
        "/api/v1/ballots",
        headers=headers,
        json={
            "block_id": world.block.id,
            "award_code": "co_thi_dua_tinh",
            "mode": "paper",
            "seats": 1,
            "candidate_unit_ids": [world.lc_units[x].id for x in ("SNV", "STC", "SYT")],
        },
    )
    assert created.status_code == 201, created.get_json()
    ballot = db.session.get(Ballot, created.get_json()["id"])
    pdf = leader.get(f"/ballots/{ballot.id}/papers.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 3  # one ballot per present unit
    put = leader.put(
        f"/api/v1/ballots/{ballot.id}/committee",
        headers=headers,
        json={
            "members": [
                {"user_id": world.member.id, "role": "Trưởng ban"},
                {"user_id": second.id, "role": "Thành viên"},
            ]
        },
    )
    assert put.status_code == 200
    outsider = leader.put(
        f"/api/v1/ballots/{ballot.id}/committee",
        headers=headers,
        json={"members": [{"user_id": world.outsider.id, "role": "Thành viên"}]},
    )
    assert outsider.status_code == 422
    for action in ("open", "close"):
        assert (
            leader.post(f"/api/v1/ballots/{ballot.id}/{action}", headers=headers).status_code == 200
        )
    ids = [c.id for c in ballot.candidates]
    # First entry on the page (member), second through the API (second), disagreeing.
    member = _client(app, world.member)
    page = member.post(
        f"/ballots/{ballot.id}/count",
        data={
            "issued": 3,
            "returned": 3,
            "invalid": 0,
            f"v_{ids[0]}": 3,
            f"v_{ids[1]}": 1,
            f"v_{ids[2]}": 0,
        },
    )
    assert page.status_code == 302
    bad = member.post(
        f"/ballots/{ballot.id}/count",
        data={
            "issued": 3,
            "returned": 3,
            "invalid": 4,
            f"v_{ids[0]}": 0,
            f"v_{ids[1]}": 0,
            f"v_{ids[2]}": 0,
        },
    )
    assert bad.status_code == 422 and "lớn hơn số phiếu thu về" in bad.get_data(as_text=True)
    h2 = api_headers(second)
    entry = leader.post(
        f"/api/v1/ballots/{ballot.id}/paper-counts",
        headers=h2,
        json={
            "issued": 3,
            "returned": 3,
            "invalid": 0,
            "votes": {str(ids[0]): 2, str(ids[1]): 1, str(ids[2]): 0},
        },
    )
    assert entry.status_code == 201 and entry.get_json()["agreed"] is False
    status = leader.get(f"/api/v1/ballots/{ballot.id}/paper-counts", headers=h2).get_json()
    assert "không khớp" in status["message"]
    assert [("issued" in e) for e in status["entries"]] == [
        False,
        True,
    ]  # others' figures stay hidden
    refused = leader.post(
        f"/api/v1/ballots/{ballot.id}/publish", headers=headers, json={"venue": "Hội trường"}
    )
    assert refused.status_code == 409 and "không khớp" in refused.get_json()["error"]["message"]
    assert "không khớp" in _lifecycle(leader, ballot, "publish", venue="Hội trường").get_data(
        as_text=True
    ) or "không khớp" in _flashes(leader, ballot)
    entry = leader.post(
        f"/api/v1/ballots/{ballot.id}/paper-counts",
        headers=h2,
        json={
            "issued": 3,
            "returned": 3,
            "invalid": 0,
            "votes": {str(ids[0]): 3, str(ids[1]): 1, str(ids[2]): 0},
        },
    )
    assert entry.get_json()["agreed"] is True
    published = leader.post(
        f"/api/v1/ballots/{ballot.id}/publish", headers=headers, json={"venue": "Hội trường"}
    )
    assert published.status_code == 200 and published.get_json()["state"] == "published"
    assert ballot.result["elected"] == [ids[0]] and ballot.document_id


def test_publish_needs_a_tally_committee(app, world):
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    code = svc.issue_code(world.leader, ballot, world.lc_units["SYT"].id)
    svc.open_ballot(world.leader, ballot)
    svc.cast(ballot.id, [_cand(ballot, "SYT")], code=code)
    svc.close_ballot(world.leader, ballot)
    db.session.commit()
    _lifecycle(leader, ballot, "publish", venue="Hội trường")
    assert ballot.state == BallotState.CLOSED
    assert "Chưa có Ban kiểm phiếu" in _flashes(leader, ballot)


def test_runoff_in_one_step(app, world):
    leader = _client(app, world.leader)
    ballot = _create(leader, world, mode="paper")
    svc.open_ballot(world.leader, ballot)
    svc.close_ballot(world.leader, ballot)
    svc.set_tally_committee(
        world.leader, ballot, [(world.member.id, "Trưởng ban"), (world.leader.id, "Thành viên")]
    )
    ids = [c.id for c in ballot.candidates]
    for who in (world.member, world.leader):
        svc.enter_paper_count(
            who, ballot, issued=3, returned=3, invalid=0, votes={ids[0]: 2, ids[1]: 2, ids[2]: 0}
        )
    db.session.commit()
    assert _lifecycle(leader, ballot, "publish", venue="Hội trường").status_code == 302
    assert ballot.state == BallotState.PUBLISHED and sorted(ballot.result["tied"]) == sorted(
        ids[:2]
    )
    page = leader.get(f"/ballots/{ballot.id}").get_data(as_text=True)
    assert "bỏ phiếu lại giữa các đơn vị này" in page and 'value="runoff"' in page
    response = _lifecycle(leader, ballot, "runoff")
    runoff = db.session.scalar(select(Ballot).where(Ballot.runoff_of_id == ballot.id))
    assert response.headers["Location"].endswith(f"/ballots/{runoff.id}")
    assert runoff.state == BallotState.DRAFT and [c.unit.code for c in runoff.candidates] == [
        "SNV",
        "STC",
    ]
    assert _lifecycle(leader, ballot, "runoff").status_code == 302
    assert (
        db.session.scalar(select(db.func.count(Ballot.id)).where(Ballot.runoff_of_id == ballot.id))
        == 1
    )


def test_cancel_needs_a_reason(app, world, api_headers):
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    _lifecycle(leader, ballot, "cancel", reason="  ")
    assert ballot.state == BallotState.DRAFT
    headers = api_headers(world.leader)
    assert (
        leader.post(f"/api/v1/ballots/{ballot.id}/cancel", headers=headers, json={}).status_code
        == 422
    )
    _lifecycle(leader, ballot, "cancel", reason="Nhầm danh hiệu")
    assert ballot.state == BallotState.CANCELLED and ballot.cancel_reason == "Nhầm danh hiệu"
    assert leader.post(f"/api/v1/ballots/{ballot.id}/open", headers=headers).status_code == 409


def test_settings_lock_when_voting_opens(app, world, api_headers):
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    headers = api_headers(world.leader)
    ok = leader.put(
        f"/api/v1/ballots/{ballot.id}",
        headers=headers,
        json={"seats": 2, "title": "Bầu hai đơn vị"},
    )
    assert ok.status_code == 200 and ok.get_json()["seats"] == 2
    syt = world.lc_units["SYT"].id
    assert leader.put(
        f"/api/v1/ballots/{ballot.id}/attendance",
        headers=headers,
        json={"present": [world.lc_units["SNV"].id, world.lc_units["STC"].id]},
    ).get_json()["roll"][2] == {
        "unit_id": syt,
        "name": "Sở Y tế",
        "present": False,
        "has_code": False,
    }
    svc.open_ballot(world.leader, ballot)
    db.session.commit()
    locked = leader.put(f"/api/v1/ballots/{ballot.id}", headers=headers, json={"seats": 1})
    assert locked.status_code == 409
    assert (
        leader.put(
            f"/api/v1/ballots/{ballot.id}/attendance", headers=headers, json={"present": [syt]}
        ).status_code
        == 409
    )
    leader.post(
        f"/ballots/{ballot.id}/settings",
        data={"title": "Khác", "seats": "1", "method": "tick", "mode": "electronic"},
    )
    leader.post(f"/ballots/{ballot.id}/attendance", data={"present": [str(syt)]})
    assert ballot.seats == 2 and ballot.title == "Bầu hai đơn vị"
    assert {v.unit_id for v in ballot.roll if v.present} == {
        world.lc_units["SNV"].id,
        world.lc_units["STC"].id,
    }
    page = leader.get(f"/ballots/{ballot.id}").get_data(as_text=True)
    assert "Điểm danh (đã khóa)" in page and f'action="/ballots/{ballot.id}/settings"' not in page
    # Only the leader manages: a member is refused by the rule, another block's leader by the object.
    member = _client(app, world.member)
    assert (
        member.post(f"/ballots/{ballot.id}/lifecycle", data={"action": "close"}).status_code == 403
    )
    assert (
        member.post(
            f"/api/v1/ballots/{ballot.id}/close", headers=api_headers(world.member)
        ).status_code
        == 403
    )
    assert ballot.state == BallotState.OPEN


def test_cast_endpoint_errors(app, world, api_headers):
    leader = _client(app, world.leader)
    ballot = _create(leader, world, seats=1)
    codes = {
        v.unit.code: svc.issue_code(world.leader, ballot, v.unit_id)
        for v in ballot.roll
        if v.unit.code != "STC"
    }
    db.session.commit()
    snv, stc = _cand(ballot, "SNV"), _cand(ballot, "STC")
    client = app.test_client()
    url = f"/api/v1/ballots/{ballot.id}/cast"

    def error(response, status):
        assert response.status_code == status, response.get_json()
        body = response.get_json()["error"]
        assert body["code"] and body["message"] and isinstance(body["fields"], dict)
        return body

    assert (
        "không mở"
        in error(client.post(url, json={"code": codes["SNV"], "agree": [snv]}), 409)["message"]
    )
    svc.open_ballot(world.leader, ballot)
    db.session.commit()
    assert (
        "Mã bỏ phiếu không đúng"
        in error(client.post(url, json={"code": "AAAA-BBBB", "agree": [snv]}), 403)["message"]
    )
    assert (
        "nhiều nhất 1"
        in error(client.post(url, json={"code": codes["SNV"], "agree": [snv, stc]}), 422)["message"]
    )
    error(client.post(url, json={"agree": [snv]}), 401)
    error(client.post(url, data={"code": codes["SNV"]}), 400)
    error(
        client.post("/api/v1/ballots/999999/cast", json={"code": codes["SNV"], "agree": [snv]}), 404
    )
    assert (
        client.post(url, json={"code": codes["SNV"], "agree": [snv], "disagree": [stc]}).status_code
        == 201
    )
    assert (
        "đã bỏ phiếu"
        in error(client.post(url, json={"code": codes["SNV"], "agree": []}), 409)["message"]
    )
    # A unit officer's token instead of a code: the officer's unit votes.
    by_token = client.post(url, json={"agree": [stc]}, headers=api_headers(world.member))
    assert by_token.status_code == 201 and len(by_token.get_json()["receipt"]) == 8
    error(client.post(url, json={"agree": []}, headers=api_headers(world.member)), 409)
    svc.close_ballot(world.leader, ballot)
    db.session.commit()
    assert (
        "không mở"
        in error(client.post(url, json={"code": codes["SYT"], "agree": [snv]}), 409)["message"]
    )


def test_code_guessing_is_rate_limited(app, world):
    app.config["PORTAL_VOTE_CODE_RATE_LIMIT"] = "3 per minute"
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    codes = {v.unit.code: svc.issue_code(world.leader, ballot, v.unit_id) for v in ballot.roll}
    svc.open_ballot(world.leader, ballot)
    db.session.commit()
    snv = _cand(ballot, "SNV")
    phone = app.test_client()
    # Successful steps do not count: a whole hall behind one address can vote.
    for _i in range(4):
        assert (
            phone.post(
                f"/vote/{ballot.id}",
                data={"code": codes["SNV"], f"c{snv}": "agree", "action": "review"},
            ).status_code
            == 200
        )
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"):
        wrong = phone.post(
            f"/vote/{ballot.id}", data={"code": guess, f"c{snv}": "agree", "action": "review"}
        )
        assert wrong.status_code == 422 and "Mã bỏ phiếu không đúng" in wrong.get_data(as_text=True)
    blocked = phone.post(
        f"/vote/{ballot.id}", data={"code": codes["STC"], f"c{snv}": "agree", "action": "review"}
    )
    assert blocked.status_code == 429
    api = phone.post(
        f"/api/v1/ballots/{ballot.id}/cast", json={"code": codes["STC"], "agree": [snv]}
    )
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "rate_limited"


def test_projector_and_progress_show_who_not_how(app, world):
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    codes = {v.unit.code: svc.issue_code(world.leader, ballot, v.unit_id) for v in ballot.roll}
    svc.open_ballot(world.leader, ballot)
    db.session.commit()
    _vote_on_phone(app, ballot, codes["STC"], {_cand(ballot, "SYT"): "agree"})
    for user in (world.member, world.officer, world.observer, world.admin):
        client = _client(app, user)
        page = client.get(f"/ballots/{ballot.id}/projector")
        html = page.get_data(as_text=True)
        assert (
            page.status_code == 200
            and 'id="voted-count">1<' in html
            and 'id="present-count">3<' in html
        )
        assert "ballot_projector.js" in html and "<script>" not in html
        assert "Trúng cử" not in html and "phiếu đồng ý" not in html.lower()
        body = client.get(f"/ballots/{ballot.id}/progress.json").get_json()
        assert body == {
            "id": ballot.id,
            "state": "open",
            "state_label": "Đang bỏ phiếu",
            "present": 3,
            "voted": 1,
            "units": [
                {"name": "Sở Nội vụ", "voted": False},
                {"name": "Sở Tài chính", "voted": True},
                {"name": "Sở Y tế", "voted": False},
            ],
        }
    assert (
        app.test_client().get(f"/ballots/{ballot.id}/projector").status_code == 302
    )  # signed in only
    assert _client(app, world.outsider).get(f"/ballots/{ballot.id}/projector").status_code == 404


def test_voter_page_on_a_phone(app, world):
    leader = _client(app, world.leader)
    ballot = _create(leader, world, method="strike", seats=1)
    codes = {v.unit.code: svc.issue_code(world.leader, ballot, v.unit_id) for v in ballot.roll}
    phone = app.test_client()
    assert "chưa mở" in phone.get(f"/vote/{ballot.id}").get_data(as_text=True)
    svc.open_ballot(world.leader, ballot)
    db.session.commit()
    page = phone.get(f"/vote/{ballot.id}")
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 200
        and 'name="viewport"' in html
        and "ballot_vote.js" in html
        and "<script>" not in html
    )
    assert 'type="checkbox" name="keep"' in html
    snv, stc = _cand(ballot, "SNV"), _cand(ballot, "STC")
    too_many = phone.post(
        f"/vote/{ballot.id}",
        data={"code": codes["SNV"], "keep": [str(snv), str(stc)], "action": "review"},
    )
    assert too_many.status_code == 422 and "nhiều nhất 1" in too_many.get_data(as_text=True)
    none_kept = phone.post(f"/vote/{ballot.id}", data={"code": codes["SNV"], "action": "review"})
    assert none_kept.status_code == 422 and "gạch hết tên" in none_kept.get_data(as_text=True)
    empty = phone.post(f"/vote/{ballot.id}", data={"keep": [str(snv)], "action": "review"})
    assert empty.status_code == 422 and "Hãy nhập mã bỏ phiếu" in empty.get_data(as_text=True)
    done = phone.post(
        f"/vote/{ballot.id}", data={"code": codes["SNV"], "keep": [str(snv)], "action": "cast"}
    )
    assert done.status_code == 200 and RECEIPT.search(done.get_data(as_text=True))
    # A signed-in unit officer votes for their unit without a code.
    member = _client(app, world.member)
    assert "không cần mã" in member.get(f"/vote/{ballot.id}").get_data(as_text=True)
    assert (
        member.post(f"/vote/{ballot.id}", data={"keep": [str(stc)], "action": "cast"}).status_code
        == 200
    )
    paper = db.session.scalars(select(svc.BallotPaper)).all()
    assert sorted(p.choices["agree"][0] for p in paper) == sorted([snv, stc])
    assert all(len(p.choices["disagree"]) == 2 for p in paper)  # the names not kept are struck


def test_public_vote_form_needs_its_csrf_token(app, world):
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    code = svc.issue_code(world.leader, ballot, world.lc_units["SNV"].id)
    svc.open_ballot(world.leader, ballot)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    phone = app.test_client()
    refused = phone.post(
        f"/vote/{ballot.id}",
        data={"code": code, f"c{_cand(ballot, 'SNV')}": "agree", "action": "cast"},
    )
    assert refused.status_code == 400
    html = phone.get(f"/vote/{ballot.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    ok = phone.post(
        f"/vote/{ballot.id}",
        data={
            "csrf_token": token,
            "code": code,
            f"c{_cand(ballot, 'SNV')}": "agree",
            "action": "cast",
        },
    )
    assert ok.status_code == 200 and RECEIPT.search(ok.get_data(as_text=True))


def test_other_province_cannot_see_ballots(app, world, api_headers):
    leader = _client(app, world.leader)
    ballot = _create(leader, world)
    tv_officer = _client(app, world.tv_officer)
    headers = api_headers(world.tv_officer)
    for path in (
        f"/ballots/{ballot.id}",
        f"/ballots/{ballot.id}/projector",
        f"/ballots/{ballot.id}/progress.json",
        f"/ballots/{ballot.id}/results",
        f"/blocks/{world.block.id}/ballots",
    ):
        assert tv_officer.get(path).status_code == 404, path
    for path in (f"/api/v1/ballots/{ballot.id}", f"/api/v1/ballots/{ballot.id}/progress"):
        assert tv_officer.get(path, headers=headers).status_code == 404, path
    assert tv_officer.get("/api/v1/ballots", headers=headers).get_json() == []
    mine = (
        _client(app, world.officer)
        .get("/api/v1/ballots", headers=api_headers(world.officer))
        .get_json()
    )
    assert [b["id"] for b in mine] == [ballot.id]
    outsider = _client(app, world.outsider)  # Lai Châu unit outside the block
    assert outsider.get(f"/ballots/{ballot.id}").status_code == 404
