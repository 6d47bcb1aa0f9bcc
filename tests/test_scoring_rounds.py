"""Scoring rounds and self-scoring through the pages and the API: creating a round, the calendar
rule, every transition by the right and the wrong role, self scores (bounds, autosave, conflicts,
submission) and evidence files (types, size, who may download, how they are served)."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import re
from pathlib import Path

from sqlalchemy import select

import tests.plugins.everything as everything
from portal.audit import audit_actor
from portal.extensions import db
from portal.models import AuditLog, Evidence, Role, RoundMember, RoundState, ScoringRound, SelfScore
from portal.services.criteria import create_table
from portal.services.scoring import save_agreed_score
from portal.services.scoring_rounds import create_round, transition
from tests.conftest import PDF_BYTES, login, make_user

MONDAY, FRIDAY, SATURDAY = dt.date(2024, 1, 8), dt.date(2024, 1, 5), dt.date(2024, 1, 6)


def _table(province, year=2023, name="Bảng tiêu chí thử"):
    with audit_actor("test"):
        table = create_table(province, year, name, list(everything.EVERYTHING_TEMPLATE.criteria))
        db.session.commit()
    return table


def _round(world, *, open_=True):
    """A round of Lai Châu's block on the small test table (I.1 max 40, I.2 max 20, II, III)."""
    r = create_round(
        world.block, _table(world.laichau), meeting_date=FRIDAY, conference_date=MONDAY
    )
    if open_:
        transition(world.leader, r, "open_self_scoring")
    db.session.commit()
    return r


def _crit(r, code):
    return next(c for c in r.table.criteria if c.code == code)


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _audited(r, action) -> int:
    return len(
        db.session.scalars(
            select(AuditLog).where(
                AuditLog.object_type == "ScoringRound",
                AuditLog.object_id == str(r.id),
                AuditLog.action == action,
            )
        ).all()
    )


# -- creating a round and its dates ------------------------------------------------------------------


def test_leader_creates_the_round_on_the_page(app, world):
    table = _table(world.laichau)
    leader = _client(app, world.leader)
    page = leader.get(f"/blocks/{world.block.id}/scoring")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tạo đợt chấm điểm" in html and f'value="{table.id}"' in html
    # A member sees the page but not the form, and may not create.
    member = _client(app, world.member)
    assert "Tạo đợt chấm điểm</button>" not in member.get(
        f"/blocks/{world.block.id}/scoring"
    ).get_data(as_text=True)
    data = {
        "table_id": table.id,
        "meeting_date": "2024-01-05",
        "conference_date": "2024-01-08",
        "trim": "1",
        "cross_scoring": "y",
    }
    assert member.post(f"/blocks/{world.block.id}/scoring", data=data).status_code == 403
    assert db.session.scalar(select(ScoringRound.id)) is None
    response = leader.post(f"/blocks/{world.block.id}/scoring", data=data)
    assert response.status_code == 302
    r = db.session.scalar(select(ScoringRound))
    assert (r.table_id, r.meeting_date, r.conference_date, r.cross_scoring, r.trim) == (
        table.id,
        FRIDAY,
        MONDAY,
        True,
        1,
    )
    assert {m.unit_id for m in r.members} == {u.id for u in world.block.members}
    html = leader.get(f"/blocks/{world.block.id}/scoring").get_data(as_text=True)
    assert "05/01/2024" in html and "08/01/2024" in html and "Dự thảo" in html
    assert "Mở tự chấm điểm" in html  # the leader's button
    assert "Mở tự chấm điểm" not in member.get(f"/blocks/{world.block.id}/scoring").get_data(
        as_text=True
    )
    # A second round for the block is refused.
    again = leader.post(f"/blocks/{world.block.id}/scoring", data=data)
    assert again.status_code == 302 and db.session.query(ScoringRound).count() == 1


def test_laichau_refuses_a_meeting_on_the_conference_day_and_travinh_accepts_a_saturday(app, world):
    table = _table(world.laichau)
    officer = _client(app, world.officer)
    data = {"table_id": table.id, "meeting_date": "2024-01-08", "conference_date": "2024-01-08"}
    page = officer.post(f"/blocks/{world.block.id}/scoring", data=data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    # The plugin's message sits right under the meeting date, and the typed dates are kept.
    field = re.search(
        r'id="meeting_date"[^>]*>.*?<div class="invalid-feedback d-block"[^>]*>([^<]*)', html, re.S
    )
    assert field and "chậm nhất 01 ngày làm việc" in field.group(1)
    assert 'value="2024-01-08"' in html
    assert db.session.query(ScoringRound).count() == 0
    # A Saturday meeting is not a working day in Lai Châu …
    data["meeting_date"] = "06/01/2024"  # dd/mm/yyyy is read too
    assert "không phải ngày làm việc" in officer.post(
        f"/blocks/{world.block.id}/scoring", data=data
    ).get_data(as_text=True)
    # … and is fine in Trà Vinh, which has no such rule.
    tv_table = _table(world.travinh)
    tv = _client(app, world.tv_officer)
    data = {"table_id": tv_table.id, "meeting_date": "2024-01-06", "conference_date": "2024-01-08"}
    assert tv.post(f"/blocks/{world.tv_block.id}/scoring", data=data).status_code == 302
    assert db.session.scalar(select(ScoringRound.meeting_date)) == SATURDAY


def test_date_changes_go_through_the_rule(app, world, api_headers):
    r = _round(world, open_=False)
    leader = _client(app, world.leader)
    bad = {"meeting_date": "2024-01-08", "conference_date": "2024-01-08"}
    page = leader.post(f"/scoring/{r.id}/settings", data=bad)
    assert page.status_code == 422 and "chậm nhất 01 ngày làm việc" in page.get_data(as_text=True)
    db.session.refresh(r)
    assert r.meeting_date == FRIDAY
    ok = {"meeting_date": "2024-01-04", "conference_date": "2024-01-08", "table_id": r.table_id}
    assert leader.post(f"/scoring/{r.id}/settings", data=ok).status_code == 302
    db.session.refresh(r)
    assert r.meeting_date == dt.date(2024, 1, 4)
    # The API says the same, as a validation error on the field.
    body = {"meeting_date": "2024-01-08", "conference_date": "2024-01-08"}
    response = leader.put(f"/api/v1/rounds/{r.id}", json=body, headers=api_headers(world.leader))
    assert response.status_code == 422
    assert "chậm nhất 01 ngày làm việc" in response.get_json()["error"]["fields"]["meeting_date"][0]
    # Members may not change the round (even with a valid body).
    member = api_headers(world.member)
    assert leader.put(f"/api/v1/rounds/{r.id}", json=ok, headers=member).status_code == 403


def test_round_api_create_and_read(app, world, api_headers):
    table = _table(world.laichau)
    client = app.test_client()
    url = f"/api/v1/blocks/{world.block.id}/round"
    assert client.get(url, headers=api_headers(world.leader)).status_code == 404
    body = {"table_id": table.id, "meeting_date": "2024-01-05", "conference_date": "2024-01-08"}
    assert client.post(url, json=body, headers=api_headers(world.member)).status_code == 403
    assert (
        client.post(url, json={"table_id": "x"}, headers=api_headers(world.leader)).status_code
        == 422
    )
    created = client.post(url, json=body, headers=api_headers(world.leader))
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert (
        data["state"] == "draft"
        and data["state_label"] == "Dự thảo"
        and data["transitions"] == ["open_self_scoring"]
    )
    assert (
        client.post(url, json=body, headers=api_headers(world.leader)).get_json()["error"]["code"]
        == "conflict"
    )
    got = client.get(url, headers=api_headers(world.observer)).get_json()
    assert got["id"] == data["id"] and got["transitions"] == []
    members = client.get(
        f"/api/v1/rounds/{data['id']}/members", headers=api_headers(world.member)
    ).get_json()
    assert {m["unit_id"] for m in members} == {u.id for u in world.block.members}
    assert all(m["filled"] == 0 and m["total"] == 2 and m["submitted_at"] is None for m in members)
    # Outside the province: not found.
    assert (
        client.get(
            f"/api/v1/rounds/{data['id']}", headers=api_headers(world.tv_officer)
        ).status_code
        == 404
    )


# -- transitions ------------------------------------------------------------------------------------


def _agree_all(world, r):
    for m in r.members:
        for code, value in (("I.1", "30"), ("I.2", "15")):
            save_agreed_score(world.leader, r, m.unit_id, _crit(r, code).id, value)
    db.session.commit()


def test_every_transition_by_the_right_and_the_wrong_role(app, world, api_headers):
    r = _round(world, open_=False)
    leader, member, officer = (_client(app, u) for u in (world.leader, world.member, world.officer))
    url = f"/scoring/{r.id}/transition"
    api = f"/api/v1/rounds/{r.id}/transitions"

    def step(name, wrong, *, reason=None):
        # The wrong role is refused with the service's message, and nothing changes.
        state, audited = r.state, _audited(r, name)
        refused = wrong.post(url, data={"action": name, "reason": reason or ""})
        assert refused.status_code == 403, name
        assert "Chỉ" in refused.get_data(as_text=True)
        db.session.refresh(r)
        assert r.state == state and _audited(r, name) == audited
        right = officer if name == "return_results" else leader
        assert right.post(url, data={"action": name, "reason": reason or ""}).status_code == 302, (
            name
        )
        db.session.refresh(r)
        assert r.state != state and _audited(r, name) == audited + 1, name

    # Order matters: a transition from the wrong state is a 409 with the state's label.
    wrong_state = leader.post(url, data={"action": "start_meeting"})
    assert wrong_state.status_code == 409 and "Dự thảo" in wrong_state.get_data(as_text=True)
    step("open_self_scoring", member)
    assert r.state == RoundState.SELF_SCORING
    step("close_self_scoring", officer)
    step("open_self_scoring", member)
    step("close_self_scoring", member)
    step("start_meeting", member)
    assert leader.post(url, data={"action": "agree"}).status_code == 409  # agreed scores missing
    _agree_all(world, r)
    step("agree", member)
    assert r.state == RoundState.AGREED
    step("reopen_meeting", officer)
    step("agree", member)
    step("submit", member)
    assert r.state == RoundState.SUBMITTED and r.submitted_at is not None
    # Returning needs the province and a reason.
    no_reason = officer.post(url, data={"action": "return_results"})
    assert no_reason.status_code == 422 and "Cần ghi lý do trả lại" in no_reason.get_data(
        as_text=True
    )
    step("return_results", leader, reason="Thiếu biên bản họp khối.")
    assert r.state == RoundState.RETURNED and r.returned_reason == "Thiếu biên bản họp khối."
    assert "Thiếu biên bản họp khối." in leader.get(f"/blocks/{world.block.id}/scoring").get_data(
        as_text=True
    )
    # The API does the rest: reopen, agree, resubmit; errors in the API's shape.
    headers = api_headers(world.leader)
    refused = app.test_client().post(
        api, json={"action": "reopen_meeting"}, headers=api_headers(world.member)
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    bad = app.test_client().post(api, json={"action": "fly"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["message"] == "Thao tác không hợp lệ."
    for name in ("reopen_meeting", "agree", "submit"):
        response = app.test_client().post(api, json={"action": name}, headers=headers)
        assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "resubmitted"
    late = app.test_client().post(api, json={"action": "submit"}, headers=headers)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "conflict"
    returned = app.test_client().post(
        api,
        json={"action": "return_results", "reason": "Lần hai."},
        headers=api_headers(world.officer),
    )
    assert returned.status_code == 200 and returned.get_json()["state"] == "returned"
    assert _audited(r, "return_results") == 2


# -- self-scoring -----------------------------------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'data-csrf="([^"]+)"', html).group(1)


def test_self_scoring_page_and_autosave_with_csrf(app, world):
    r = _round(world)
    stc = world.lc_units["STC"].id
    member = _client(app, world.member)
    app.config["WTF_CSRF_ENABLED"] = True
    page = member.get(f"/scoring/{r.id}/units/{stc}/self")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    i2 = _crit(r, "I.2")
    assert "tối đa 20" in html and 'max="20"' in html and 'step="0.01"' in html
    assert '<script src="/static/scoring.js"></script>' in html and "<script>" not in html
    url = f"/scoring/{r.id}/units/{stc}/self/cell"
    body = {"criterion_id": i2.id, "value": "18,5", "note": "Đạt 19/20 chỉ tiêu", "version": None}
    assert member.post(url, json=body).status_code == 400  # no CSRF token in the header
    headers = {"X-CSRFToken": _csrf(html)}
    saved = member.post(url, json=body, headers=headers)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json() == {
        "criterion_id": i2.id,
        "value": "18.5",
        "display": "18,5",
        "note": "Đạt 19/20 chỉ tiêu",
        "version": 1,
        "message": "Đã lưu",
    }
    # Out of bounds: the maximum is in the message; the stored value is unchanged.
    too_big = member.post(url, json={**body, "value": 25, "version": 1}, headers=headers)
    assert too_big.status_code == 422
    assert "đến 20" in too_big.get_json()["error"]["message"]
    for odd in ("abc", "1e30", "9" * 40, "-1", "1.005"):
        assert (
            member.post(url, json={**body, "value": odd, "version": 1}, headers=headers).status_code
            == 422
        ), odd
    # A second editor saved meanwhile: the stale save is a conflict naming the value now stored.
    member.post(url, json={**body, "value": "17", "version": 1}, headers=headers)
    stale = member.post(url, json={**body, "value": "19", "version": 1}, headers=headers)
    assert stale.status_code == 409
    data = stale.get_json()
    assert data["error"]["code"] == "conflict" and "17" in data["error"]["message"]
    assert data["current"] == {"value": "17", "display": "17", "version": 2}
    cell = db.session.scalar(select(SelfScore).where(SelfScore.criterion_id == i2.id))
    db.session.refresh(cell)
    assert cell.value == 17 and cell.version == 2
    # Others may read the sheet but not write it: the leader sees values, no inputs.
    app.config["WTF_CSRF_ENABLED"] = False
    leader = _client(app, world.leader)
    read = leader.get(f"/scoring/{r.id}/units/{stc}/self").get_data(as_text=True)
    assert "17" in read and 'name="value-' not in read
    assert leader.post(url, json={**body, "version": 2}).status_code == 403
    outsider = _client(app, world.outsider)
    assert outsider.get(f"/scoring/{r.id}/units/{stc}/self").status_code == 404


def test_self_scores_through_the_api_with_conflict_and_submission(app, world, api_headers):
    r = _round(world)
    stc = world.lc_units["STC"].id
    i1, i2, bonus = _crit(r, "I.1"), _crit(r, "I.2"), _crit(r, "II")
    client, headers = app.test_client(), api_headers(world.member)
    base = f"/api/v1/rounds/{r.id}/units/{stc}/self-scores"
    cells = client.get(base, headers=headers).get_json()["cells"]
    assert [(c["code"], c["max_points"], c["version"]) for c in cells] == [
        ("I.1", "40", None),
        ("I.2", "20", None),
        ("II", "5", None),
        ("III", "5", None),
    ]
    first = client.put(
        f"{base}/{i1.id}", json={"value": 8.5, "note": "Báo cáo số 12"}, headers=headers
    )
    assert (
        first.status_code == 200
        and first.get_json()["version"] == 1
        and first.get_json()["value"] == "8.5"
    )
    assert (
        client.put(
            f"{base}/{i1.id}", json={"value": "9", "version": 1}, headers=headers
        ).status_code
        == 200
    )
    stale = client.put(f"{base}/{i1.id}", json={"value": "10", "version": 1}, headers=headers)
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "conflict" and "9,00" in error["message"]
    too_big = client.put(f"{base}/{i2.id}", json={"value": "20.01"}, headers=headers)
    assert too_big.status_code == 422 and "đến 20" in too_big.get_json()["error"]["message"]
    for body in (
        {"value": True},
        {"value": {"x": 1}},
        {"value": 1, "version": "1"},
        {"value": 1, "note": 5},
        [],
    ):
        assert client.put(f"{base}/{i2.id}", json=body, headers=headers).status_code in (
            400,
            422,
        ), body
    # Submitting lists what is missing (bonus points are optional), then succeeds.
    refused = client.post(f"{base}/submit", headers=headers)
    assert refused.status_code == 422 and "I.2" in refused.get_json()["error"]["message"]
    assert "I.1" not in refused.get_json()["error"]["message"]
    client.put(f"{base}/{i2.id}", json={"value": "20"}, headers=headers)
    client.put(f"{base}/{bonus.id}", json={"value": "0"}, headers=headers)
    done = client.post(f"{base}/submit", headers=headers)
    assert (
        done.status_code == 200
        and done.get_json()["submitted_at"]
        and not done.get_json()["editable"]
    )
    late = client.put(f"{base}/{i2.id}", json={"value": "19", "version": 1}, headers=headers)
    assert late.status_code == 409
    # Another unit's sheet: read-only for the leader and the province, closed to other members.
    syt = world.lc_units["SYT"].id
    other = f"/api/v1/rounds/{r.id}/units/{syt}/self-scores"
    assert client.get(other, headers=api_headers(world.leader)).status_code == 200
    assert client.get(other, headers=api_headers(world.observer)).status_code == 200
    assert client.get(other, headers=headers).status_code == 403
    assert (
        client.put(
            f"{other}/{i1.id}", json={"value": "1"}, headers=api_headers(world.leader)
        ).status_code
        == 403
    )


def test_plain_form_saves_every_field_and_submits(app, world):
    r = _round(world)
    stc = world.lc_units["STC"].id
    i1, i2 = _crit(r, "I.1"), _crit(r, "I.2")
    member = _client(app, world.member)
    url = f"/scoring/{r.id}/units/{stc}/self"
    form = {
        f"value-{i1.id}": "35",
        f"note-{i1.id}": "Kế hoạch số 3",
        f"value-{i2.id}": "21",
        f"note-{i2.id}": "",
    }
    page = member.post(url, data=form)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Điểm của tiêu chí I.2 phải từ 0 đến 20,00." in html and 'value="21"' in html
    assert db.session.scalar(select(SelfScore.value).where(SelfScore.criterion_id == i1.id)) == 35
    # Submitting with I.2 still empty: refused, listing the code and marking the field.
    refused = member.post(
        url,
        data={
            f"value-{i1.id}": "35",
            f"orig-{i1.id}": "35",
            f"version-{i1.id}": "1",
            f"note-{i1.id}": "Kế hoạch số 3",
            f"orignote-{i1.id}": "Kế hoạch số 3",
            "action": "submit",
        },
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Chưa chấm 1 tiêu chí: I.2." in html and "Chưa chấm tiêu chí này." in html
    # Untouched fields are not saved again: an old version on them is no conflict.
    form = {
        f"value-{i1.id}": "35",
        f"orig-{i1.id}": "35",
        f"version-{i1.id}": "0",
        f"note-{i1.id}": "Kế hoạch số 3",
        f"orignote-{i1.id}": "Kế hoạch số 3",
        f"value-{i2.id}": "20",
        "action": "submit",
    }
    assert member.post(url, data=form).status_code == 302
    m = db.session.scalar(
        select(RoundMember).where(RoundMember.round_id == r.id, RoundMember.unit_id == stc)
    )
    assert m.self_submitted_at is not None
    # The round page shows who has submitted and who has not.
    leader = _client(app, world.leader)
    html = leader.get(f"/blocks/{world.block.id}/scoring").get_data(as_text=True)
    assert (
        "Đã nộp: 1/3 đơn vị." in html
        and "2/2 tiêu chí" in html
        and "Sở Y tế" in html.split("Chưa nộp")[1]
    )


def test_scores_only_while_self_scoring_is_open(app, world, api_headers):
    r = _round(world, open_=False)
    stc = world.lc_units["STC"].id
    response = app.test_client().put(
        f"/api/v1/rounds/{r.id}/units/{stc}/self-scores/{_crit(r, 'I.1').id}",
        json={"value": "1"},
        headers=api_headers(world.member),
    )
    assert (
        response.status_code == 409
        and "không mở tự chấm" in response.get_json()["error"]["message"]
    )
    page = (
        _client(app, world.member).get(f"/scoring/{r.id}/units/{stc}/self").get_data(as_text=True)
    )
    assert "Khối trưởng chưa mở tự chấm điểm." in page and 'name="value-' not in page


# -- evidence ---------------------------------------------------------------------------------------


HTML_AS_PDF = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _upload(client, r, unit_id, name, data, criterion_id=None, api=None):
    fields = {"file": (__import__("io").BytesIO(data), name)}
    if criterion_id is not None:
        fields["criterion_id"] = str(criterion_id)
    if api is not None:
        return client.post(
            f"/api/v1/rounds/{r.id}/units/{unit_id}/evidence",
            data=fields,
            headers=api,
            content_type="multipart/form-data",
        )
    return client.post(
        f"/scoring/{r.id}/units/{unit_id}/evidence", data=fields, content_type="multipart/form-data"
    )


def test_evidence_upload_checks_the_bytes_and_the_size(app, world, api_headers):
    r = _round(world)
    stc = world.lc_units["STC"].id
    i1 = _crit(r, "I.1")
    member = _client(app, world.member)
    headers = api_headers(world.member)
    created = _upload(
        app.test_client(), r, stc, "Báo cáo kết quả năm 2023.pdf", PDF_BYTES, i1.id, api=headers
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (
        body["file_name"] == "Báo cáo kết quả năm 2023.pdf"
        and body["content_type"] == "application/pdf"
    )
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest() and body["criterion_id"] == i1.id
    evidence = db.session.get(Evidence, body["id"])
    stored = Path(app.instance_path) / "evidence" / evidence.storage_key
    assert stored.read_bytes() == PDF_BYTES
    assert Path(app.static_folder) not in stored.resolve().parents
    assert not list(Path(app.static_folder).rglob(evidence.storage_key))
    # An HTML page renamed .pdf is refused by its bytes; so is a PNG claiming to be a PDF.
    for name, data in (
        ("baocao.pdf", HTML_AS_PDF),
        ("anh.pdf", PNG_BYTES),
        ("trang.html", HTML_AS_PDF),
    ):
        api = _upload(app.test_client(), r, stc, name, data, api=headers)
        assert (
            api.status_code == 415 and api.get_json()["error"]["code"] == "unsupported_media_type"
        ), name
        page = _upload(member, r, stc, name, data, i1.id)
        assert page.status_code == 415 and "PDF, PNG hoặc JPEG" in page.get_data(as_text=True), name
    assert _upload(member, r, stc, "Ảnh chụp.png", PNG_BYTES, i1.id).status_code == 302
    # Too large: the limit is a setting, and it is in the message.
    app.config["PORTAL_EVIDENCE_MAX_BYTES"] = 1024
    big = PDF_BYTES + b"0" * 1024
    api = _upload(app.test_client(), r, stc, "lon.pdf", big, api=headers)
    assert api.status_code == 413 and "tối đa 1 KB" in api.get_json()["error"]["message"]
    page = _upload(member, r, stc, "lon.pdf", big, i1.id)
    assert page.status_code == 413 and "Tệp quá lớn" in page.get_data(as_text=True)
    app.config["PORTAL_EVIDENCE_MAX_BYTES"] = 10 * 1024 * 1024
    assert db.session.query(Evidence).count() == 2
    assert len(list((Path(app.instance_path) / "evidence").iterdir())) == 2  # nothing left behind
    # The sheet lists the files under their criterion.
    html = member.get(f"/scoring/{r.id}/units/{stc}/self").get_data(as_text=True)
    assert "Báo cáo kết quả năm 2023.pdf" in html and "Ảnh chụp.png" in html
    # Other people may not add files to the unit.
    assert _upload(_client(app, world.leader), r, stc, "x.pdf", PDF_BYTES).status_code == 403
    assert (
        _upload(
            app.test_client(), r, stc, "x.pdf", PDF_BYTES, api=api_headers(world.leader)
        ).status_code
        == 403
    )


def test_evidence_downloads_by_role_and_headers(app, round_world, api_headers):
    world = round_world
    evidence = world.evidence
    # The secretary the leader delegated (an officer of a member unit); a colleague who is not.
    syt_officer = make_user("canbo.syt", Role.UNIT_OFFICER, unit=world.lc_units["SYT"])
    secretary = make_user("thuky", Role.UNIT_OFFICER, unit=world.lc_units["SYT"])
    world.round.secretary_id = secretary.id
    db.session.commit()
    allowed = (world.member, world.leader, world.officer, world.observer, world.admin, secretary)
    refused = (syt_officer, world.outsider, world.tv_officer)
    for user in allowed:
        page = _client(app, user).get(f"/scoring/evidence/{evidence.id}")
        api = app.test_client().get(f"/api/v1/evidence/{evidence.id}", headers=api_headers(user))
        for response in (page, api):
            assert response.status_code == 200, user.username
            assert response.data == PDF_BYTES
            assert response.mimetype == "application/pdf"
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith("attachment;")
            assert (
                "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20k%E1%BA%BFt%20qu%E1%BA%A3.pdf"
                in disposition
            )
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in response.headers["Content-Security-Policy"]
            assert "no-store" in response.headers["Cache-Control"]
            response.close()
    for user in refused:
        assert _client(app, user).get(f"/scoring/evidence/{evidence.id}").status_code == 404, (
            user.username
        )
        api = app.test_client().get(f"/api/v1/evidence/{evidence.id}", headers=api_headers(user))
        assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found", (
            user.username
        )
    assert (
        app.test_client().get(f"/scoring/evidence/{evidence.id}").status_code == 302
    )  # to the login page
    listed = app.test_client().get(
        f"/api/v1/rounds/{world.round.id}/units/{evidence.unit_id}/evidence",
        headers=api_headers(world.observer),
    )
    assert [e["id"] for e in listed.get_json()] == [evidence.id]


def test_evidence_delete_only_own_and_while_open(app, round_world, api_headers):
    world = round_world
    evidence, path = (
        world.evidence,
        Path(app.instance_path) / "evidence" / world.evidence.storage_key,
    )
    assert path.exists()
    leader = api_headers(world.leader)
    assert (
        app.test_client().delete(f"/api/v1/evidence/{evidence.id}", headers=leader).status_code
        == 403
    )
    assert (
        app.test_client()
        .delete(f"/api/v1/evidence/{evidence.id}", headers=api_headers(world.observer))
        .status_code
        == 403
    )
    transition(world.leader, world.round, "close_self_scoring")
    db.session.commit()
    closed = app.test_client().delete(
        f"/api/v1/evidence/{evidence.id}", headers=api_headers(world.member)
    )
    assert closed.status_code == 409 and path.exists()
    transition(world.leader, world.round, "open_self_scoring")
    db.session.commit()
    member = _client(app, world.member)
    assert member.post(f"/scoring/evidence/{evidence.id}/delete").status_code == 302
    assert db.session.get(Evidence, evidence.id) is None and not path.exists()
    deleted = db.session.scalar(
        select(AuditLog).where(AuditLog.object_type == "Evidence", AuditLog.action == "delete")
    )
    assert deleted is not None and "storage_key" not in (deleted.before or {})


def test_a_full_disk_is_a_clear_message_not_a_traceback(app, world, api_headers, monkeypatch):
    r = _round(world)
    stc = world.lc_units["STC"].id
    from portal.services import evidence as evidence_service

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evidence_service, "_write", full)
    page = _upload(_client(app, world.member), r, stc, "a.pdf", PDF_BYTES)
    assert page.status_code == 507 and "hết dung lượng" in page.get_data(as_text=True)
    api = _upload(app.test_client(), r, stc, "a.pdf", PDF_BYTES, api=api_headers(world.member))
    assert api.status_code == 507 and api.get_json()["error"]["code"] == "insufficient_storage"

    def broken(*args, **kwargs):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(evidence_service, "_write", broken)
    page = _upload(_client(app, world.member), r, stc, "a.pdf", PDF_BYTES)
    assert page.status_code == 503 and "không ghi hoặc đọc được" in page.get_data(as_text=True)
    assert db.session.query(Evidence).count() == 0
