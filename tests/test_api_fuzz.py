"""Schemathesis against the whole API: every operation, admin token, bounded and reproducible.

For each operation in ``/api/v1/openapi.json`` Hypothesis draws requests from the declared
schema, sometimes aimed at real objects of the module's own world (so bodies reach the services
and not only the 404 of a random id), sometimes with schema-random path values, and sometimes
deliberately invalid (schemathesis's negative mode). Every response must be no 5xx, carry a
status the operation declares, and match the declared response schema (errors included).

Bounded for CI: ``PORTAL_FUZZ_EXAMPLES`` examples per operation (default 8), derandomized, no
example database, so a run is reproducible and takes well under a minute on SQLite. A longer run:
``PORTAL_FUZZ_EXAMPLES=200 .venv/bin/python -m pytest -q tests/test_api_fuzz.py``.

The world is this module's own (one app, built once): DELETEs and state changes made by the
fuzzer never reach other tests. The token in use is never revoked and the admin account is
never a target of user updates, so the run does not lock itself out halfway.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from portal.audit import audit_actor, install_triggers
from portal.extensions import db
from portal.models import Role
from portal.security import new_api_token
from tests.conftest import PDF_BYTES, IsolatedClient, build_world, make_app, make_user

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

# Path values that must never be drawn at random: revoking the token in use, or editing (and
# perhaps deactivating) the fuzzing admin, would turn the rest of the run into 401s.
PINNED = {"tokens_revoke": ("token_id",), "user_update": ("user_id",)}


class BufferingClient(IsolatedClient):
    """Buffers and closes every response: schemathesis reads a file-backed download (evidence,
    dossier items) but leaves the file open, which ``filterwarnings=error`` turns into a failure."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


def _build_fuzz_world():
    """``build_world`` plus one object of every kind the API addresses by id."""
    from plugins.national import samples
    from plugins.national.criteria import DEPARTMENTS
    from portal.catalogue import report_layouts_for
    from portal.services import ballots, dossiers, nominations
    from portal.services.award_records import save_record
    from portal.services.criteria import create_table
    from portal.services.documents import issue_document
    from portal.services.evidence import add_evidence
    from portal.services.scoring_rounds import create_round, transition

    w = build_world()
    with audit_actor("fixture"):
        w.table = create_table(w.laichau, 2023, "Bảng tiêu chí khối", list(DEPARTMENTS.criteria))
        w.round = create_round(
            w.block, w.table, meeting_date=dt.date(2024, 1, 5), conference_date=dt.date(2024, 1, 8)
        )
        transition(w.leader, w.round, "open_self_scoring")
        stc = w.lc_units["STC"]
        w.evidence = add_evidence(w.member, w.round, stc.id, None, "Báo cáo.pdf", PDF_BYTES)
        w.ballot = ballots.create_ballot(
            w.leader, w.block, award_code="co_thi_dua_tinh",
            candidate_unit_ids=[w.lc_units["SNV"].id, stc.id],
        )
        w.nomination = nominations.create_nomination(
            w.member, w.laichau, year=2023, award_code="tap_the_lao_dong_xuat_sac",
            recipient="collective", unit_id=stc.id,
        )
        w.dossier = dossiers.create_dossier(w.member, unit=stc, year=2023)
        w.item = dossiers.upload(
            w.member, w.dossier, "achievement_report", w.nomination.id, "Báo cáo thành tích.pdf", PDF_BYTES
        )
        w.record = save_record(
            None, w.laichau, award_code="bang_khen_ubnd_tinh", recipient="individual",
            recipient_name="Lò Thị Mai", unit_id=stc.id, person_group="worker", position="Chuyên viên",
            category="ktxh", status="decided", decision_number="123/QĐ-UBND",
            decision_date=dt.date(2023, 12, 20), decided_by="Chủ tịch UBND tỉnh",
        )
        vote = samples.vote_count()
        vote = dataclasses.replace(vote, header=dataclasses.replace(vote.header, number=None))
        w.document = issue_document(
            report_layouts_for(w.laichau)["vote_count_record"], vote,
            province=w.laichau, block=w.block, actor=w.leader,
        )
        w.fuzzer = make_user("fuzz.admin", Role.ADMIN)
        spare, _plain = new_api_token(w.fuzzer, "spare")
        _token, w.plain = new_api_token(w.fuzzer, "fuzz")
        db.session.commit()
    w.spare_token_id = spare.id
    return w


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    app = make_app("sqlite://", tmp_path_factory.mktemp("fuzz"))
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            install_triggers(conn)
        world = _build_fuzz_world()
        yield app, world
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _real_values(w) -> dict:
    return {
        "province_id": w.laichau.id,
        "unit_id": w.lc_units["STC"].id,
        "block_id": w.block.id,
        "user_id": w.leader.id,
        "token_id": w.spare_token_id,
        "document_id": w.document.id,
        "fingerprint": w.document.fingerprint,
        "table_id": w.table.id,
        "criterion_id": w.table.criteria[-1].id,
        "round_id": w.round.id,
        "evidence_id": w.evidence.id,
        "ballot_id": w.ballot.id,
        "record_id": w.record.id,
        "nomination_id": w.nomination.id,
        "dossier_id": w.dossier.id,
        "item_id": w.item.id,
        "plugin_name": "province.laichau",
    }


def _strategy(operation, real: dict):
    names = [p.name for p in operation.path_parameters]
    aimed = {n: real[n] for n in names if n in real}
    pinned = {n: real[n] for n in PINNED.get(operation.definition.raw.get("operationId"), ())}
    options = [
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=aimed or None),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=aimed or None),
    ]
    if not pinned or not names:
        options.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned or None))
    return st.one_of(options)


def test_every_operation_survives_generated_requests(fuzz_app):
    """No request drawn from the spec makes the API answer 5xx, an undeclared status or a body
    that breaks its declared schema."""
    app, world = fuzz_app
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {world.plain}"}
    client = BufferingClient(app, app.response_class)
    real = _real_values(world)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 100
    for operation in operations:

        @settings(
            max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_strategy(operation, real))
        def run(case):
            response = case.call(headers=headers, session=client)
            db.session.rollback()  # the end of a real request: nothing of it lingers in the session
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report every operation together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    # The fuzzing admin is still signed in at the end: the run tested the API, not 401s.
    me = app.test_client().get("/api/v1/me", headers=headers)
    assert me.status_code == 200


def test_out_of_range_ids_are_404_whatever_the_method(fuzz_app):
    """An id past the database's integers names no row: 404 for GET, PUT, POST and DELETE alike
    (Werkzeug once answered 405 for a method whose rule came after a GET rule's)."""
    app, world = fuzz_app
    client = BufferingClient(app, app.response_class)
    headers = {"Authorization": f"Bearer {world.plain}"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or not rule.arguments:
            continue
        if any(type(c).__name__ != "IdConverter" for c in rule._converters.values()):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", "9" * 20 if name == sorted(rule.arguments)[0] else "1")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers, json={})
            db.session.rollback()
            assert response.status_code == 404, (method, path, response.status_code)
            assert response.get_json()["error"]["code"] == "not_found"
            checked += 1
    assert checked > 60
