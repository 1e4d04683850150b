"""Users and roles. Staff roles are scoped to one unit (a commune or a province)."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from app.core.messages import N_
from app.extensions import Model
from app.units.models import AdminUnit


class Role(enum.StrEnum):
    DONOR = "donor"
    COMMUNE_STAFF = "commune_staff"
    PROVINCE_STAFF = "province_staff"
    APPROVER = "approver"
    CENTRAL_ADMIN = "central_admin"


ROLE_LABELS = {
    Role.DONOR: N_("Nhà tài trợ"),
    Role.COMMUNE_STAFF: N_("Cán bộ MTTQ xã/phường"),
    Role.PROVINCE_STAFF: N_("Cán bộ MTTQ tỉnh"),
    Role.APPROVER: N_("Người phê duyệt"),
    Role.CENTRAL_ADMIN: N_("Quản trị Trung ương"),
}

STAFF_ROLES = frozenset({Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN})


class User(UserMixin, TimestampMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(255), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    title: Mapped[str] = mapped_column(String(255), default="", nullable=False)  # e.g. "Phó Chủ tịch"
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on logout, "log out everywhere", password change and reset: every older session and remember cookie
    # stops working (app/accounts/sessions.py). Failed logins are counted outside the database
    # (app/accounts/throttle.py), the same way for e-mails with and without an account.
    session_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    unit: Mapped[AdminUnit | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login: the session version invalidates stale sessions
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


class PasswordResetToken(Model):
    """A single-use password reset link. Only the SHA-256 of the token is stored, so a copy of the
    database cannot be used to reset anyone's password."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()
