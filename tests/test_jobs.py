"""Background jobs: large imports and printing every block's documents run as jobs whose page shows
the progress; only the owner sees a job; a job whose process died is reported failed.

Most tests run the job in the request (``PORTAL_JOBS_INLINE``); ``test_real_thread_*`` runs it in
its thread while the page answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import sys
import threading
import time
import zipfile

import pytest
from sqlalchemy import func, select

from portal import jobs
from portal.audit import audit_actor
from portal.extensions import db
from portal.models import AuditLog, Job, JobState, Unit
from portal.models.base import utcnow
from tests.conftest import login

ROWS = 2000


@pytest.fixture
def app_config():
    return {"PORTAL_JOBS_INLINE": True}


def _big_csv(rows: int = ROWS, bad_rows: tuple[int, ...] = ()) -> bytes:
    lines = ["Mã đơn vị,Tên đơn vị,Loại đơn vị,Số biên chế"]
    for i in range(rows):
        kind = "loại lạ" if i in bad_rows else "Xã, phường"
        lines.append(f"X{i:05d},\"Ủy ban nhân dân xã số {i}\",\"{kind}\",{i % 90}")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _unit_count(province) -> int:
    return db.session.scalar(select(func.count()).select_from(Unit).where(Unit.province_id == province.id))


def _preview_and_confirm(client, province, data: bytes, *, token: bool = False):
    preview = client.post(
        f"/admin/provinces/{province.id}/units/import",
        data={"file": (io.BytesIO(data), "don-vi.csv")},
        content_type="multipart/form-data",
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200, text[:500]
    pending = text.split('name="token" value="')[1].split('"')[0]
    done = client.post(f"/admin/provinces/{province.id}/units/import", data={"token": pending})
    return (done, pending) if token else done


def _job_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert "/jobs/" in location, location
    return int(location.rstrip("/").rsplit("/", 1)[1])


def test_large_import_runs_as_a_job_and_writes_every_row(client, world):
    login(client, world.officer)
    before = _unit_count(world.laichau)
    last_log = db.session.scalar(select(func.max(AuditLog.id)))
    job_id = _job_id(_preview_and_confirm(client, world.laichau, _big_csv()))
    assert _unit_count(world.laichau) == before + ROWS
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "done" and status["percent"] == 100
    assert status["done"] == status["total"] == 2 * ROWS  # checked, then written
    assert status["result"] == {"creates": ROWS, "updates": 0, "count": ROWS}
    page = client.get(f"/jobs/{job_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Đã nhập 2000 đơn vị." in text and 'value="100"' in text
    assert "http-equiv" not in text  # finished: no more reloading
    # The rows are logged under the officer who asked, not "system".
    actors = db.session.scalars(
        select(AuditLog.actor_name).where(AuditLog.id > last_log, AuditLog.object_type == "Unit").distinct()
    ).all()
    assert actors == [world.officer.username]


def test_small_import_stays_in_the_request(client, world):
    login(client, world.officer)
    done = _preview_and_confirm(client, world.laichau, _big_csv(rows=20))
    assert done.status_code == 302 and "/admin/units" in done.headers["Location"]
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_api_large_import_answers_202_and_a_failing_one_writes_nothing(client, world, api_headers):
    headers = api_headers(world.officer)
    before = _unit_count(world.laichau)
    audit_before = db.session.scalar(select(func.count(AuditLog.id)))
    url = f"/api/v1/provinces/{world.laichau.id}/units/import"
    bad = client.post(
        url, headers=headers, data={"file": (io.BytesIO(_big_csv(bad_rows=(7, 1500))), "don-vi.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 202, bad.get_data(as_text=True)[:300]
    job = bad.get_json()["job"]
    assert bad.headers["Location"].endswith(f"/api/v1/jobs/{job['id']}")
    status = client.get(bad.headers["Location"], headers=headers).get_json()
    assert status["state"] == "failed"
    assert status["message"] == "Tệp có 2 lỗi; chưa ghi dữ liệu nào."
    assert [e["row"] for e in status["result"]["errors"]] == [9, 1502]  # spreadsheet row numbers
    assert _unit_count(world.laichau) == before
    assert db.session.scalar(select(func.count(AuditLog.id))) == audit_before
    # The job page says so in Vietnamese and lists the rows.
    login(client, world.officer)
    page = client.get(f"/jobs/{job['id']}").get_data(as_text=True)
    assert "Tệp có 2 lỗi; chưa ghi dữ liệu nào." in page and "Dòng 1502" in page

    good = client.post(
        url, headers=headers, data={"file": (io.BytesIO(_big_csv()), "don-vi.csv")}, content_type="multipart/form-data"
    )
    assert good.status_code == 202
    status = client.get(good.headers["Location"], headers=headers).get_json()
    assert status["state"] == "done" and status["result"]["count"] == ROWS
    assert _unit_count(world.laichau) == before + ROWS
    # dry_run stays synchronous and writes nothing.
    dry = client.post(
        url + "?dry_run=true", headers=headers, data={"file": (io.BytesIO(_big_csv()), "don-vi.csv")},
        content_type="multipart/form-data",
    )
    assert dry.status_code == 200 and dry.get_json()["updates"] == ROWS and not dry.get_json()["applied"]


def _issue_blocks(world, count: int, year: int = 2024):
    from plugins.national import samples
    from portal.catalogue import report_layouts_for
    from portal.services.blocks import save_block
    from portal.services.documents import issue_document

    layout = report_layouts_for(world.laichau)["vote_count_record"]
    blocks = []
    with audit_actor("fixture"):
        for i in range(count):
            block = save_block(
                None, world.laichau, year=year, code=f"K{i}", name=f"Khối thi đua số {i}",
                member_ids=[], leader_unit_id=None, deputy_unit_id=None,
            )
            vote = samples.vote_count()
            vote = dataclasses.replace(
                vote, header=dataclasses.replace(vote.header, number=None, issuing_body=block.name)
            )
            issue_document(layout, vote, province=world.laichau, block=block, actor=world.leader)
            blocks.append(block)
        db.session.commit()
    return blocks


def test_print_all_blocks_gives_one_zip_with_every_pdf(client, world):
    blocks = _issue_blocks(world, 3)
    login(client, world.officer)
    url = f"/provinces/{world.laichau.id}/documents/print-all"
    form = client.get(url)
    assert form.status_code == 200 and "vote_count_record" in form.get_data(as_text=True)
    job_id = _job_id(client.post(url, data={"year": "2024", "layout_code": "vote_count_record"}))
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "done", status
    assert status["done"] == status["total"] == len(blocks)
    assert status["result"]["documents"] == 3 and status["result"]["missing"] == []
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    data = download.data
    download.close()  # release the file the response streams from
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
        assert all(zf.read(n).startswith(b"%PDF") for n in names)
    assert "Tải về" in client.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_print_all_lists_blocks_without_a_document_and_fails_when_none_has_one(client, world, api_headers):
    _issue_blocks(world, 2)
    headers = api_headers(world.officer)
    url = f"/api/v1/provinces/{world.laichau.id}/documents/print-all"
    # 2023: the world's block has a vote-count record? No: print the ballot papers nobody issued.
    none = client.post(url, headers=headers, json={"year": 2024, "layout_code": "ballot_paper"})
    assert none.status_code == 202
    status = client.get(none.headers["Location"], headers=headers).get_json()
    assert status["state"] == "failed" and "Chưa khối nào của năm 2024" in status["message"]
    assert status["download_url"] is None
    with audit_actor("fixture"):
        from portal.services.blocks import save_block

        save_block(None, world.laichau, year=2024, code="KMOI", name="Khối mới", member_ids=[], leader_unit_id=None, deputy_unit_id=None)
        db.session.commit()
    some = client.post(url, headers=headers, json={"year": 2024, "layout_code": "vote_count_record"})
    status = client.get(some.headers["Location"], headers=headers).get_json()
    assert status["state"] == "done" and status["result"]["missing"] == ["Khối mới"]
    zipped = client.get(f"/api/v1/jobs/{status['id']}/download", headers=headers)
    data = zipped.get_data()
    zipped.close()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sum(n.endswith(".pdf") for n in zf.namelist()) == 2
        assert any(n.endswith(".txt") for n in zf.namelist())
    refused = client.post(url, headers=headers, json={"year": 1999, "layout_code": "vote_count_record"})
    assert refused.status_code == 422 and "year" in refused.get_json()["error"]["fields"]


def test_another_user_gets_404(client, world, api_headers):
    _issue_blocks(world, 1)
    login(client, world.officer)
    job_id = _job_id(
        client.post(f"/provinces/{world.laichau.id}/documents/print-all", data={"year": "2024", "layout_code": "vote_count_record"})
    )
    other = world.app_client = client.application.test_client()
    login(other, world.tv_officer)
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/download"):
        assert other.get(path).status_code == 404, path
    for user in (world.tv_officer, world.observer):
        headers = api_headers(user)
        for path in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/download"):
            response = client.get(path, headers=headers)
            assert response.status_code == 404 and response.get_json()["error"]["code"]
    admin = api_headers(world.admin)
    assert client.get(f"/api/v1/jobs/{job_id}", headers=admin).get_json()["state"] == "done"
    assert client.get(f"/jobs/{job_id}").status_code == 200  # the owner
    # A province reader without the right to print is refused.
    assert client.post(
        f"/api/v1/provinces/{world.laichau.id}/documents/print-all", headers=api_headers(world.observer),
        json={"year": 2024, "layout_code": "vote_count_record"},
    ).status_code == 403


def _stored_job(world, **kw) -> Job:
    job = Job(owner_id=world.officer.id, province_id=world.laichau.id, kind=jobs.UNITS_IMPORT, params={}, **kw)
    db.session.add(job)
    db.session.commit()
    return job


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_job_whose_process_died_is_reported_failed(client, world):
    login(client, world.officer)
    long_ago = utcnow() - dt.timedelta(hours=2)
    silent = _stored_job(world, state=JobState.RUNNING, worker="other-host:4242", heartbeat_at=long_ago, done=10, total=100)
    dead = _stored_job(world, state=JobState.RUNNING, worker=f"{jobs.HOST}:{_dead_pid()}", heartbeat_at=utcnow())
    alive = _stored_job(world, state=JobState.RUNNING, worker="other-host:4242", heartbeat_at=utcnow(), done=5, total=100)
    for job in (silent, dead):
        status = client.get(f"/jobs/{job.id}.json").get_json()
        assert status["state"] == "failed", status
        assert "bị gián đoạn" in status["message"]
        page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
        assert "bị gián đoạn" in page and "http-equiv" not in page
    status = client.get(f"/jobs/{alive.id}.json").get_json()
    assert status["state"] == "running" and status["percent"] == 5
    page = client.get(f"/jobs/{alive.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and "jobs.js" in page


@pytest.fixture
def threaded(real_app):
    """``real_app`` (separate connections, a file for SQLite) with the world, jobs in threads."""
    from tests.conftest import build_world

    real_app.config.update(PORTAL_JOBS_INLINE=False, PORTAL_JOBS_PROGRESS_EVERY=50)
    with real_app.app_context():
        world = build_world()
        ids = {"province": world.laichau.id, "officer": world.officer.username}
    return real_app, ids


def test_real_thread_import_while_the_page_answers(threaded, monkeypatch):
    app, ids = threaded
    halfway, release = threading.Event(), threading.Event()
    original = jobs.JobContext.progress

    def progress(self, done, **kw):
        original(self, done, **kw)
        if done == ROWS + ROWS // 2 and not release.is_set():  # half of the rows written
            halfway.set()
            release.wait(30)

    monkeypatch.setattr(jobs.JobContext, "progress", progress)
    client = app.test_client()
    with app.app_context():
        login(client, ids["officer"])
        response, token = _preview_and_confirm(client, type("P", (), {"id": ids["province"]}), _big_csv(), token=True)
        job_id = _job_id(response)
        samples = [client.get(f"/jobs/{job_id}.json").get_json()]
        assert halfway.wait(60), "the job never reached the middle of its writes"
        try:
            started = time.monotonic()
            page = client.get(f"/jobs/{job_id}")
            # A page blocked by the job would never answer here (the job waits for this test);
            # the bound only catches a page that waits on the job's lock (SQLite busy timeout: 5 s).
            assert page.status_code == 200 and time.monotonic() - started < 4.5
            middle = client.get(f"/jobs/{job_id}.json").get_json()
            samples.append(middle)
            assert middle["state"] == "running"
            assert middle["done"] == ROWS + ROWS // 2 and middle["percent"] == 75
            # A second click on "Ghi dữ liệu" finds the running job instead of starting another.
            again = client.post(f"/admin/provinces/{ids['province']}/units/import", data={"token": token})
            assert _job_id(again) == job_id
            # Nothing is visible before the end: the import is one transaction.
            assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code.like("X%"))) == 0
            db.session.rollback()
        finally:
            release.set()
        deadline = time.monotonic() + 60
        while (status := client.get(f"/jobs/{job_id}.json").get_json())["state"] not in ("done", "failed"):
            samples.append(status)
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        assert status["state"] == "done", status
        done = [s["done"] for s in samples] + [status["done"]]
        assert done == sorted(done) and done[-1] == 2 * ROWS > done[0]
        assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code.like("X%"))) == ROWS
        db.session.remove()
