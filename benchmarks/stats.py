"""Growth curves: which of constant, linear, n log n (or worse, n²) the three measured points follow.

Each model ``t = a + b·f(n)`` is fitted by least squares on *relative* residuals (a 10 % miss at
1,000 units weighs as much as a 10 % miss at 10), with ``a, b ≥ 0``. The curve is *constant* when a
flat line misses no point by more than ``CONSTANT_TOLERANCE``; otherwise the two-parameter model
with the smaller error wins — unless the end points show no growth (log-log slope under
``FLAT_SLOPE``), which is constant too. The log-log slope between the end points is printed too: ≈0 constant,
≈1 linear, a little above 1 n log n, ≈2 quadratic.
"""

from __future__ import annotations

import math

CONSTANT_TOLERANCE = 0.2  # noise on a shared two-core machine easily reaches ±10–15 %
FLAT_SLOPE = 0.1  # log-log slope below which the end points show no growth

MODELS = {
    "linear": lambda n: n,
    "n log n": lambda n: n * math.log(n),
    "n²": lambda n: n * n,
}


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Weighted least squares of y = a + b·x with weights 1/y², clamped to a, b ≥ 0."""
    w = [1 / (y * y) for y in ys]
    sw = sum(w)
    sx = sum(wi * x for wi, x in zip(w, xs, strict=True))
    sy = sum(wi * y for wi, y in zip(w, ys, strict=True))
    sxx = sum(wi * x * x for wi, x in zip(w, xs, strict=True))
    sxy = sum(wi * x * y for wi, x, y in zip(w, xs, ys, strict=True))
    det = sw * sxx - sx * sx
    b = (sw * sxy - sx * sy) / det if det else 0.0
    a = (sy - b * sx) / sw
    if b < 0:
        a, b = sy / sw, 0.0
    if a < 0:
        a, b = 0.0, sxy / sxx
    err = math.sqrt(sum(((a + b * x) / y - 1) ** 2 for x, y in zip(xs, ys, strict=True)) / len(xs))
    return a, b, err


def growth(sizes: list[int], values: list[float]) -> dict:
    """The curve through ``(size, value)`` points (value: a cost, e.g. ms; bigger is worse)."""
    pts = [(n, v) for n, v in zip(sizes, values, strict=True) if v and v > 0]
    if len(pts) < 2:
        return {"curve": "n/a", "formula": "", "slope": None}
    ns, vs = [p[0] for p in pts], [p[1] for p in pts]
    slope = math.log(vs[-1] / vs[0]) / math.log(ns[-1] / ns[0])
    mean = sum(1 / v for v in vs) / sum(1 / (v * v) for v in vs)  # the constant's weighted fit
    if max(abs(v / mean - 1) for v in vs) <= CONSTANT_TOLERANCE or slope < FLAT_SLOPE:
        # Within the noise, or no upward trend from the smallest size to the largest (a middle
        # point off the line is noise, not a curve).
        return {"curve": "constant", "formula": f"≈ {mean:.3g}", "slope": round(slope, 2)}
    best = None
    for name, f in MODELS.items():
        a, b, err = _fit([f(n) for n in ns], vs)
        if best is None or err < best[3]:
            best = (name, a, b, err)
    name, a, b, err = best
    term = {"linear": "n", "n log n": "n·ln n", "n²": "n²"}[name]
    return {"curve": name, "formula": f"≈ {a:.3g} + {b:.3g}·{term}", "slope": round(slope, 2),
            "error": round(err, 3)}
