"""Accounts, their scoped roles, and personal API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, UTCDateTime, utcnow


class Role(enum.StrEnum):
    """Roles and the scope each one needs (a province, a unit, or none)."""

    ADMIN = "admin"
    PROVINCE_OFFICER = "province_officer"
    UNIT_OFFICER = "unit_officer"
    OBSERVER = "observer"

    @property
    def scope(self) -> str | None:
        return {
            Role.ADMIN: None,
            Role.PROVINCE_OFFICER: "province",
            Role.OBSERVER: "province",
            Role.UNIT_OFFICER: "unit",
        }[self]


def _enum(cls, length=30):
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    sort_key: Mapped[str] = mapped_column(String(800), default="", index=True)
    search_text: Mapped[str] = mapped_column(String(400), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_flag: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on password change or reset so that every other session of the user ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login ---------------------------------------------------------------------------
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.is_active_flag)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    # Role queries used by portal.access ----------------------------------------------------
    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    def province_ids(self, *roles: Role) -> set[int]:
        """Provinces where the user holds one of ``roles``.

        Without ``roles`` the question is "which provinces may this user read": any
        province-scoped role, plus the provinces that merged into those (their records stay under
        their old name as history, e.g. Trà Vinh in Vĩnh Long from 01/07/2025). Managing always
        names the role, so history stays read-only.
        """
        if roles:
            return {r.province_id for r in self.roles if r.role in roles and r.province_id}
        own = {r.province_id for r in self.roles if r.role in (Role.PROVINCE_OFFICER, Role.OBSERVER) and r.province_id}
        return own | self._predecessors(frozenset(own))

    def _predecessors(self, own: frozenset[int]) -> set[int]:
        if not own:
            return set()
        cache = self.__dict__.setdefault("_predecessor_cache", {})
        if own not in cache:
            from sqlalchemy import select

            from portal.models.provinces import Province

            found, frontier = set(), set(own)
            while frontier:  # a merger of a merger keeps its history too
                frontier = set(db.session.scalars(select(Province.id).where(Province.successor_id.in_(frontier)))) - found - own
                found |= frontier
            cache[own] = found
        return set(cache[own])

    def unit_ids(self) -> set[int]:
        return {r.unit_id for r in self.roles if r.role == Role.UNIT_OFFICER and r.unit_id}

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleAssignment(db.Model):
    """One role for one user, scoped to a province or a unit as the role requires."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "province_id", "unit_id"),
        CheckConstraint(
            "(role = 'admin' AND province_id IS NULL AND unit_id IS NULL)"
            " OR (role IN ('province_officer', 'observer') AND province_id IS NOT NULL"
            " AND unit_id IS NULL)"
            " OR (role = 'unit_officer' AND unit_id IS NOT NULL)",
            name="scope_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    user: Mapped[User] = relationship(back_populates="roles")
    province = relationship("Province", lazy="joined")
    unit = relationship("Unit", lazy="joined")


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
