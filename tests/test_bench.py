"""The benchmark floors (portal/bench.py) and the growth-curve fit (benchmarks/stats.py).

The floors are what every benchmark figure is divided by, so they must do the same work they
claim (the unit's real cells, one bare INSERT) — and stay invisible unless switched on."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from benchmarks.common import create_floor_table
from benchmarks.stats import growth
from portal.extensions import db
from tests.conftest import make_app


@pytest.fixture
def app_config():
    return {"PORTAL_BENCHMARK_FLOOR": KEY}


KEY = "floor-key-for-tests"
FLOOR = {"X-Benchmark-Floor": KEY}


def test_floors_answer_404_unless_switched_on(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/off.sqlite3", tmp_path)
    client = app.test_client()
    assert client.post("/bench/insert").status_code == 404
    assert client.get("/bench/sheet/1/1").status_code == 404


def test_floors_need_the_runs_key_even_when_switched_on(app, round_world):
    """Switched on by a copied environment, the sheet floor must still not show anyone a unit's
    scores: only the benchmark, which knows the key it set, reaches the floors."""
    client = app.test_client()
    path = f"/bench/sheet/{round_world.round.id}/{round_world.self_score.unit_id}"
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"X-Benchmark-Floor": "guess"}).status_code == 404
    assert client.post("/bench/insert").status_code == 404


def test_sheet_floor_shows_the_units_own_cells(app, round_world):
    world = round_world
    cell = world.self_score
    page = app.test_client().get(f"/bench/sheet/{world.round.id}/{cell.unit_id}", headers=FLOOR)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    codes = [c.code for c in world.round.table.criteria]
    assert html.count("<tr>") == len(codes)
    assert all(f"<td>{code}</td>" in html for code in codes)
    assert f"<td>{cell.value:.2f}</td>" in html


def test_insert_floor_writes_one_row(app):
    create_floor_table(db)
    db.session.commit()
    client = app.test_client()
    assert client.post("/bench/insert", headers=FLOOR).status_code == 201
    assert client.post("/bench/insert", headers=FLOOR).status_code == 201
    assert db.session.scalar(text("SELECT count(*) FROM bench_floor")) == 2
    db.session.execute(text("DROP TABLE bench_floor"))
    db.session.commit()


@pytest.mark.parametrize(
    ("values", "curve"),
    [
        ([5.0, 5.4, 5.9], "constant"),  # within the noise
        ([35.0, 16.0, 24.0], "constant"),  # no growth from the smallest size to the largest
        ([1.0, 10.0, 100.0], "linear"),
        ([2.0, 3.0, 12.0], "linear"),  # a fixed cost plus a linear part
        ([10 * 2.303, 100 * 4.605, 1000 * 6.908], "n log n"),
        ([1.0, 100.0, 10_000.0], "n²"),
    ],
)
def test_growth_names_the_curve(values, curve):
    fit = growth([10, 100, 1000], values)
    assert fit["curve"] == curve
