"""Pages of background jobs: the progress page ``/jobs/<id>``, its JSON for polling, and the
result download. Only the job's owner (and administrators) see a job."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from portal.job_pages import views  # noqa: E402,F401
