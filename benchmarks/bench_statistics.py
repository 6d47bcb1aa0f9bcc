"""Time to compute a province's yearly award statistics with the service
(``portal.services.award_statistics.compute``: one GROUP BY over the range and the previous year,
both levels with their own date field, then the rows, CỘNG, splits and headline shares) against a
bare ``SELECT award_code, recipient, person_group, category, count(*) … GROUP BY`` over the same
rows, on PostgreSQL (fresh schema; ``PORTAL_BENCH_DATABASE_URL`` or the local default) and on a
file SQLite database.

Run: ``.venv/bin/python benchmarks/bench_statistics.py [--sizes 10000,100000,1000000 --runs 7]``.
The 1,000,000-row size is skipped when the smaller sizes project its insert past ``--budget``
seconds, so a run stays bounded (a few minutes).

The rows: one province, one year (2023), a realistic mix — 84 % provincial (certificates of
merit, provincial emulation soldiers, flags, excellent-labour collectives; 95 % decided by
``decision_date``, the rest proposed), 6 % state level (Labour Orders, the Prime Minister's
certificate, the government's flag, national emulation soldiers; counted by ``submitted_on``:
decided, pending or returned), 10 % grassroots; collectives and individuals as each award allows,
individuals 35 % leaders; categories KT-XH 60 %, thematic 25 %, ad hoc 15 %. Rows are bulk
inserted (executemany) and the tables ANALYZEd before timing. Each figure is the median of
``--runs`` runs after one warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.common import database, write_results  # noqa: E402

PROVINCIAL = [("bang_khen_ubnd_tinh", 70), ("chien_si_thi_dua_tinh", 8), ("co_thi_dua_tinh", 1),
              ("tap_the_lao_dong_xuat_sac", 5)]
STATE = [("huan_chuong_lao_dong_1", 0.2), ("huan_chuong_lao_dong_2", 0.3), ("huan_chuong_lao_dong_3", 0.6),
         ("bang_khen_thu_tuong", 4.6), ("co_thi_dua_chinh_phu", 0.2), ("chien_si_thi_dua_toan_quoc", 0.1)]
GRASSROOTS = [("giay_khen", 6), ("lao_dong_tien_tien", 3), ("chien_si_thi_dua_co_so", 1)]
CATEGORIES = [("ktxh", 60), ("chuyen_de", 25), ("dot_xuat", 15)]
BARE = ("SELECT award_code, recipient, person_group, category, count(*) FROM award_records "
        "GROUP BY award_code, recipient, person_group, category")


def _pick(rng, weighted):
    return rng.choices([x for x, _w in weighted], weights=[w for _x, w in weighted])[0]


def generate(n: int, province_id: int, catalogue, seed: int = 2023):
    """``n`` award-record rows of 2023 as dicts for a bulk INSERT."""
    rng = random.Random(seed)
    awards = PROVINCIAL + STATE + GRASSROOTS
    start = dt.date(2023, 1, 1)
    now = dt.datetime.now(dt.UTC)
    for i in range(n):
        code = _pick(rng, awards)
        award = catalogue[code]
        if len(award.recipients) > 1:  # a form for both: four individuals for one collective
            recipient = "collective" if rng.random() < 0.2 else "individual"
        else:
            recipient = next(iter(award.recipients))
        group = ("leader" if rng.random() < 0.35 else "worker") if recipient == "individual" else None
        day = start + dt.timedelta(days=rng.randrange(365))
        submitted = decided = None
        number = None
        if award.level == "state":
            submitted = day
            status = rng.choices(["decided", "pending", "returned"], weights=[15, 75, 10])[0]
            if status == "decided":
                decided = min(day + dt.timedelta(days=60), dt.date(2023, 12, 31))
        else:
            status = "decided" if rng.random() < 0.95 else "proposed"
            decided = day if status == "decided" else None
        if decided is not None:
            number = f"{1 + i // 200}/QĐ-UBND"
        name = f"Người được khen số {i:07d}"
        yield {
            "province_id": province_id, "year": 2023, "award_code": code, "level": award.level,
            "recipient": recipient, "recipient_name": name, "unit_id": None, "person_group": group,
            "position": "", "category": _pick(rng, CATEGORIES), "status": status,
            "returned_reason": "Trình trễ thời gian so với quy định" if status == "returned" else None,
            "decision_number": number, "decision_date": decided, "decided_by": None, "submitted_on": submitted,
            "nomination_id": None, "search_text": name.lower(), "created_at": now, "updated_at": now,
        }


def median_seconds(fn, runs: int) -> float:
    fn()  # warm-up: plans, caches, the catalogue
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run_one(kind: str, sizes: list[int], runs: int, budget: float) -> list[dict]:
    from sqlalchemy import text

    from portal import create_app
    from portal.audit import audit_actor
    from portal.catalogue import award_types_for
    from portal.extensions import db
    from portal.models.awards import AwardRecord
    from portal.services import award_statistics as svc
    from portal.services.provinces import save_province

    out = []
    insert_rate = None
    for n in sizes:
        if insert_rate is not None and n / insert_rate > budget:
            print(f"  {kind} {n:>9,}: skipped (insert would take ~{n / insert_rate:.0f} s > --budget {budget:.0f} s)")
            out.append({"database": kind, "rows": n, "skipped": True})
            continue
        with database(kind) as url:
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
            with app.app_context():
                db.create_all()
                with audit_actor("bench"):
                    province = save_province(None, code="bench", name="Tỉnh Thử nghiệm")
                    db.session.commit()
                catalogue = award_types_for(province)
                table = AwardRecord.__table__
                started = time.perf_counter()
                batch = []
                for row in generate(n, province.id, catalogue):
                    batch.append(row)
                    if len(batch) == 20_000:
                        db.session.execute(table.insert(), batch)
                        batch = []
                if batch:
                    db.session.execute(table.insert(), batch)
                db.session.commit()
                inserted = time.perf_counter() - started
                insert_rate = n / inserted
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
                start, end = dt.date(2023, 1, 1), dt.date(2023, 12, 31)

                def service(province=province, start=start, end=end):
                    db.session.rollback()  # no identity-map or transaction carry-over between runs
                    return svc.compute(province, start, end)

                def bare():
                    db.session.rollback()
                    return db.session.execute(text(BARE)).all()

                stats = service()
                check = sum(level.total.total for level in stats.levels.values())
                groups = len(bare())
                t_service = median_seconds(service, runs)
                t_bare = median_seconds(bare, runs)
                row = {
                    "database": kind, "rows": n, "insert_s": round(inserted, 2),
                    "service_ms": round(t_service * 1000, 2), "bare_group_by_ms": round(t_bare * 1000, 2),
                    "ratio": round(t_service / t_bare, 2), "counted": check, "bare_groups": groups, "runs": runs,
                }
                print(f"  {kind} {n:>9,}: service {row['service_ms']:>9.2f} ms, bare GROUP BY "
                      f"{row['bare_group_by_ms']:>9.2f} ms, ratio {row['ratio']:.2f} (insert {inserted:.1f} s)")
                out.append(row)
                db.session.remove()
                db.engine.dispose()
    return out


def markdown(rows: list[dict], runs: int) -> str:
    lines = [
        "# Award statistics: the service against a bare GROUP BY",
        "",
        f"One province, one year (2023) of award records, realistic mix (see the script's docstring); median of {runs} "  # noqa: S608
        "runs after a warm-up. *Service* = `award_statistics.compute()` for 01/01–31/12/2023 (one GROUP BY over both "
        "levels, each by its own date field, and the previous year; rows, CỘNG, category and status splits, headline "
        "shares; plus the returned cases' reasons). *Bare* = `SELECT award_code, recipient, person_group, category, "
        "count(*) FROM award_records GROUP BY …` over the same rows.",
        "",
        "| database | rows | service (ms) | bare GROUP BY (ms) | ratio | records counted | bulk insert (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.get("skipped"):
            lines.append(f"| {r['database']} | {r['rows']:,} | skipped (time budget) | | | | |")
            continue
        lines.append(f"| {r['database']} | {r['rows']:,} | {r['service_ms']:.2f} | {r['bare_group_by_ms']:.2f} | "
                     f"{r['ratio']:.2f} | {r['counted']:,} | {r['insert_s']:.1f} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--budget", type=float, default=150.0, help="largest projected insert time, seconds")
    parser.add_argument("--databases", default="postgresql,sqlite")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for kind in args.databases.split(","):
        print(f"{kind}:")
        rows += run_one(kind, sizes, args.runs, args.budget)
    text = markdown(rows, args.runs)
    print()
    print(text)
    write_results("statistics", rows, text)


if __name__ == "__main__":
    main()
