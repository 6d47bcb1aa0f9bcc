"""Statement budgets of the two hot paths of the scoring meeting (issue 9).

The benchmark (``benchmarks.run_all --only scoring``) showed an agreed-score save costing many
times a bare insert and growing with the block's size, because the access check loaded every
member unit of the block, and three statements ran after the commit only to re-read what the save
had just read or written. These tests count the SQL statements one request sends (a
``before_cursor_execute`` listener), so that the cost cannot silently grow again: one API save and
one meeting sheet each have a fixed number of statements, the same for a 10- and a 100-unit block.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal as D

from sqlalchemy import event

import tests.plugins.everything as everything
from portal.access import can_view_block
from portal.audit import audit_actor
from portal.extensions import db
from portal.models import AgreedScore, Block, Province, ScoringRound, User
from portal.services import meeting as svc
from portal.services.blocks import save_block
from portal.services.criteria import create_table
from portal.services.scoring import save_agreed_score, save_self_score, scorable
from portal.services.scoring_rounds import create_round, transition
from portal.services.units import save_unit
from tests.conftest import login

FRIDAY, MONDAY = dt.date(2024, 1, 5), dt.date(2024, 1, 8)
# The budgets. An agreed-score save through the API: the token, its user and roles (3); the round
# with its block (1); the block membership EXISTS (1); the self score (1); the round member (1);
# the criterion (1); the cell (1); its INSERT or UPDATE and the audit row (2).
SAVE_STATEMENTS = 11
# The meeting sheet: the signed-in user and roles (2); the round with its block and table (1);
# the membership EXISTS (1); the roll with units (1); the criteria (1); the unit's self and agreed
# cells (2); every unit's progress (1); the secretary candidates (1).
SHEET_STATEMENTS = 10


def reads_roll(sent: list[str]) -> bool:
    """Whether any statement read a block's membership other than by one EXISTS (loading the
    roll costs in proportion to the block's size, which the statement count alone would hide)."""
    return any("block_members" in s and not s.lstrip().startswith("SELECT EXISTS") for s in sent)


@contextmanager
def statements():
    """Collect the SQL statements sent to the database while the block runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@dataclass(frozen=True)
class Ids:
    """The ``world`` rows these tests use, by id: each measured request starts from an empty
    session (as in production), which detaches the fixture's objects."""

    province: int
    snv: int
    stc: int
    leader: int
    member: int

    @classmethod
    def of(cls, world) -> Ids:
        u = world.lc_units
        return cls(world.laichau.id, u["SNV"].id, u["STC"].id, world.leader.id, world.member.id)

    def user(self, name: str) -> User:
        return db.session.get(User, getattr(self, name))


def _meeting(ids: Ids, n_units: int, code: str, year: int) -> tuple[int, list[int]]:
    """A block of ``n_units`` in ``year`` (a unit belongs to one block a year) led by the unit SNV
    (the ``world`` leader's), in its scoring meeting, with a self score of the member STC for the
    first criterion. Returns (round, leaf criteria)."""
    with audit_actor("fixture"):
        province = db.session.get(Province, ids.province)
        leader = ids.user("leader")
        extra = [
            save_unit(None, province, code=f"{code}{i:03d}", name=f"Đơn vị {code} số {i:03d}", kind="department")
            for i in range(n_units - 2)
        ]
        block = save_block(
            None, province, year=year, code=code, name=f"Khối {code}",
            member_ids=[ids.snv, ids.stc, *(u.id for u in extra)], leader_unit_id=ids.snv, deputy_unit_id=ids.stc,
        )
        table = create_table(province, year, f"Bảng {code}", list(everything.EVERYTHING_TEMPLATE.criteria))
        r = create_round(block, table, meeting_date=FRIDAY, conference_date=MONDAY)
        transition(leader, r, "open_self_scoring")
        leaves = [c.id for c in scorable(r)]
        save_self_score(ids.user("member"), r, ids.stc, leaves[0], "3")
        transition(leader, r, "close_self_scoring")
        transition(leader, r, "start_meeting")
        db.session.commit()
    return r.id, leaves


def _api_save_counts(app, ids: Ids, api_headers, n_units: int, code: str, year: int) -> tuple[int, int]:
    """Statements of one API save of a new cell, and of one update of it, in a fresh session as
    every request in production has."""
    round_id, leaves = _meeting(ids, n_units, code, year)
    unit_id = ids.stc
    headers = api_headers(ids.user("leader"))
    client = app.test_client()
    # A fresh token's first use stamps it (at most once a minute): not the steady state measured.
    warm = client.put(f"/api/v1/rounds/{round_id}/agreed-scores/{unit_id}/{leaves[1]}", json={"value": "1"},
                      headers=headers)
    assert warm.status_code == 200, warm.get_data(as_text=True)
    url = f"/api/v1/rounds/{round_id}/agreed-scores/{unit_id}/{leaves[0]}"
    counts = []
    for body, version in (({"value": "3", "version": 0}, 1), ({"value": "4", "reason": "Theo biên bản", "version": 1}, 2)):
        db.session.remove()
        with statements() as sent:
            got = client.put(url, json=body, headers=headers)
        assert got.status_code == 200, got.get_data(as_text=True)
        assert not reads_roll(sent) and not any("FROM units" in s for s in sent)
        # The answer, built before the commit, is what is stored.
        assert got.get_json() == {
            "unit_id": unit_id, "criterion_id": leaves[0], "value": f"{D(body['value']):.2f}",
            "reason": body.get("reason", ""), "version": version, "self_value": "3.00",
            "differs": body["value"] != "3",
        }
        counts.append(len(sent))
    db.session.remove()
    stored = db.session.scalar(db.select(AgreedScore).where(AgreedScore.round_id == round_id,
                                                            AgreedScore.criterion_id == leaves[0]))
    assert (stored.value, stored.reason, stored.version) == (D("4"), "Theo biên bản", 2)
    return counts[0], counts[1]


def test_agreed_score_save_has_a_fixed_statement_budget(app, world, api_headers):
    ids = Ids.of(world)
    small = _api_save_counts(app, ids, api_headers, 10, "K10", 2024)
    large = _api_save_counts(app, ids, api_headers, 100, "K100", 2025)
    assert small == (SAVE_STATEMENTS, SAVE_STATEMENTS)
    assert large == small  # the block's size no longer matters


def _sheet_count(app, ids: Ids, n_units: int, code: str, year: int) -> int:
    round_id, leaves = _meeting(ids, n_units, code, year)
    unit_id = ids.stc
    with audit_actor("fixture"):
        r = db.session.get(ScoringRound, round_id)
        save_agreed_score(ids.user("leader"), r, unit_id, leaves[0], "3")
        db.session.commit()
    client = app.test_client()
    login(client, "khoitruong")
    db.session.remove()
    with statements() as sent:
        page = client.get(f"/scoring/{round_id}/meeting?unit={unit_id}")
    assert page.status_code == 200
    assert not reads_roll(sent)
    assert "Sở Tài chính — 1/" in page.get_data(as_text=True)  # the unit picker's progress
    db.session.remove()
    return len(sent)


def test_meeting_sheet_has_a_fixed_statement_budget(app, world):
    ids = Ids.of(world)
    assert _sheet_count(app, ids, 10, "S10", 2024) == SHEET_STATEMENTS
    assert _sheet_count(app, ids, 100, "S100", 2025) == SHEET_STATEMENTS


def test_progress_counts_filled_and_differing_cells_in_one_query(app, world):
    """``progress``: agreed cells with a value, and those differing from a self score — a cell
    without a value, or without a self score, differs from nothing."""
    ids = Ids.of(world)
    round_id, leaves = _meeting(ids, 4, "P4", 2024)
    snv, stc = ids.snv, ids.stc
    with audit_actor("fixture"):
        r = db.session.get(ScoringRound, round_id)
        save_agreed_score(world.leader, r, stc, leaves[0], "2", reason="Thiếu minh chứng")  # differs from 3
        save_agreed_score(world.leader, r, stc, leaves[1], "5")  # no self score
        save_agreed_score(world.leader, r, snv, leaves[1], "1")
        db.session.add(AgreedScore(round_id=round_id, unit_id=snv, criterion_id=leaves[2], value=None, reason=""))
        db.session.commit()
        members = svc.load_members(r)
    with statements() as sent:
        got = svc.progress(r, members)
    assert len(sent) == 1
    assert got[stc] == (2, 1) and got[snv] == (1, 0)
    assert sorted(got.values()) == [(0, 0), (0, 0), (1, 0), (2, 1)]
    assert svc.progress(r) == got  # from the round's own roll alike


def test_block_membership_check_reads_one_row_not_the_roll(app, world):
    """``can_view_block`` for unit officers: an EXISTS on the membership table when the roll is
    not in memory, the roll itself when it is; the same answers either way."""
    cases = [(u.id, expected) for u, expected in (
        (world.member, True), (world.leader, True), (world.outsider, False), (world.officer, True),
        (world.tv_officer, False), (world.admin, True), (world.observer, True),
    )]
    block_id = world.block.id
    for loaded in (False, True):
        db.session.remove()
        block = db.session.get(Block, block_id)
        if loaded:
            assert len(block.members) == 3
        for user_id, expected in cases:
            user = db.session.get(User, user_id)
            assert can_view_block(user, block) is expected, (user.username, loaded)
        if not loaded:
            assert "members" in db.inspect(block).unloaded  # never loaded to answer
