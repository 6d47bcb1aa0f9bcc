"""Page setup, fingerprint and the plain-data checks of the document engine."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from plugins.national import samples
from portal.documents import Margins, fingerprint
from portal.documents.data import (
    AwardRow,
    BallotPaperData,
    Signature,
    UnitScore,
)
from portal.documents.engine import PageSetup, nfc
from portal.documents.fingerprint import canonical_json
from portal.types import BallotRules


def test_default_margins_are_the_decrees():
    m = Margins()
    assert (m.top, m.bottom, m.left, m.right) == (20, 20, 30, 15)
    assert Margins(top=25, bottom=25, left=35, right=20).left == 35


@pytest.mark.parametrize(
    "kwargs",
    [
        {"top": 19},
        {"top": 26},
        {"bottom": 15},
        {"left": 25},
        {"left": 36},
        {"right": 10},
        {"right": 21},
        {"left": "30"},
    ],
)
def test_margins_outside_the_decree_are_refused(kwargs):
    with pytest.raises(ValueError):
        Margins(**kwargs)


def test_page_setup():
    portrait = PageSetup()
    assert portrait.pagesize == pytest.approx((595.28, 841.89), abs=0.01)
    assert portrait.frame_width == pytest.approx((210 - 45) / 25.4 * 72)
    landscape = PageSetup("landscape")
    assert landscape.frame_width == pytest.approx((297 - 45) / 25.4 * 72)
    with pytest.raises(ValueError):
        PageSetup("square")


def test_fingerprint_is_stable_and_canonical():
    a = samples.vote_count()
    assert fingerprint(a) == fingerprint(samples.vote_count())
    assert len(fingerprint(a)) == 64
    # the same values typed differently give the same fingerprint
    assert fingerprint({"b": Decimal("95.50"), "a": "Lai Châu"}) == fingerprint(
        {"a": "Lai Cha\u0302u", "b": Decimal("95.5")}
    )
    changed = dataclasses.replace(a, ballots_invalid=0, ballots_valid=11)
    assert fingerprint(changed) == fingerprint(a)
    assert fingerprint(dataclasses.replace(a, venue="Hội trường B")) != fingerprint(a)
    assert b'"__type__":"VoteCountData"' in canonical_json(a)
    assert canonical_json({"d": dt.date(2024, 1, 5)}) == b'{"d":"2024-01-05"}'
    with pytest.raises(TypeError):
        fingerprint(object())


def test_nfc_rebuilds_nested_frozen_data():
    data = samples.ballot()
    decomposed = dataclasses.replace(
        data,
        candidates=tuple(__import__("unicodedata").normalize("NFD", c) for c in data.candidates),
    )
    assert nfc(decomposed) == data


def test_plain_data_refuses_figures_that_do_not_add_up():
    data = samples.vote_count()
    with pytest.raises(ValueError, match="valid"):
        dataclasses.replace(data, ballots_invalid=3)
    with pytest.raises(ValueError, match="returned"):
        dataclasses.replace(data, ballots_returned=12, ballots_valid=12)
    with pytest.raises(ValueError):
        BallotRules(basis="everyone")
    with pytest.raises(ValueError):
        Signature(title="CHỦ TỊCH", name="A", authority=("THAY MẶT HỘI ĐỒNG",))
    assert Signature(title="PHÓ CHỦ TỊCH", name="A", authority=("TM. HỘI ĐỒNG", "KT. CHỦ TỊCH"))
    with pytest.raises(ValueError, match="add up"):
        sheet = samples.scoring_sheet(3)
        bad = UnitScore("Sở Y tế", (Decimal(1),) * 4, Decimal(4), Decimal(5), 1)
        dataclasses.replace(sheet, rows=(bad,))
    with pytest.raises(ValueError):
        BallotPaperData(header=samples.header(), summary="", award_name="", seats=1, candidates=())


def test_award_row_totals():
    row = AwardRow("Bằng khen của UBND tỉnh", 673, 2083, 1075)
    assert (row.individuals, row.total) == (3158, 3831)
