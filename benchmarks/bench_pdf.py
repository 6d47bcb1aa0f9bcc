"""How long printing takes: ms per vote-count record and per 60-unit scoring sheet.

Each is compared with reportlab drawing the same table with no header logic (plain
``SimpleDocTemplate`` + ``Table`` of strings, default styles, no page decorations), so the ratio
shows what the administrative-document machinery (header block, Paragraph cells, repeated header
rows, signatures, fingerprint, Liberation Serif subsetting) costs on top of the bare table.

Run: ``.venv/bin/python benchmarks/bench_pdf.py [repeats]``
"""

from __future__ import annotations

import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.platypus import SimpleDocTemplate, Table  # noqa: E402

from plugins.national import samples  # noqa: E402
from plugins.national.layouts import ScoringSheet, VoteCountRecord  # noqa: E402
from portal.documents import register_fonts, render_pdf  # noqa: E402
from portal.documents.fonts import SERIF  # noqa: E402


def timed(fn, repeats: int) -> float:
    """Median milliseconds of ``fn()`` over ``repeats`` runs, after one warm-up run."""
    fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def plain_table_pdf(rows: list[list[str]], pagesize) -> bytes:
    """The baseline: the same cells as plain strings in one reportlab Table, nothing else."""
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=pagesize, invariant=1)
    table = Table(rows)
    table.setStyle([("FONTNAME", (0, 0), (-1, -1), SERIF), ("FONTSIZE", (0, 0), (-1, -1), 11)])
    doc.build([table])
    return buf.getvalue()


def vote_rows(data) -> list[list[str]]:
    rows = [["STT", "Tên đơn vị", "Số phiếu đồng ý", "Tỷ lệ %", "Kết quả"]]
    for i, c in enumerate(data.candidates, 1):
        pct = f"{c.votes_agree * 100 / data.basis_count:.1f}%"
        rows.append([str(i), c.name, str(c.votes_agree), pct, "Trúng cử" if c.elected else ""])
    return rows


def scoring_rows(data) -> list[list[str]]:
    rows = [["STT", "Tên đơn vị", *(g.code for g in data.groups), "Tự chấm", "Tổng", "Hạng"]]
    for i, r in enumerate(data.rows, 1):
        rows.append(
            [str(i), r.unit_name, *map(str, r.group_scores), str(r.self_score)]
            + [str(r.agreed_score), str(r.rank)]
        )
    return rows


def main(repeats: int = 20) -> None:
    register_fonts()
    vote, sheet = samples.vote_count(), samples.scoring_sheet(60)
    cases = [
        (
            "vote-count record",
            lambda: render_pdf(VoteCountRecord(), vote),
            lambda: plain_table_pdf(vote_rows(vote), A4),
        ),
        (
            "60-unit scoring sheet",
            lambda: render_pdf(ScoringSheet(), sheet),
            lambda: plain_table_pdf(scoring_rows(sheet), landscape(A4)),
        ),
    ]
    print(f"median of {repeats} runs (after a warm-up), Python {sys.version.split()[0]}")
    print(f"{'document':<24}{'portal ms':>11}{'plain ms':>11}{'ratio':>8}{'size KB':>10}")
    for name, ours, plain in cases:
        ours_ms, plain_ms = timed(ours, repeats), timed(plain, repeats)
        size = len(ours()) / 1024
        print(
            f"{name:<24}{ours_ms:>11.1f}{plain_ms:>11.1f}{ours_ms / plain_ms:>7.1f}x{size:>10.0f}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
