from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.access import staff_required, unit_scope_clause
from app.audit.models import AuditEntry
from app.audit.readable import describe
from app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/can-bo/nhat-ky")
PAGE_SIZE = 50


@bp.route("/")
@staff_required()
def log() -> ResponseReturnValue:
    page = max(1, request.args.get("page", 1, type=int))
    scope = unit_scope_clause(current_user, AuditEntry.unit_id)
    total = db.session.execute(select(func.count()).select_from(AuditEntry).where(scope)).scalar_one()
    entries = (
        db.session.execute(
            select(AuditEntry)
            .where(scope)
            .order_by(AuditEntry.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return render_template(
        "audit/log.html",
        entries=describe(db.session, entries),
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )
