"""The floor that benchmarks compare against: the same app, one bare INSERT per request.

Answers 404 unless ``PORTAL_BENCHMARK_FLOOR`` is set, and then writes only to ``bench_floor``, a
table the benchmark creates and drops itself (it is not part of the portal's schema).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db

bp = Blueprint("bench", __name__, url_prefix="/bench")


@bp.route("/insert", methods=["POST"])
def insert():
    if not current_app.config.get("PORTAL_BENCHMARK_FLOOR"):
        abort(404)
    try:
        db.session.execute(text("INSERT INTO bench_floor (v) VALUES ('x')"))
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        abort(503)
    return jsonify(ok=True), 201
