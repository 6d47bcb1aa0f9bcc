"""Scoring core through the services: hooks, state machine, score cells and conflicts."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pytest

import tests.plugins.everything as everything
from portal.catalogue import criteria_templates_for
from portal.extensions import db
from portal.models import ProvincePlugin, RoundState, ScoringRound
from portal.services import ServiceError
from portal.services.criteria import create_table
from portal.services.scoring import (
    ScoreConflict,
    ranking,
    save_agreed_score,
    save_self_score,
    submit_self_scores,
)
from portal.services.scoring_rounds import create_round, transition
from tests.conftest import build_world

MONDAY, FRIDAY, SATURDAY = dt.date(2024, 1, 8), dt.date(2024, 1, 5), dt.date(2024, 1, 6)


def _with_everything(world, province, register_plugin):
    register_plugin(everything, "province.dongthap")
    province.plugins.append(ProvincePlugin(plugin_name="province.dongthap"))
    db.session.commit()


def _round(world, province, block, meeting=FRIDAY, conference=MONDAY):
    table = create_table(province, block.year, "Bảng tiêu chí khối", list(everything.EVERYTHING_TEMPLATE.criteria))
    r = create_round(block, table, meeting_date=meeting, conference_date=conference)
    db.session.commit()
    return r


def _leaf(round_, code):
    return next(c for c in round_.table.criteria if c.code == code)


def test_hook_scoring_criteria(world, register_plugin):
    assert "everything_table" not in criteria_templates_for(world.travinh, world.tv_block, 2023)
    _with_everything(world, world.travinh, register_plugin)
    templates = criteria_templates_for(world.travinh, world.tv_block, 2023)
    assert templates["everything_table"].criteria[0].code == "I"
    assert "everything_table" not in criteria_templates_for(world.laichau, world.block, 2023)


def test_hook_validate_scoring_round(world, register_plugin):
    """Lai Châu refuses a meeting on the conference day or a Saturday; Trà Vinh accepts them."""
    table = create_table(world.laichau, 2023, "Bảng", list(everything.EVERYTHING_TEMPLATE.criteria))
    with pytest.raises(ServiceError, match="chậm nhất 01 ngày làm việc"):
        create_round(world.block, table, meeting_date=MONDAY, conference_date=MONDAY)
    with pytest.raises(ServiceError, match="không phải ngày làm việc"):
        create_round(world.block, table, meeting_date=SATURDAY, conference_date=MONDAY)
    db.session.rollback()
    assert db.session.query(ScoringRound).count() == 0
    tv_table = create_table(world.travinh, 2023, "Bảng", list(everything.EVERYTHING_TEMPLATE.criteria))
    assert create_round(world.tv_block, tv_table, meeting_date=SATURDAY, conference_date=MONDAY).id
    # A plugin's veto adds to the others' (the test plugin refuses 29 February).
    _with_everything(world, world.travinh, register_plugin)
    other = world.tv_block
    db.session.delete(db.session.query(ScoringRound).filter_by(block_id=other.id).one())
    db.session.flush()
    with pytest.raises(ServiceError, match="29/02"):
        create_round(other, tv_table, meeting_date=dt.date(2024, 2, 29), conference_date=dt.date(2024, 3, 4))


def test_hook_ranking_rules(world, register_plugin):
    _with_everything(world, world.travinh, register_plugin)
    r = _round(world, world.travinh, world.tv_block)
    leader = _tv_leader(world)
    transition(leader, r, "open_self_scoring")
    transition(leader, r, "close_self_scoring")
    transition(leader, r, "start_meeting")
    a, b = (u.id for u in world.tv_units.values())
    for unit, i1, i2 in ((a, "40", "10"), (b, "30", "20")):
        save_agreed_score(leader, r, unit, _leaf(r, "I.1").id, i1)
        save_agreed_score(leader, r, unit, _leaf(r, "I.2").id, i2)
    rows = ranking(r)
    # Equal totals (50); the plugin's tie-breaker I.1 puts unit a first; band "Khá" from 40.
    assert [(row.unit.id, row.rank, row.shared, row.band) for row in rows] == [(a, 1, False, "Khá"), (b, 2, False, "Khá")]


def _tv_leader(world):
    from portal.models import Role
    from tests.conftest import make_user

    return make_user("khoitruong.tv", Role.UNIT_OFFICER, unit=world.tv_units["SNV"])


def test_state_machine_refuses_wrong_people_and_order(world):
    r = _round(world, world.laichau, world.block)
    with pytest.raises(ServiceError, match="Chỉ khối trưởng") as err:
        transition(world.member, r, "open_self_scoring")
    assert err.value.status == 403
    with pytest.raises(ServiceError, match="Không thể") as err:
        transition(world.leader, r, "start_meeting")
    assert err.value.status == 409
    transition(world.leader, r, "open_self_scoring")
    assert r.state == RoundState.SELF_SCORING and r.table.locked
    with pytest.raises(ServiceError, match="cán bộ thi đua của tỉnh"):
        transition(world.leader, r, "return_results", reason="x")


def test_self_scores_bounds_and_submission(world):
    r = _round(world, world.laichau, world.block)
    transition(world.leader, r, "open_self_scoring")
    stc = world.lc_units["STC"].id
    with pytest.raises(ServiceError, match="từ 0 đến 40,00"):
        save_self_score(world.member, r, stc, _leaf(r, "I.1").id, "41")
    with pytest.raises(ServiceError, match="cán bộ của đơn vị"):
        save_self_score(world.member, r, world.lc_units["SNV"].id, _leaf(r, "I.1").id, "5")
    save_self_score(world.member, r, stc, _leaf(r, "I.1").id, "38,5")
    with pytest.raises(ServiceError, match="Chưa chấm 1 tiêu chí: I.2"):
        submit_self_scores(world.member, r, stc)
    save_self_score(world.member, r, stc, _leaf(r, "I.2").id, "19")
    assert submit_self_scores(world.member, r, stc).self_submitted_at is not None


def test_second_editor_gets_a_conflict_not_an_overwrite(world):
    r = _round(world, world.laichau, world.block)
    for step in ("open_self_scoring", "close_self_scoring", "start_meeting"):
        transition(world.leader, r, step)
    unit, crit = world.lc_units["SYT"].id, _leaf(r, "I.1").id
    first = save_agreed_score(world.leader, r, unit, crit, "30")
    db.session.commit()
    seen = first.version
    save_agreed_score(world.leader, r, unit, crit, "32", version=seen)
    db.session.commit()
    with pytest.raises(ScoreConflict) as err:
        save_agreed_score(world.leader, r, unit, crit, "35", version=seen)
    assert err.value.current_value == D("32") and "32,00" in err.value.message
    with pytest.raises(ScoreConflict):  # no version for a cell that exists: also a conflict
        save_agreed_score(world.leader, r, unit, crit, "35")


def test_simultaneous_saves_of_one_cell_never_overwrite_silently(real_app):
    """Two editors load version 1 and save at the same moment on separate connections: exactly
    one save wins, the other is told about the conflict."""
    with real_app.app_context():
        w = build_world()
        r = _round(w, w.laichau, w.block)
        for step in ("open_self_scoring", "close_self_scoring", "start_meeting"):
            transition(w.leader, r, step)
        cell = save_agreed_score(w.leader, r, w.lc_units["SYT"].id, _leaf(r, "I.1").id, "30")
        db.session.commit()
        ids = (r.id, w.leader.id, w.lc_units["SYT"].id, _leaf(r, "I.1").id, cell.version)
    barrier, outcomes = threading.Barrier(2), []

    def edit(value):
        round_id, user_id, unit_id, crit_id, version = ids
        with real_app.app_context():
            from portal.models import User

            user, round_ = db.session.get(User, user_id), db.session.get(ScoringRound, round_id)
            barrier.wait()
            try:
                save_agreed_score(user, round_, unit_id, crit_id, value, version=version)
                db.session.commit()
                outcomes.append("saved")
            except ScoreConflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=edit, args=(v,)) for v in ("31", "33")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]
