"""Creating users and logging in, with lockout after repeated failures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.passwords import hash_password, password_problem, verify_password
from app.audit.services import record
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.text import nfc
from app.units.models import AdminUnit, UnitLevel


class AccountError(ValueError):
    """A refused account action; the message is Vietnamese."""


ROLE_UNIT_LEVEL = {
    Role.COMMUNE_STAFF: UnitLevel.COMMUNE,
    Role.PROVINCE_STAFF: UnitLevel.PROVINCE,
}


def normalize_email(email: str) -> str:
    return (nfc(email) or "").lower()


def create_user(session: Session, actor: Actor, *, email: str, full_name: str, password: str, role: Role,
                unit_id: int | None = None, donor_id: int | None = None, title: str = "",
                check_password: bool = True) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 255:
        raise AccountError("Email không hợp lệ.")
    if session.execute(select(User.id).where(func.lower(User.email) == email)).first():
        raise AccountError("Email này đã có tài khoản.")
    if check_password and (problem := password_problem(password)):
        raise AccountError(problem)
    if role in (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER):
        unit = session.get(AdminUnit, unit_id) if unit_id else None
        if unit is None:
            raise AccountError("Cán bộ phải gắn với một đơn vị (xã/phường hoặc tỉnh).")
        wanted = ROLE_UNIT_LEVEL.get(role)
        if wanted and unit.level != wanted:
            raise AccountError("Đơn vị không đúng cấp với vai trò.")
    if role == Role.DONOR and donor_id is None:
        raise AccountError("Tài khoản nhà tài trợ phải gắn với một nhà tài trợ.")
    user = User(email=email, full_name=nfc(full_name) or email, password_hash=hash_password(password), role=role,
                unit_id=unit_id if role != Role.DONOR else None, donor_id=donor_id, title=nfc(title) or "")
    session.add(user)
    session.flush()
    record(session, actor, "user.create", "user", user.id, new={"email": email, "role": role, "unit_id": unit_id},
           unit_id=user.unit_id)
    return user


def authenticate(session: Session, email: str, password: str, *, max_failures: int, lock_minutes: int,
                 ip: str | None = None) -> User:
    """Return the user or raise AccountError; repeated failures lock the account for a while."""
    generic = "Email hoặc mật khẩu không đúng."
    user = session.execute(select(User).where(User.email == normalize_email(email))).scalar_one_or_none()
    if user is None:
        verify_password(hash_password("timing-equaliser-1"), password)  # same cost whether or not the user exists
        raise AccountError(generic)
    now = utcnow()
    locked_until = user.locked_until
    if locked_until is not None and locked_until.tzinfo is None:
        from datetime import UTC

        locked_until = locked_until.replace(tzinfo=UTC)
    if locked_until and locked_until > now:
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        raise AccountError(f"Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút.")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            record(session, Actor(user.id, ip, user.email), "user.locked", "user", user.id,
                   new={"locked_until": user.locked_until})
        raise AccountError(generic)
    if not user.is_active_account:
        raise AccountError("Tài khoản đã bị vô hiệu hóa.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def set_password(session: Session, actor: Actor, user: User, new_password: str) -> None:
    if problem := password_problem(new_password):
        raise AccountError(problem)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    record(session, actor, "user.password_change", "user", user.id)
