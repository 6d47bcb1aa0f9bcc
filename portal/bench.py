"""The floors that benchmarks compare against, served by the same app on the same server.

* ``POST /bench/insert`` — one bare INSERT per request: the least a write that commits can cost
  (the floor for casting a ballot and saving an agreed score);
* ``GET /bench/sheet/<round_id>/<unit_id>`` — one SELECT of a unit's criteria with its self and
  agreed scores, drawn as a plain HTML table: the least the meeting sheet's page can cost.

Both answer 404 unless ``PORTAL_BENCHMARK_FLOOR`` is set and the request carries its value in
``X-Benchmark-Floor``. The insert writes only to
``bench_floor``, a table the benchmark creates itself (it is not part of the portal's schema).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db

bp = Blueprint("bench", __name__, url_prefix="/bench")

SHEET_SQL = text(
    "SELECT c.code, c.title, c.max_points, s.value AS own, a.value AS agreed, a.version "
    "FROM scoring_rounds r JOIN criteria c ON c.table_id = r.table_id "
    "LEFT JOIN self_scores s ON s.round_id = r.id AND s.unit_id = :unit AND s.criterion_id = c.id "
    "LEFT JOIN agreed_scores a ON a.round_id = r.id AND a.unit_id = :unit AND a.criterion_id = c.id "
    "WHERE r.id = :round ORDER BY c.position, c.id"
)
SHEET_HTML = (
    "{% macro n(v) %}{{ '%.2f'|format(v|float) if v is not none else '' }}{% endmacro %}"
    "<!doctype html><title>{{ round_id }}</title><table>"
    "{% for r in rows %}<tr><td>{{ r.code }}</td><td>{{ r.title }}</td><td>{{ n(r.max_points) }}</td>"
    "<td>{{ n(r.own) }}</td><td><input name=\"c{{ loop.index }}\" value=\"{{ n(r.agreed) }}\" "
    "data-version=\"{{ r.version or '' }}\"></td></tr>{% endfor %}</table>"
)


def _enabled() -> None:
    """The value of ``PORTAL_BENCHMARK_FLOOR`` is a key the benchmark sets for its run and sends
    in ``X-Benchmark-Floor``: a floor switched on by a copied environment still shows nobody a
    unit's scores."""
    key = current_app.config.get("PORTAL_BENCHMARK_FLOOR")
    given = request.headers.get("X-Benchmark-Floor", "")
    if not key or not hmac.compare_digest(given.encode(), str(key).encode()):
        abort(404)


@bp.route("/insert", methods=["POST"])
def insert():
    _enabled()
    try:
        db.session.execute(text("INSERT INTO bench_floor (v) VALUES ('x')"))
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        abort(503)
    return jsonify(ok=True), 201


@bp.route("/sheet/<int:round_id>/<int:unit_id>")
def sheet(round_id: int, unit_id: int):
    _enabled()
    template = current_app.extensions.get("bench_sheet")
    if template is None:  # compiled once per process, as render_template's cache does
        template = current_app.extensions["bench_sheet"] = current_app.jinja_env.from_string(SHEET_HTML)
    rows = db.session.execute(SHEET_SQL, {"round": round_id, "unit": unit_id}).all()
    return template.render(rows=rows, round_id=round_id)
