"""Secret ballots through the services: lifecycle, anonymity, races, paper counts, run-off."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import DateTime, inspect, select

from portal.extensions import db
from portal.models import (
    AuditLog,
    Ballot,
    BallotPaper,
    BallotParticipation,
    BallotState,
    Role,
    TallyMember,
)
from portal.services import ServiceError
from portal.services import ballots as svc
from tests.conftest import build_world, make_user


def _ballot(world, *, mode="electronic", seats=1, candidates=None):
    u = world.lc_units
    ids = candidates or [u["SNV"].id, u["STC"].id, u["SYT"].id]
    b = svc.create_ballot(world.leader, world.block, award_code="co_thi_dua_tinh", seats=seats, mode=mode,
                          candidate_unit_ids=ids)
    db.session.commit()
    return b


def _c(ballot, code):
    return next(c.id for c in ballot.candidates if c.unit.code == code)


def test_lifecycle_with_codes(world):
    b = _ballot(world)
    assert (b.rule_basis, b.rule_numerator, b.rule_denominator, b.rule_strict) == ("members", 1, 2, True)
    codes = {v.unit.code: svc.issue_code(world.leader, b, v.unit_id) for v in b.roll}
    svc.open_ballot(world.leader, b)
    with pytest.raises(ServiceError, match="khối trưởng"):
        svc.issue_code(world.member, b, world.lc_units["STC"].id)
    receipt = svc.cast(b.id, [_c(b, "SNV")], code=codes["SNV"].lower().replace("-", " "))
    db.session.commit()
    with pytest.raises(ServiceError, match="Mã bỏ phiếu không đúng|đã bỏ phiếu"):
        svc.cast(b.id, [_c(b, "STC")], code=codes["SNV"])
    svc.cast(b.id, [_c(b, "SNV")], user=world.member)  # through the officer's login
    db.session.commit()
    with pytest.raises(ServiceError, match="đã bỏ phiếu"):
        svc.cast(b.id, [_c(b, "SNV")], code=codes["STC"])  # the same unit, now with its code
    with pytest.raises(ServiceError, match="nhiều nhất 1"):
        svc.cast(b.id, [_c(b, "SNV"), _c(b, "STC")], code=codes["SYT"])
    assert svc.progress(b)["voted"] == 2 and "votes" not in str(svc.progress(b))
    svc.close_ballot(world.leader, b)
    db.session.commit()
    with pytest.raises(ServiceError, match="đã đóng|không mở"):
        svc.cast(b.id, [_c(b, "SNV")], code=codes["SYT"])
    assert b.snapshot["voted"] == sorted([world.lc_units["SNV"].id, world.lc_units["STC"].id])
    svc.publish(world.leader, b)
    db.session.commit()
    # 2 of 3 members is more than half: SNV elected.
    assert b.state == BallotState.PUBLISHED and b.result["elected"] == [_c(b, "SNV")]
    assert "trên 50% so với tổng số thành viên của Khối (03 đơn vị)" in b.result["rule"]
    assert receipt in set(db.session.scalars(select(BallotPaper.receipt)))
    with pytest.raises(ServiceError):
        svc.cancel(world.leader, b, "muộn")  # published results never change


def test_no_path_from_a_ballot_to_a_voter(world):
    b = _ballot(world)
    code = svc.issue_code(world.leader, b, world.lc_units["SYT"].id)
    svc.open_ballot(world.leader, b)
    svc.cast(b.id, [_c(b, "SYT")], code=code)
    db.session.commit()
    papers = inspect(BallotPaper).local_table
    assert {c.name for c in papers.columns} == {"id", "ballot_id", "receipt", "choices", "valid"}
    assert {fk.column.table.name for fk in papers.foreign_keys} == {"ballots"}
    assert not any(isinstance(c.type, DateTime) for c in papers.columns)
    part = inspect(BallotParticipation).local_table
    assert {fk.column.table.name for fk in part.foreign_keys} == {"ballots", "units"}
    assert not any(isinstance(c.type, DateTime) for c in part.columns)
    (paper,) = db.session.scalars(select(BallotPaper)).all()
    stored = repr((paper.id, paper.receipt, paper.choices, paper.valid))
    assert "SYT" not in stored and str(world.lc_units["SYT"].id) not in paper.choices.get("agree_units", [])
    assert len(paper.id) == 32 and int(paper.id, 16)  # random, not a sequence
    logged = {row.object_type for row in db.session.scalars(select(AuditLog))}
    assert "BallotPaper" not in logged and "BallotParticipation" not in logged
    voter_rows = [r for r in db.session.scalars(select(AuditLog).where(AuditLog.object_type == "BallotVoter"))]
    assert all("code_hash" not in (r.after or {}) and "code_hash" not in (r.before or {}) for r in voter_rows)


def test_paper_counts_must_agree_and_be_consistent(world):
    b = _ballot(world, mode="paper")
    svc.open_ballot(world.leader, b)
    svc.close_ballot(world.leader, b)
    second = make_user("kiemphieu2", Role.UNIT_OFFICER, unit=world.lc_units["SYT"])
    svc.set_tally_committee(world.leader, b, [(world.member.id, "Trưởng ban"), (second.id, "Thành viên")])
    ids = [c.id for c in b.candidates]
    with pytest.raises(ServiceError, match=r"không hợp lệ \(4\) lớn hơn số phiếu thu về \(3\)"):
        svc.enter_paper_count(world.member, b, issued=3, returned=3, invalid=4, votes=dict.fromkeys(ids, 0))
    with pytest.raises(ServiceError, match=r"Số phiếu đồng ý của Sở Nội vụ \(4\)"):
        svc.enter_paper_count(world.member, b, issued=3, returned=3, invalid=0, votes={ids[0]: 4, ids[1]: 0, ids[2]: 0})
    svc.enter_paper_count(world.member, b, issued=3, returned=3, invalid=0, votes={ids[0]: 3, ids[1]: 1, ids[2]: 0})
    with pytest.raises(ServiceError, match="Cần hai thành viên"):
        svc.publish(world.leader, b)
    svc.enter_paper_count(second, b, issued=3, returned=3, invalid=0, votes={ids[0]: 2, ids[1]: 1, ids[2]: 0})
    with pytest.raises(ServiceError, match="không khớp"):
        svc.publish(world.leader, b)
    svc.enter_paper_count(second, b, issued=3, returned=3, invalid=0, votes={ids[0]: 3, ids[1]: 1, ids[2]: 0})
    with pytest.raises(ServiceError, match="Ban kiểm phiếu"):
        svc.enter_paper_count(world.leader, b, issued=3, returned=3, invalid=0, votes=dict.fromkeys(ids, 0))
    svc.publish(world.leader, b)
    assert b.result["elected"] == [ids[0]]
    assert db.session.scalar(select(TallyMember.role).where(TallyMember.user_id == world.member.id)) == "Trưởng ban"


def test_tie_creates_a_runoff_in_one_step(world):
    u = world.lc_units
    b = _ballot(world, mode="paper", seats=1)
    svc.open_ballot(world.leader, b)
    svc.close_ballot(world.leader, b)
    svc.set_tally_committee(world.leader, b, [(world.member.id, "Trưởng ban"), (world.leader.id, "Thành viên")])
    ids = [c.id for c in b.candidates]
    for who in (world.member, world.leader):
        svc.enter_paper_count(who, b, issued=3, returned=3, invalid=0, votes={ids[0]: 2, ids[1]: 2, ids[2]: 0})
    svc.publish(world.leader, b)
    assert b.result["elected"] == [] and sorted(b.result["tied"]) == sorted(ids[:2])
    runoff = svc.create_runoff(world.leader, b)
    assert runoff.runoff_of_id == b.id and runoff.seats == 1 and runoff.state == BallotState.DRAFT
    assert {c.unit_id for c in runoff.candidates} == {u["SNV"].id, u["STC"].id}
    with pytest.raises(ServiceError, match="Đã có cuộc bầu lại"):
        svc.create_runoff(world.leader, b)


@pytest.fixture
def hall(real_app):
    """A 30-unit block with an open ballot, on real, separate connections."""
    from portal.services.blocks import save_block
    from portal.services.units import save_unit

    app = real_app
    with app.app_context():
        w = build_world()
        units = [save_unit(None, w.laichau, code=f"XA{i:02d}", name=f"Ủy ban nhân dân xã {i:02d}", kind="commune") for i in range(30)]
        block = save_block(None, w.laichau, year=2024, code="CUMXA", name="Cụm thi đua các xã", member_ids=[x.id for x in units],
                           leader_unit_id=units[0].id, deputy_unit_id=units[1].id)
        leader = make_user("khoitruong.cum", Role.UNIT_OFFICER, unit=units[0])
        ballot = svc.create_ballot(leader, block, award_code="co_thi_dua_tinh", seats=1,
                                   candidate_unit_ids=[x.id for x in units[:3]])
        codes = [svc.issue_code(leader, ballot, x.id) for x in units]
        svc.open_ballot(leader, ballot)
        db.session.commit()
        info = {"ballot_id": ballot.id, "codes": codes, "candidate": ballot.candidates[0].id}
    return app, info


def _race(app, info, codes):
    barrier, outcomes = threading.Barrier(len(codes)), []

    def vote(code):
        with app.app_context():
            barrier.wait()
            try:
                svc.cast(info["ballot_id"], [info["candidate"]], code=code)
                db.session.commit()
                outcomes.append("ok")
            except ServiceError as exc:
                db.session.rollback()
                outcomes.append(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vote, args=(c,)) for c in codes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _counts(app, ballot_id):
    with app.app_context():
        papers = db.session.scalar(select(db.func.count()).select_from(BallotPaper).where(BallotPaper.ballot_id == ballot_id))
        parts = db.session.scalar(select(db.func.count()).select_from(BallotParticipation).where(BallotParticipation.ballot_id == ballot_id))
        return papers, parts


def test_fifty_simultaneous_casts_with_one_code_record_one_ballot(hall):
    app, info = hall
    outcomes = _race(app, info, [info["codes"][5]] * 50)
    assert outcomes.count("ok") == 1 and len(outcomes) == 50 and set(outcomes) - {"ok"} <= {409, 403}
    assert _counts(app, info["ballot_id"]) == (1, 1)


def test_thirty_units_voting_at_once(hall):
    app, info = hall
    outcomes = _race(app, info, info["codes"])
    assert outcomes == ["ok"] * 30
    assert _counts(app, info["ballot_id"]) == (30, 30)


def test_a_vote_racing_the_close_lands_before_it_or_is_refused(hall):
    app, info = hall
    barrier = threading.Barrier(11)
    results = []

    def close():
        with app.app_context():
            barrier.wait()
            ballot = db.session.get(Ballot, info["ballot_id"])
            from portal.models import User

            leader = db.session.scalar(select(User).where(User.username == "khoitruong.cum"))
            svc.close_ballot(leader, ballot)
            db.session.commit()
            db.session.remove()

    def vote(code):
        with app.app_context():
            barrier.wait()
            try:
                svc.cast(info["ballot_id"], [info["candidate"]], code=code)
                db.session.commit()
                results.append("ok")
            except ServiceError:
                db.session.rollback()
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=close)] + [threading.Thread(target=vote, args=(c,)) for c in info["codes"][:10]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with app.app_context():
        ballot = db.session.get(Ballot, info["ballot_id"])
        papers, parts = _counts(app, info["ballot_id"])
        # Every accepted vote is in the box and in the snapshot; nothing slipped in after closing.
        assert papers == parts == results.count("ok") == len(ballot.snapshot["voted"])
