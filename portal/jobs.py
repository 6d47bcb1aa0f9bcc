"""Background jobs: long work (imports of thousands of rows, printing every block's documents)
runs in a thread of the web process while the page shows its progress.

Why not Celery or RQ: the portal runs on offline provincial intranets where the only services
are the portal and its database; Redis is optional (login throttling only) and a second process
to install, start and watch is one more thing to go wrong. The work here is rare, minutes long
at most, and already has its data in the database, so the database is the queue: a ``jobs`` row
holds the state, the progress and the result, and every gunicorn worker can answer for a job that
another worker runs.

How it works:

* ``submit`` stores the job (``queued``) and starts a daemon thread in this process. A worker runs
  at most ``PORTAL_JOBS_PER_WORKER`` jobs at once; the others wait ``queued``.
* The thread pushes its own app context (its own SQLAlchemy session) and a request context whose
  audit actor and language are the owner's, so what the job writes is logged under the person
  who asked for it.
* Progress goes to the ``jobs`` row through a separate connection every
  ``PORTAL_JOBS_PROGRESS_EVERY`` rows, so it is committed while the work's own transaction stays
  open (an import is still all or nothing). SQLite allows one writer at a time, so while a job
  holds its write transaction there (``JobContext.writing``) the progress stays in this process's
  memory (``_LIVE``), which the job page reads first.
* Each progress write is also a heartbeat. A job left ``queued``/``running`` by a process that
  died (restart, crash, OOM kill) is marked failed by the next reader (``reap_if_dead``): at once
  when its process is known dead (same host, pid gone, or this very process without the thread),
  otherwise when its heartbeat is older than ``PORTAL_JOBS_STALE_SECONDS``.
* ``PORTAL_JOBS_INLINE`` runs the job in the submitting request instead (tests, debugging).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, send_file, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import Job, JobState
from portal.models.base import utcnow

log = logging.getLogger(__name__)

DEFAULTS = {
    "PORTAL_JOBS_INLINE": False,
    "PORTAL_JOBS_PER_WORKER": 2,
    "PORTAL_JOBS_PROGRESS_EVERY": 100,
    "PORTAL_JOBS_STALE_SECONDS": 600,
    "PORTAL_JOBS_KEEP_DAYS": 7,
    # Imports with more rows than this go through a job; smaller ones are written at once.
    "PORTAL_JOBS_IMPORT_THRESHOLD": 500,
}

HOST = socket.gethostname()[:60]
KINDS: dict[str, Callable[[JobContext], dict | None]] = {}

# Progress of the jobs this process runs: job id -> (done, total, message).
_LIVE: dict[int, tuple[int, int, str]] = {}
_LIVE_LOCK = threading.Lock()


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def worker_id() -> str:
    return f"{HOST}:{os.getpid()}"


def task(kind: str):
    """Register the function that does the work of jobs of ``kind``. It receives a
    :class:`JobContext`, reports progress through it, raises :class:`JobFailed` with a message
    for the person when the work cannot be done, and returns the result summary (JSON)."""

    def deco(fn):
        KINDS[kind] = fn
        return fn

    return deco


class JobFailed(Exception):
    """The work cannot be done; ``message`` says why in the owner's language, ``result`` may
    list the details (the rows in error)."""

    def __init__(self, message: str, result: dict | None = None):
        super().__init__(message)
        self.message = message
        self.result = result


class JobContext:
    """What a running job sees: its row's id and parameters, and the progress reporter."""

    def __init__(self, job: Job):
        self.job_id = job.id
        self.owner = job.owner
        self.province_id = job.province_id
        self.params = dict(job.params or {})
        self.total = job.total
        self.done = 0
        self.message = job.message
        self.every = max(1, int(setting("PORTAL_JOBS_PROGRESS_EVERY")))
        self._written = -1
        self._holding = False
        self.sqlite = db.engine.dialect.name == "sqlite"
        self.message_done = ""

    def progress(self, done: int, *, total: int | None = None, message: str | None = None) -> None:
        """Record ``done`` of ``total``; written to the database every ``PORTAL_JOBS_PROGRESS_EVERY``
        steps, at the last step, and whenever the message changes."""
        changed = (total is not None and total != self.total) or (message is not None and message != self.message)
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message
        self.done = min(done, self.total) if self.total else done
        with _LIVE_LOCK:
            _LIVE[self.job_id] = (self.done, self.total, self.message)
        if changed or self.done - self._written >= self.every or self.done == self.total:
            self.flush()

    def flush(self) -> None:
        if self._holding and self.sqlite:
            return  # the job's own transaction holds SQLite's only write lock; _LIVE has it
        values = {"done": self.done, "total": self.total, "message": self.message[:500], "heartbeat_at": utcnow()}
        with db.engine.begin() as conn:
            conn.execute(update(Job.__table__).where(Job.__table__.c.id == self.job_id).values(**values))
        self._written = self.done

    @contextlib.contextmanager
    def writing(self):
        """Around the work's own write transaction (see the module docstring on SQLite)."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False


# -- submitting ----------------------------------------------------------------------------------


def submit(kind: str, owner, *, province_id: int | None = None, params: dict | None = None, total: int = 0,
           message: str = "") -> Job:
    """Store a job for ``owner`` and start it; the caller answers with the job's page."""
    if kind not in KINDS:
        raise KeyError(kind)
    _sweep_files()
    params = dict(params or {})
    params.setdefault("locale", str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]))
    if has_request_context():
        params.setdefault("remote_addr", request.remote_addr)
        params.setdefault("user_agent", (request.user_agent.string or "")[:300])
    job = Job(
        owner_id=owner.id, province_id=province_id, kind=kind, state=JobState.QUEUED, total=total,
        message=message or _("Đang chờ đến lượt…"), params=params, worker=worker_id(), heartbeat_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    with _LIVE_LOCK:  # before any reader can see the row: it is ours, not a dead process's
        _LIVE[job.id] = (0, total, job.message)
    db.session.commit()
    app = current_app._get_current_object()
    if setting("PORTAL_JOBS_INLINE"):
        run(app, job.id)
        db.session.refresh(job)
    else:
        threading.Thread(target=run, args=(app, job.id), name=f"portal-job-{job.id}", daemon=True).start()
    return job


_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def _slots(app: Flask) -> threading.BoundedSemaphore:
    """How many jobs this worker runs at once; one on SQLite, which has a single writer."""
    with _SLOTS_LOCK:
        sem = _SLOTS.get(id(app))
        if sem is None:
            size = int(app.config.get("PORTAL_JOBS_PER_WORKER", DEFAULTS["PORTAL_JOBS_PER_WORKER"]))
            if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
                size = 1
            sem = _SLOTS[id(app)] = threading.BoundedSemaphore(max(1, size))
        return sem


def run(app: Flask, job_id: int) -> None:
    """Run one job to its end (the thread's target). Never raises: every failure ends in the
    job's row as ``failed`` with a message."""
    try:
        with app.app_context(), _slots(app):
            job = db.session.get(Job, job_id)
            if job is None or job.state != JobState.QUEUED:
                return
            environ = {"REMOTE_ADDR": job.params.get("remote_addr") or "", "HTTP_USER_AGENT": job.params.get("user_agent") or ""}
            with app.test_request_context(f"/jobs/{job_id}", environ_base=environ):
                _run_in_context(job)
    except Exception:  # the database went away: nothing more can be recorded here
        log.exception("job %s could not be run", job_id)
    finally:
        with _LIVE_LOCK:
            _LIVE.pop(job_id, None)


def _unexpected() -> str:
    return _("Công việc gặp lỗi ngoài dự kiến nên đã dừng; không dữ liệu nào được ghi. Hãy thử lại hoặc báo quản trị viên.")


def _run_in_context(job: Job) -> None:
    from portal.audit import audit_actor

    fn = KINDS.get(job.kind)
    job.state = JobState.RUNNING
    job.started_at = job.heartbeat_at = utcnow()
    job.worker = worker_id()
    job.message = _("Đang xử lý…")
    db.session.commit()
    owner = job.owner
    locale = job.params.get("locale") or owner.locale
    state, message, result, files = JobState.FAILED, "", None, (None, None)
    total, done = job.total or 0, 0  # kept if setting up the context itself fails
    try:
        with force_locale(locale), audit_actor(owner.username, owner.id):
            ctx = JobContext(job)
            try:
                if fn is None:
                    raise JobFailed(_("Loại công việc không còn được hỗ trợ."))
                outcome = fn(ctx) or {}
                state = JobState.DONE
                message = outcome.pop("message", "") or _("Đã xong.")
                files = outcome.pop("file", None), outcome.pop("file_name", None)
                result = outcome
            except JobFailed as exc:
                db.session.rollback()
                message, result = exc.message, exc.result
            except Exception:
                db.session.rollback()
                log.exception("job %s (%s) failed", job.id, job.kind)
                message = _unexpected()
            total, done = ctx.total, ctx.done
    except Exception:  # the job's context could not be set up: still end the row as failed
        log.exception("job %s (%s) could not start", job.id, job.kind)
        message = message or _unexpected()
    finally:
        db.session.rollback()
    job = db.session.get(Job, job.id)
    if job.state != JobState.RUNNING:
        # Another process judged this job dead (no heartbeat) while it ran: say what really happened.
        log.warning("job %s was marked %s while it still ran; it ended %s", job.id, job.state, state)
    job.state = state
    job.message = message[:500]
    job.result = result
    job.result_file, job.result_name = files
    job.total = total
    job.done = total if state == JobState.DONE else done
    job.finished_at = job.heartbeat_at = utcnow()
    db.session.commit()


# -- reading -------------------------------------------------------------------------------------


def live_progress(job: Job) -> tuple[int, int, str]:
    """The freshest progress: this process's memory for a job it runs, the row otherwise."""
    if not job.finished:
        with _LIVE_LOCK:
            live = _LIVE.get(job.id)
        if live is not None and live[0] >= job.done:
            return live
    return job.done, job.total, job.message


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_dead(job: Job) -> bool:
    """Whether a queued or running job's process is gone (see the module docstring)."""
    if job.finished:
        return False
    with _LIVE_LOCK:
        if job.id in _LIVE:
            return False  # this process runs it
    host, _sep, pid = (job.worker or "").rpartition(":")
    if host == HOST and pid.isdigit():
        if int(pid) == os.getpid() or not _pid_alive(int(pid)):
            return True  # this process has no thread for it, or its process is gone
    last = job.heartbeat_at or job.created_at
    return utcnow() - last > dt.timedelta(seconds=int(setting("PORTAL_JOBS_STALE_SECONDS")))


def reap_if_dead(job: Job) -> Job:
    """Mark a job whose process died as failed (one conditional UPDATE, so a job that reports
    progress at the same moment is left alone)."""
    if not is_dead(job):
        return job
    table = Job.__table__
    stmt = (
        update(table)
        .where(table.c.id == job.id, table.c.state == job.state.value, table.c.heartbeat_at == job.heartbeat_at)
        .values(
            state=JobState.FAILED.value, finished_at=utcnow(),
            message=_("Công việc bị gián đoạn (máy chủ đã khởi động lại hoặc dừng giữa chừng); không dữ liệu nào được ghi. Hãy làm lại."),
        )
    )
    try:
        db.session.execute(stmt)
        db.session.commit()
    except OperationalError:
        # SQLite busy: a writer holds the database, so the job may well be alive; look again later.
        db.session.rollback()
        return job
    db.session.refresh(job)
    return job


def job_json(job: Job) -> dict:
    done, total, message = live_progress(job)
    percent = 100 if job.state == JobState.DONE else (min(100, int(100 * done / total)) if total else 0)
    download = job.state == JobState.DONE and job.result_file is not None
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state.value,
        "done": done,
        "total": total,
        "percent": percent,
        "message": message,
        "result": job.result,
        "province_id": job.province_id,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "url": url_for("jobs.view", job_id=job.id),
        "api_url": url_for("api.job_get", job_id=job.id),
        "download_url": url_for("jobs.download", job_id=job.id) if download else None,
        "result_name": job.result_name if download else None,
    }


# -- result files --------------------------------------------------------------------------------


def files_dir() -> Path:
    path = Path(current_app.instance_path) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def result_path(job: Job) -> Path | None:
    if not job.result_file or "/" in job.result_file or job.result_file.startswith("."):
        return None
    path = files_dir() / job.result_file
    return path if path.is_file() else None


def result_download(job: Job):
    """The finished job's ZIP as an attachment (page and API), or None while there is none."""
    path = result_path(job) if job.state == JobState.DONE else None
    if path is None:
        return None
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=job.result_name or path.name, max_age=0)


def _sweep_files() -> None:
    """Result files are kept ``PORTAL_JOBS_KEEP_DAYS`` days (the row and its summary stay)."""
    cutoff = time.time() - int(setting("PORTAL_JOBS_KEEP_DAYS")) * 86400
    for path in files_dir().iterdir():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


# -- the work ------------------------------------------------------------------------------------

UNITS_IMPORT = "units_import"
DOCUMENTS_PRINT = "documents_print"


def row_errors(errors) -> list[dict]:
    """Import row errors as the API and the job page show them."""
    return [{"row": e.row, "field": e.field, "message": str(e)} for e in errors]


@task(UNITS_IMPORT)
def units_import_task(ctx: JobContext) -> dict:
    """Check the uploaded file again and write every unit in one transaction: all or nothing.

    Progress counts each row twice, once checked and once written; the check parses the whole
    file in one step, so the bar reaches half when it ends."""
    from portal import pending
    from portal.models import Province

    province = db.session.get(Province, ctx.province_id)
    token = ctx.params.get("token", "")
    stored = pending.load(ctx.owner.id, "units", token) if province is not None else None
    if stored is None:
        raise JobFailed(_("Phiên nhập dữ liệu đã hết hạn. Hãy tải tệp lên lại."))
    try:
        return _import_units(ctx, province, *stored)
    finally:
        pending.discard(token)  # used or refused: a new attempt uploads the file again


def _import_units(ctx: JobContext, province, filename: str, data: bytes) -> dict:
    from portal.imports import plan_unit_import
    from portal.services import ServiceError
    from portal.services.units import apply_unit_import

    ctx.progress(0, message=_("Đang kiểm tra tệp…"))
    plan, _preview = plan_unit_import(province, data, filename)
    if not plan.ok:
        raise JobFailed(
            _("Tệp có %(n)s lỗi; chưa ghi dữ liệu nào.", n=len(plan.errors)), {"errors": row_errors(plan.errors)}
        )
    rows = len(plan.creates) + len(plan.updates)
    ctx.progress(rows, total=2 * rows, message=_("Đang ghi dữ liệu…"))
    try:
        with ctx.writing():
            count = apply_unit_import(province, plan, progress=lambda n: ctx.progress(rows + n))
            db.session.commit()
    except ServiceError as exc:
        raise JobFailed(exc.message) from None
    return {
        "message": _("Đã nhập %(n)s đơn vị.", n=count),
        "creates": len(plan.creates),
        "updates": len(plan.updates),
        "count": count,
    }


def _zip_name(name: str) -> str:
    return "".join("-" if c in '/\\:*?"<>|' else c for c in name).strip()


@task(DOCUMENTS_PRINT)
def documents_print_task(ctx: JobContext) -> dict:
    """One ZIP with the latest issued document of the chosen layout of every block of the year,
    as it was printed (the stored PDF, with its number and fingerprint); blocks that have none
    are listed in a text file inside the ZIP and in the result."""
    import secrets
    import zipfile

    from sqlalchemy import select

    from portal.catalogue import report_layouts_for
    from portal.models import Block, Document, Province

    province = db.session.get(Province, ctx.province_id)
    year, code = ctx.params.get("year"), ctx.params.get("layout_code")
    layout = report_layouts_for(province).get(code) if province is not None else None
    if layout is None:
        raise JobFailed(_("Mẫu văn bản này không còn dùng ở tỉnh."))
    blocks = db.session.scalars(
        select(Block).where(Block.province_id == province.id, Block.year == year).order_by(Block.sort_key, Block.code)
    ).all()
    if not blocks:
        raise JobFailed(_("Năm %(year)s chưa có khối thi đua nào.", year=year))
    ctx.progress(0, total=len(blocks), message=_("Đang gom văn bản của các khối…"))
    name = f"{ctx.job_id}-{secrets.token_hex(8)}.zip"
    path = files_dir() / name
    missing, found = [], 0
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
            for index, block in enumerate(blocks, 1):
                document = db.session.scalars(
                    select(Document)
                    .where(Document.block_id == block.id, Document.layout_code == code)
                    .order_by(Document.created_at.desc(), Document.id.desc())
                    .limit(1)
                ).first()
                if document is None:
                    missing.append(block.name)
                else:
                    zf.writestr(_zip_name(f"{index:02d} {block.code} - {document.file_name}"), document.pdf)
                    found += 1
                db.session.expunge_all()  # the PDFs are large: do not keep them all in memory
                ctx.progress(index)
            if missing:
                text = _("Các khối chưa có văn bản “%(title)s” năm %(year)s:", title=layout.title, year=year)
                zf.writestr(_zip_name(_("Các khối chưa có văn bản") + ".txt"), "\n".join([text, *missing]) + "\n")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if not found:
        path.unlink(missing_ok=True)
        raise JobFailed(
            _("Chưa khối nào của năm %(year)s có văn bản “%(title)s” đã ban hành.", year=year, title=layout.title),
            {"blocks": len(blocks), "documents": 0, "missing": missing},
        )
    return {
        "message": _("Đã gom %(n)s văn bản của %(b)s khối.", n=found, b=len(blocks)),
        "blocks": len(blocks),
        "documents": found,
        "missing": missing,
        "file": name,
        "file_name": _zip_name(f"{layout.title} - {province.name} - {year}.zip"),
    }


def import_rows(data: bytes, filename: str) -> int:
    """How many data rows an uploaded file has (0 when it cannot be read: the synchronous path
    then reports why)."""
    from portal import tabular

    try:
        return len(tabular.read_table(data, filename).rows)
    except tabular.TableError:
        return 0


def rows_for_background(data: bytes, filename: str) -> int:
    """The number of rows when an import of this file goes through a job (more rows than
    ``PORTAL_JOBS_IMPORT_THRESHOLD``), else 0. Smaller files are written in the request, at
    once: a job's page would only add a redirect and a poll to a second's work."""
    rows = import_rows(data, filename)
    return rows if rows > int(setting("PORTAL_JOBS_IMPORT_THRESHOLD")) else 0


def submit_units_import(owner, province, token: str, rows: int = 0) -> Job:
    """Hand a previewed (pending) unit import to a job; a second click on "Ghi dữ liệu" finds
    the job the first one started instead of writing the same file twice."""
    from sqlalchemy import select

    recent = db.session.scalars(
        select(Job).where(Job.owner_id == owner.id, Job.kind == UNITS_IMPORT, Job.province_id == province.id)
        .order_by(Job.id.desc()).limit(20)
    )
    for job in recent:
        if (job.params or {}).get("token") == token and job.state != JobState.FAILED:
            return job
    return submit(
        UNITS_IMPORT, owner, province_id=province.id, params={"token": token}, total=2 * rows,
        message=_("Đang chờ đến lượt…"),
    )
