"""The job page shows progress without blocking anything: the work runs in a thread
(``portal.jobs``), the page polls ``/jobs/<id>.json`` with ``static/jobs.js``, and without
JavaScript it reloads itself (a ``<noscript>`` meta refresh, which CSP allows)."""

from __future__ import annotations

from flask import abort, jsonify, render_template
from flask_login import current_user

from portal import jobs
from portal.extensions import db
from portal.job_pages import bp
from portal.models import Job


def job_for(user, job_id: int) -> Job | None:
    """The job when ``user`` owns it or is an administrator; a dead process's job is reported
    failed on the way."""
    job = db.session.get(Job, job_id)
    if job is None or not (job.owner_id == user.id or user.is_admin):
        return None
    return jobs.reap_if_dead(job)


def _job_or_404(job_id: int) -> Job:
    job = job_for(current_user, job_id)
    if job is None:
        abort(404)  # someone else's job: do not confirm it exists
    return job


@bp.route("/jobs/<int:job_id>")
def view(job_id: int):
    job = _job_or_404(job_id)
    return render_template("jobs/view.html", job=job, info=jobs.job_json(job))


@bp.route("/jobs/<int:job_id>.json")
def status(job_id: int):
    response = jsonify(jobs.job_json(_job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/jobs/<int:job_id>/download")
def download(job_id: int):
    return jobs.result_download(_job_or_404(job_id)) or abort(404)
