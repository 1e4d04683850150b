"""Who may see and change what: staff see only their own area."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.extensions import db, login_manager
from app.units.models import AdminUnit, UnitLevel


def can_access_unit(user: User, unit: AdminUnit | None) -> bool:
    """Central admins see everything; province staff and approvers their province and its communes;
    commune staff their commune. A record without a unit (national) is for central admins only."""
    if user.role == Role.CENTRAL_ADMIN:
        return True
    if not user.is_staff or user.unit_id is None or unit is None:
        return False
    if unit.id == user.unit_id:
        return True
    own = user.unit
    return own is not None and own.level == UnitLevel.PROVINCE and unit.parent_id == own.id


def can_access_unit_id(session: Session, user: User, unit_id: int | None) -> bool:
    unit = session.get(AdminUnit, unit_id) if unit_id is not None else None
    return can_access_unit(user, unit)


def unit_scope_clause(user: User, unit_id_column: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting a query to the user's area, for any column holding an admin_units.id."""
    if user.role == Role.CENTRAL_ADMIN:
        return true()
    if not user.is_staff or user.unit_id is None:
        return false()
    own = user.unit
    if own is not None and own.level == UnitLevel.PROVINCE:
        return or_(
            unit_id_column == own.id,
            unit_id_column.in_(select(AdminUnit.id).where(AdminUnit.parent_id == own.id)),
        )
    return unit_id_column == user.unit_id


def require_unit(unit_id: int | None) -> None:
    """Abort with 404 (never reveal another area's records) unless the current user covers unit_id."""
    if not can_access_unit_id(db.session, current_user, unit_id):
        abort(404)


def staff_required(*roles: Role) -> Callable:
    """Require a logged-in staff user, optionally with one of `roles` (central admins always pass). The view
    keeps the rule (`view.allows(user)`), so the navigation shows a link only to whom may open it (may_open)."""

    def allows(user: Any) -> bool:
        if not user.is_authenticated or not user.is_staff:
            return False
        return not roles or user.role in roles or user.role == Role.CENTRAL_ADMIN

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allows(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allows = allows  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _donor_allows(user: Any) -> bool:
    return user.is_authenticated and user.role == Role.DONOR and user.donor_id is not None


def donor_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not _donor_allows(current_user):
            abort(403)
        return view(*args, **kwargs)

    wrapped.allows = _donor_allows  # type: ignore[attr-defined]
    return wrapped


def may_open(endpoint: str, user: Any = None) -> bool:
    """Whether `user` (default: the signed-in user) may open the page at `endpoint`: the rule its view's access
    decorator (staff_required, donor_required) enforces, read from the view itself, never restated. A view with
    no such decorator is open (public, or checks only a login). An unknown endpoint raises KeyError."""
    view = current_app.view_functions[endpoint]
    allows = getattr(view, "allows", None)
    return allows is None or allows(current_user if user is None else user)
