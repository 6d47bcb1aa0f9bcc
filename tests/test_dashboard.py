"""The dashboard answers "what do I do next" for each role, from the real records.

Each test changes the state the way people do (a unit submits its self scores, the leader opens a
ballot, the province returns a dossier) and checks that the tasks follow; the page, the service
and ``/api/v1/me/dashboard`` show the same tasks, and nobody sees another province's.
"""

from __future__ import annotations

import datetime as dt

import pytest

import tests.test_access_matrix as matrix
from portal.audit import audit_actor
from portal.extensions import db
from portal.models import (
    BallotState,
    CriterionKind,
    DossierState,
    ProvincePlugin,
    RoundState,
    User,
)
from portal.services import ballots as ballot_svc
from portal.services import dashboard as dash
from portal.services import dossiers as dossier_svc
from portal.services.scoring import missing_agreed, save_self_score, scorable, submit_self_scores
from portal.services.scoring_rounds import transition
from portal.text import sort_key
from tests.conftest import login, make_user

# The secret-ballot and dossier worlds of the access walk (Lai Châu's block with its round, ballot
# and STC's unit dossier; the same in Trà Vinh).
ballot_world = matrix.ballot_world
dossier_world = matrix.dossier_world

DAY = dt.date(2024, 1, 2)  # three days before Lai Châu's scoring meeting (05/01/2024)


def board(user, **kw):
    return dash.for_user(user, on=DAY, **kw)


def kinds(tasks):
    return [t.kind for t in tasks]


def fill_and_submit(world, unit_code: str, user):
    """A unit scores every criterion and hands in its self scores (as on the self-scoring page)."""
    unit_id = world.lc_units[unit_code].id
    with audit_actor(user.username):
        for c in scorable(world.round):
            if c.kind == CriterionKind.SCORED:
                save_self_score(user, world.round, unit_id, c.id, "0",
                                version=_version(world.round.id, unit_id, c.id))
        submit_self_scores(user, world.round, unit_id)
        db.session.commit()


def _version(round_id, unit_id, criterion_id):
    from sqlalchemy import select

    from portal.models import SelfScore

    return db.session.scalar(select(SelfScore.version).where(
        SelfScore.round_id == round_id, SelfScore.unit_id == unit_id, SelfScore.criterion_id == criterion_id))


# -- unit officer --------------------------------------------------------------------------------


def test_unit_officer_sees_the_self_scores_to_finish_with_blank_count_and_deadline(dossier_world):
    world = dossier_world
    stc = world.lc_units["STC"]
    (unit,) = board(world.member).units
    assert unit.unit.id == stc.id and unit.year == 2023
    (task,) = [t for t in unit.tasks if t.kind == "self_score"]
    scored = [c for c in scorable(world.round) if c.kind == CriterionKind.SCORED]
    assert task.count == len(scored) - 1  # the fixture's one self score is filled
    assert task.due == world.round.meeting_date == dt.date(2024, 1, 5)
    assert task.urgency == "soon"
    assert (task.endpoint, task.args) == ("scoring.self_view", {"round_id": world.round.id, "unit_id": stc.id})
    assert f"{len(scored) - 1}/{len(scored)}" in task.detail
    # Lai Châu's plugin gives the year's deadlines (guidance for 2023: January 2024).
    assert [d.due for d in unit.deadlines][:1] == [dt.date(2024, 1, 10)]
    assert all(d.kind == "deadline" for d in unit.deadlines)

    fill_and_submit(world, "STC", world.member)
    assert "self_score" not in kinds(board(world.member).units[0].tasks)


def test_self_score_task_is_overdue_after_the_meeting_date(dossier_world):
    world = dossier_world
    (task,) = [t for t in dash.for_user(world.member, on=dt.date(2024, 1, 6)).tasks if t.kind == "self_score"]
    assert task.urgency == "overdue"


def test_an_open_ballot_appears_for_a_voter_until_the_unit_votes(dossier_world):
    world = dossier_world
    assert "vote" not in kinds(board(world.member).tasks)  # still a draft
    with audit_actor("khoitruong"):
        ballot_svc.open_ballot(world.leader, world.ballot)
        db.session.commit()
    (task,) = [t for t in board(world.member).tasks if t.kind == "vote"]
    assert (task.endpoint, task.args) == ("ballots.vote", {"ballot_id": world.ballot.id})
    assert task.urgency == "soon"
    # Not for a unit outside the block, nor for another province's officers.
    assert "vote" not in kinds(board(world.outsider).tasks)
    assert "vote" not in kinds(board(world.tv_leader).tasks)
    candidate = world.ballot.candidates[0].id
    ballot_svc.cast(world.ballot.id, [candidate], user=world.member)
    db.session.commit()
    assert "vote" not in kinds(board(world.member).tasks)
    # The other members still have to vote.
    assert "vote" in kinds(board(world.leader).tasks)


def test_unit_dossier_draft_then_returned(dossier_world):
    world = dossier_world
    (task,) = [t for t in board(world.member).units[0].tasks if t.kind.startswith("dossier")]
    assert task.kind == "dossier_draft" and task.due == dt.date(2024, 1, 20)  # Lai Châu's dossier deadline
    world.dossier.state = DossierState.SUBMITTED  # as if submitted complete
    db.session.commit()
    assert not [t for t in board(world.member).units[0].tasks if t.kind.startswith("dossier")]
    with audit_actor("canbo.laichau"):
        dossier_svc.return_dossier(world.officer, world.dossier, "Thiếu báo cáo thành tích có xác nhận")
        db.session.commit()
    (task,) = [t for t in board(world.member).units[0].tasks if t.kind.startswith("dossier")]
    assert task.kind == "dossier_returned" and "Thiếu báo cáo" in task.detail


# -- block leader --------------------------------------------------------------------------------


def test_leader_sees_who_has_not_self_scored_and_it_shrinks(dossier_world):
    world = dossier_world
    (block,) = board(world.leader).blocks
    assert block.block.id == world.block.id and block.is_leader
    assert block.state_label == "Đang tự chấm điểm"
    assert {u.code for u in block.not_self_scored.items} == {"SNV", "STC", "SYT"}
    assert (block.members, block.self_submitted) == (3, 0)
    fill_and_submit(world, "STC", world.member)
    (block,) = board(world.leader).blocks
    assert {u.code for u in block.not_self_scored.items} == {"SNV", "SYT"}
    assert block.self_submitted == 1
    # The deputy (STC's officer) follows the same block, but the steps are the leader's.
    (deputy,) = board(world.member).blocks
    assert not deputy.is_leader and all(s.urgency == "info" for s in deputy.next_steps)
    # Not a leader or deputy of any block: no block section.
    assert board(world.outsider).blocks == []


def test_not_self_scored_list_searches_sorts_and_pages(dossier_world):
    world = dossier_world
    (block,) = board(world.leader, members=dash.ListQuery(q="so y te")).blocks
    assert [u.code for u in block.not_self_scored.items] == ["SYT"]
    (block,) = board(world.leader, members=dash.ListQuery(sort="code", per_page=2)).blocks
    assert [u.code for u in block.not_self_scored.items] == ["SNV", "STC"]
    assert (block.not_self_scored.total, block.not_self_scored.pages) == (3, 2)
    (block,) = board(world.leader, members=dash.ListQuery(sort="code", per_page=2, page=9)).blocks
    assert [u.code for u in block.not_self_scored.items] == ["SYT"]  # past the end: the last page


def test_next_step_and_checklist_follow_the_round_and_the_ballots(dossier_world):
    world = dossier_world

    def leader_block():
        (b,) = board(world.leader).blocks
        return b, {c.code: c.done for c in b.checklist}

    block, checks = leader_block()
    assert block.next_steps[0].title == "Khóa tự chấm điểm"
    assert not any(checks.values())
    with audit_actor("khoitruong"):
        transition(world.leader, world.round, "close_self_scoring")
        db.session.commit()
    block, _checks = leader_block()
    assert [s.title for s in block.next_steps] == ["Bắt đầu hội nghị chấm điểm", "Mở tự chấm điểm"]
    with audit_actor("khoitruong"):
        transition(world.leader, world.round, "start_meeting")
        db.session.commit()
    block, checks = leader_block()
    assert block.next_steps[0].title == "Chốt kết quả thống nhất"
    assert block.next_steps[0].endpoint == "meeting.sheet"
    assert checks["meeting_held"] and not checks["scores_agreed"]
    # The delegated secretary (STC's officer in the fixture) is asked to enter the agreed scores.
    (task,) = [t for t in board(world.member).tasks if t.kind == "agreed_scores"]
    assert (task.endpoint, task.args) == ("meeting.sheet", {"round_id": world.round.id})
    assert task.count == len(missing_agreed(world.round)) > 0
    assert "agreed_scores" not in kinds(board(world.outsider).tasks)

    with audit_actor("khoitruong"):
        ballot_svc.open_ballot(world.leader, world.ballot)
        db.session.commit()
    _block, checks = leader_block()
    assert checks["ballot_opened"] and not checks["ballot_closed"]
    from portal.ballot_pages.common import publish_with_record

    with audit_actor("khoitruong"):
        ballot_svc.close_ballot(world.leader, world.ballot)
        ballot_svc.set_tally_committee(world.leader, world.ballot, [(world.leader.id, "Trưởng ban")])
        db.session.commit()
    _block, checks = leader_block()
    assert checks["ballot_closed"] and not checks["vote_count_record"]
    with audit_actor("khoitruong"):
        publish_with_record(world.leader, world.ballot, "Hội trường Sở Nội vụ")
        db.session.commit()
    assert world.ballot.state == BallotState.PUBLISHED
    _block, checks = leader_block()
    assert checks["vote_count_record"] and not checks["minutes"] and not checks["dossier_submitted"]


def test_returned_results_and_block_dossier_reach_the_leader(dossier_world):
    world = dossier_world
    world.round.state = RoundState.SUBMITTED  # as if agreed and sent
    db.session.commit()
    (block,) = board(world.leader).blocks
    assert [s.kind for s in block.next_steps] == ["round_waiting"]
    (lc,) = board(world.officer).provinces
    assert [s.block.id for s in lc.submitted] == [world.block.id]
    assert "blocks_pending" not in kinds(lc.tasks) and "results_review" in kinds(lc.tasks)
    with audit_actor("canbo.laichau"):
        transition(world.officer, world.round, "return_results", reason="Sai điểm tiêu chí 1.1")
        db.session.commit()
    (block,) = board(world.leader).blocks
    (task,) = [t for t in block.tasks if t.kind == "round_returned"]
    assert "Sai điểm tiêu chí 1.1" in task.detail
    assert block.next_steps[0].title == "Mở lại để sửa điểm"
    (lc,) = board(world.officer).provinces
    assert lc.submitted == [] and lc.returned_rounds == 1
    assert [s.block.id for s in lc.not_submitted.items] == [world.block.id]

    from portal.services import nominations

    with audit_actor("khoitruong"):
        nominations.create_nomination(
            world.leader, world.laichau, year=2023, award_code="tap_the_lao_dong_xuat_sac",
            recipient="collective", unit_id=world.lc_units["SYT"].id, block_id=world.block.id,
        )
        d = dossier_svc.create_dossier(world.leader, block=world.block)
        d.state = DossierState.SUBMITTED
        db.session.commit()
    (lc,) = board(world.officer).provinces
    assert [t.args["dossier_id"] for t in lc.review] == [d.id] and lc.review_total == 1
    assert "dossiers_review" in kinds(lc.tasks)
    with audit_actor("canbo.laichau"):
        dossier_svc.return_dossier(world.officer, d, "Thiếu biên bản họp khối")
        db.session.commit()
    (lc,) = board(world.officer).provinces
    assert lc.review_total == 0 and [t.args["dossier_id"] for t in lc.returned] == [d.id]
    (block,) = board(world.leader).blocks
    (task,) = [t for t in block.tasks if t.kind == "dossier_returned"]
    assert "Thiếu biên bản họp khối" in task.detail
    checks = {c.code: c for c in block.checklist}
    assert not checks["dossier_submitted"].done and checks["dossier_submitted"].detail == "Bị trả lại"


# -- province officer, observer, admin -----------------------------------------------------------


def test_province_officer_sees_blocks_by_year_and_deadlines(dossier_world):
    world = dossier_world
    (lc,) = board(world.officer).provinces
    assert lc.province.id == world.laichau.id and lc.year == 2023 and lc.years == [2023]
    assert lc.blocks_total == 1 and lc.submitted == []
    assert [d.title for d in lc.deadlines][0].startswith("Báo cáo tổng kết")
    (task,) = [t for t in lc.tasks if t.kind == "blocks_pending"]
    assert task.count == 1 and task.due == dt.date(2024, 1, 15)  # Lai Châu's block deadline
    assert board(world.officer).units == [] and board(world.officer).observed == []
    # A year without blocks falls back to the latest.
    assert board(world.officer, year=1999).provinces[0].year == 2023


def test_province_blocks_list_searches_and_sorts(dossier_world):
    from portal.services.blocks import save_block

    world = dossier_world
    u = world.lc_units
    with audit_actor("fixture"):
        for code, name, unit in [("KVX", "Khối Văn hóa - Xã hội", u["SGDDT"]), ("KKT", "Khối Kinh tế", u["DLLC"])]:
            save_block(None, world.laichau, year=2023, code=code, name=name, member_ids=[unit.id],
                       leader_unit_id=unit.id, deputy_unit_id=None)
        db.session.commit()
    (lc,) = board(world.officer, blocks=dash.ListQuery(sort="name")).provinces
    assert [s.block.name for s in lc.not_submitted.items] == [
        "Khối Kinh tế", "Khối thi đua Tổng hợp", "Khối Văn hóa - Xã hội"]
    # Sorted by state: the block with a round comes before those without one.
    (lc,) = board(world.officer).provinces
    assert lc.not_submitted.items[0].block.id == world.block.id
    (lc,) = board(world.officer, blocks=dash.ListQuery(q="van hoa")).provinces
    assert [s.block.code for s in lc.not_submitted.items] == ["KVX"]


def test_observer_gets_read_only_summaries(dossier_world):
    world = dossier_world
    b = board(world.observer)
    assert b.provinces == [] and len(b.observed) == 1
    (lc,) = b.observed
    assert lc.read_only and lc.tasks == [] and lc.blocks_total == 1
    assert b.tasks == []


def test_admin_sees_plugins_accounts_and_recent_changes(dossier_world):
    world = dossier_world
    a = board(world.admin).admin
    assert a is not None and any(p.name == "province.laichau" for p in a.plugins)
    assert a.problems == []
    with audit_actor("fixture"):
        db.session.add(ProvincePlugin(province_id=world.travinh.id, plugin_name="province.khong_co"))
        make_user("chua.phan.quyen")
        world.outsider.is_active_flag = False
        db.session.commit()
    a = board(world.admin).admin
    assert [(p.province.id, "province.khong_co" in p.message) for p in a.problems] == [(world.travinh.id, True)]
    assert [u.username for u in a.without_roles.items] == ["chua.phan.quyen"]
    assert a.users_inactive == 1 and a.users_total == db.session.query(User).count()
    assert a.recent and a.recent[0].id >= a.recent[-1].id
    assert kinds(a.tasks) == ["plugin_missing", "users_without_roles"]
    assert board(world.officer).admin is None


# -- scope ---------------------------------------------------------------------------------------


def test_nobody_sees_another_provinces_tasks(dossier_world, client, api_headers):
    world = dossier_world
    tv = {world.travinh.id}
    tv_blocks = {world.tv_block.id}
    for user in (world.member, world.leader, world.officer, world.observer, world.outsider):
        body = client.get("/api/v1/me/dashboard", headers=api_headers(user)).get_json()
        assert not {p["province"]["id"] for p in body["provinces"] + body["observed"]} & tv
        assert not {b["block"]["id"] for b in body["blocks"]} & tv_blocks
        urls = [t["url"] for t in body["tasks"]] + [
            t["url"] for u in body["units"] for t in u["tasks"]]
        assert f"/scoring/{world.tv_round.id}/" not in " ".join(u or "" for u in urls)
        assert f"/dossiers/{world.tv_dossier.id}" not in " ".join(u or "" for u in urls)
    body = client.get("/api/v1/me/dashboard", headers=api_headers(world.tv_leader)).get_json()
    assert [b["block"]["id"] for b in body["blocks"]] == [world.tv_block.id]
    assert [u["unit"]["id"] for u in body["units"]] == [world.tv_units["SNV"].id]


# -- the page and the API show the same ----------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "leader", "officer", "observer", "admin", "outsider"])
def test_api_returns_the_same_tasks_as_the_service(dossier_world, client, api_headers, who):
    world = dossier_world
    user = getattr(world, who)
    body = client.get("/api/v1/me/dashboard", headers=api_headers(user)).get_json()
    expected = dash.for_user(user)
    assert [(t["kind"], t["title"], t["due"], t["urgency"]) for t in body["tasks"]] == [
        (t.kind, t.title, t.due.isoformat() if t.due else None, t.urgency) for t in expected.tasks]
    assert len(body["units"]) == len(expected.units) and len(body["blocks"]) == len(expected.blocks)
    assert (body["admin"] is None) == (expected.admin is None)


def test_api_dashboard_details_and_errors(dossier_world, client, api_headers):
    world = dossier_world
    body = client.get("/api/v1/me/dashboard", headers=api_headers(world.leader)).get_json()
    (block,) = body["blocks"]
    assert {u["name"] for u in block["not_self_scored"]} == {"Sở Nội vụ", "Sở Tài chính", "Sở Y tế"}
    assert [c["code"] for c in block["checklist"]] == [
        "meeting_held", "scores_agreed", "results_sent", "ballot_opened", "ballot_closed",
        "vote_count_record", "minutes", "dossier_submitted"]
    (self_task,) = [t for t in body["units"][0]["tasks"] if t["kind"] == "self_score"]
    assert self_task["url"] == f"/scoring/{world.round.id}/units/{world.lc_units['SNV'].id}/self"
    assert self_task["due"] == "2024-01-05"
    bad = client.get("/api/v1/me/dashboard?year=abc", headers=api_headers(world.leader))
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_request"
    bad = client.get("/api/v1/me/dashboard?year=99999", headers=api_headers(world.leader))
    assert bad.status_code == 400
    assert client.get("/api/v1/me/dashboard").status_code == 401
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/me/dashboard" in doc["paths"]


def test_page_shows_each_roles_tasks(dossier_world, client):
    world = dossier_world
    login(client, world.leader)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Việc cần làm tiếp" in html and "Hội nghị tổng kết khối" in html
    assert "Khóa tự chấm điểm" in html and "05/01/2024" in html  # dates dd/mm/yyyy
    assert f'data-unit="{world.lc_units["SYT"].id}"' in html
    html = client.get("/dashboard?mq=y+te").get_data(as_text=True)
    assert f'data-unit="{world.lc_units["SYT"].id}"' in html
    assert f'data-unit="{world.lc_units["STC"].id}"' not in html
    assert client.get("/dashboard?mpage=abc&year=x").status_code == 200  # bad paging is ignored
    client.post("/auth/logout")
    login(client, world.officer)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Khối chưa gửi kết quả" in html and "Hồ sơ chờ xem xét" in html
    assert world.tv_block.name not in html
    client.post("/auth/logout")
    for user in (world.observer, world.admin, world.outsider):
        login(client, user)
        assert client.get("/dashboard").status_code == 200
        client.post("/auth/logout")


def test_pager_keeps_the_other_lists_queries(dossier_world, client):
    world = dossier_world
    from portal.services.units import save_unit

    with audit_actor("fixture"):
        for i in range(12):
            unit = save_unit(None, world.laichau, code=f"X{i:02}", name=f"Xã số {i:02}", kind="commune")
            world.block.members.append(unit)
            world.round.members.append(matrix_round_member(unit))
        db.session.commit()
    login(client, world.leader)
    html = client.get("/dashboard?msort=code&year=2023").get_data(as_text=True)
    assert "Trang 1/2" in html
    assert "mpage=2" in html and "msort=code" in html and "year=2023" in html
    html = client.get("/dashboard?msort=code&mpage=2").get_data(as_text=True)
    assert "Trang 2/2" in html
    # url_for's own options are not taken from the query string.
    html = client.get("/dashboard?msort=code&_external=1&_scheme=javascript").get_data(as_text=True)
    assert "javascript:" not in html and "mpage=2" in html


def matrix_round_member(unit):
    from portal.models import RoundMember

    return RoundMember(unit_id=unit.id)


def test_listing_is_tone_insensitive_and_bounded():
    rows = ["Sở Y tế", "Sở Tài chính", "Đài Phát thanh"]
    page = dash.listing(rows, dash.ListQuery(q="DAI PHAT"), text=str, sorts={"n": sort_key}, default="n")
    assert page.items == ["Đài Phát thanh"] and page.total == 1
    page = dash.listing(rows, None, text=str, sorts={"n": sort_key}, default="n")
    assert page.items == ["Đài Phát thanh", "Sở Tài chính", "Sở Y tế"]  # Vietnamese order: Đ after D
