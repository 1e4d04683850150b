"""Creating users, logging in (slowed down per e-mail after repeated failures, never locked), ending sessions,
resetting passwords."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import PasswordResetToken, Role, User
from app.accounts.passwords import hash_password, password_problem, verify_against_nothing, verify_password
from app.accounts.throttle import Device, LoginThrottle
from app.audit.services import record
from app.core.actor import Actor
from app.core.db import rowcount, utcnow
from app.core.messages import N_
from app.core.text import nfc
from app.core.transaction import DomainError
from app.units.models import AdminUnit, UnitLevel


class AccountError(DomainError):
    """A refused account action; the message is Vietnamese."""


ROLE_UNIT_LEVEL = {
    Role.COMMUNE_STAFF: UnitLevel.COMMUNE,
    Role.PROVINCE_STAFF: UnitLevel.PROVINCE,
}


def normalize_email(email: str) -> str:
    return (nfc(email) or "").lower()


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    full_name: str,
    password: str,
    role: Role,
    unit_id: int | None = None,
    donor_id: int | None = None,
    title: str = "",
    check_password: bool = True,
) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 255:
        raise AccountError(N_("Email không hợp lệ."))
    if session.execute(select(User.id).where(func.lower(User.email) == email)).first():
        raise AccountError(N_("Email này đã có tài khoản."))
    if check_password and (problem := password_problem(password)):
        raise AccountError(problem)
    if role in (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER):
        unit = session.get(AdminUnit, unit_id) if unit_id else None
        if unit is None:
            raise AccountError(N_("Cán bộ phải gắn với một đơn vị (xã/phường hoặc tỉnh)."))
        wanted = ROLE_UNIT_LEVEL.get(role)
        if wanted and unit.level != wanted:
            raise AccountError(N_("Đơn vị không đúng cấp với vai trò."))
    if role == Role.DONOR and donor_id is None:
        raise AccountError(N_("Tài khoản nhà tài trợ phải gắn với một nhà tài trợ."))
    user = User(
        email=email,
        full_name=nfc(full_name) or email,
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id if role != Role.DONOR else None,
        donor_id=donor_id,
        title=nfc(title) or "",
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        new={"email": email, "role": role, "unit_id": unit_id},
        unit_id=user.unit_id,
    )
    return user


class LoginDelayed(AccountError):
    """Too many failed attempts for this e-mail from this kind of browser: the next attempt is checked only
    after `seconds`. `wrong` says whether this attempt was checked (and wrong) or refused unchecked."""

    def __init__(self, seconds: int, *, wrong: bool):
        super().__init__(LOGIN_DELAYED_WRONG if wrong else LOGIN_DELAYED)
        self.seconds = seconds
        self.wrong = wrong


WRONG_CREDENTIALS = N_("Email hoặc mật khẩu không đúng.")
LOGIN_DELAYED_WRONG = N_(
    "Email hoặc mật khẩu không đúng. Bạn đã nhập sai nhiều lần: vui lòng chờ %(seconds)s giây rồi thử lại."
)
LOGIN_DELAYED = N_("Bạn đã nhập sai nhiều lần. Vui lòng chờ %(seconds)s giây rồi thử lại.")


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    throttle: LoginThrottle,
    device: Device | None = None,
    ip: str | None = None,
) -> User:
    """Return the user or raise AccountError (LoginDelayed while this e-mail must wait, app/accounts/throttle.py).

    Every answer is the same whether or not the e-mail has an account: the same message, the same delays, and
    the same cost (one password hash check)."""
    address = normalize_email(email)
    bucket = throttle.bucket(address, device)
    attempt = throttle.begin(bucket)
    if attempt.wait:
        raise LoginDelayed(attempt.wait, wrong=False)
    user = session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    if user is None:
        verify_against_nothing(password)
    if user is None or not verify_password(user.password_hash, password):
        if user is not None and attempt.failures == throttle.after_failures:
            record(
                session,
                Actor(None, ip, "public"),
                "user.login_delayed",
                "user",
                user.id,
                new={"failures": attempt.failures, "known_browser": bucket != throttle.bucket(address, None)},
                unit_id=user.unit_id,
            )
        if attempt.delay:
            raise LoginDelayed(attempt.delay, wrong=True)
        raise AccountError(WRONG_CREDENTIALS)
    if not user.is_active_account:
        raise AccountError(N_("Tài khoản đã bị vô hiệu hóa."))
    throttle.succeeded(bucket)
    user.last_login_at = utcnow()
    return user


def set_password(session: Session, actor: Actor, user: User, new_password: str) -> None:
    if problem := password_problem(new_password):
        raise AccountError(problem)
    user.password_hash = hash_password(new_password)
    _bump_session_version(session, user)
    record(session, actor, "user.password_change", "user", user.id)


def _bump_session_version(session: Session, user: User) -> None:
    # In SQL, so two requests ending sessions at once both count (a Python `+= 1` could lose one).
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session="fetch")
    )


def end_all_sessions(session: Session, actor: Actor, user: User, *, everywhere: bool = False) -> None:
    """End every session of the user: each session cookie and remember cookie issued so far, on every browser
    and every copy of it, stops signing anyone in (app/accounts/sessions.py). A plain logout does this too,
    so a cookie copied before logout is worthless; "log out everywhere" (everywhere=True) is audited."""
    _bump_session_version(session, user)
    if everywhere:
        record(session, actor, "user.logout_everywhere", "user", user.id, unit_id=user.unit_id)


# ---------------------------------------------------------------- password reset by single-use link
RESET_TOKEN_HOURS = 1
INVALID_RESET = N_(
    "Liên kết đặt lại mật khẩu không hợp lệ, đã dùng hoặc đã hết hạn. Vui lòng yêu cầu liên kết mới."
)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_reset_token(
    session: Session, email: str, *, ip: str | None = None, max_per_hour: int = 3
) -> tuple[User, str] | None:
    """Create a reset token for an active account (None for an unknown or disabled e-mail, or when the
    account already had `max_per_hour` links in the last hour; the caller answers the same either way,
    so nobody learns which e-mails have accounts and nobody can flood someone's mailbox).
    Earlier unused tokens of the user stop working."""
    address = normalize_email(email)
    user = session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    if user is None or not user.is_active_account:
        return None
    now = utcnow()
    recent = session.execute(
        select(func.count())
        .select_from(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.created_at >= now - timedelta(hours=1)
        )
    ).scalar_one()
    if recent >= max_per_hour:
        return None
    for old in session.execute(
        select(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None)
        )
    ).scalars():
        old.used_at = now
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=RESET_TOKEN_HOURS),
            requested_ip=(ip or "")[:64],
        )
    )
    session.flush()
    record(
        session,
        Actor(None, ip, "public"),
        "user.password_reset_requested",
        "user",
        user.id,
        unit_id=user.unit_id,
    )
    return user, token


def valid_reset_token(session: Session, token: str) -> PasswordResetToken:
    """The unused, unexpired token row for `token`, or AccountError."""
    if not token or len(token) > 200:
        raise AccountError(INVALID_RESET)
    row = session.execute(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise AccountError(INVALID_RESET)
    return row


def reset_password(session: Session, token: str, new_password: str, *, ip: str | None = None) -> User:
    """Use a reset token once: set the password, end every existing session."""
    row = valid_reset_token(session, token)
    user = row.user
    if problem := password_problem(new_password):
        raise AccountError(problem)
    # Mark the token used with a guarded UPDATE so two simultaneous submissions cannot both succeed.
    claimed = rowcount(
        session.execute(
            update(PasswordResetToken)
            .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
            .values(used_at=utcnow())
        )
    )
    if claimed != 1:
        raise AccountError(INVALID_RESET)
    set_password(session, Actor(user.id, ip, user.email), user, new_password)
    session.flush()
    return user
