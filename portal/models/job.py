"""Long work done in the background (large imports, printing every block's documents): one row per
job, read by the job page and ``GET /api/v1/jobs/<id>`` from whichever worker answers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """A piece of work, its progress (``done`` of ``total``) and its result.

    ``worker`` ("host:pid") and ``heartbeat_at`` let any worker tell a job whose process died
    (restart, crash) from one that is still working: see ``portal.jobs.reap_if_dead``.
    ``result`` is a small JSON summary (counts, the rows in error); ``result_file`` names a file
    in the instance folder's ``jobs/`` directory (the ZIP of printed documents) and
    ``result_name`` the name it is downloaded under.
    """

    __tablename__ = "jobs"
    # Progress rows change many times a second; the work itself is audited as it writes.
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=JobState.QUEUED,
    )
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    result_file: Mapped[str | None] = mapped_column(String(200))
    result_name: Mapped[str | None] = mapped_column(String(200))
    worker: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner = relationship("User")
    province = relationship("Province")

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))
