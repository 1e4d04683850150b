"""Retention periods applied (issue 21.10): each kind of data is kept for the days its RetentionRule says
(rows of privacy_retention_rules, seeded by migration 0017_privacy, edited as data), then pseudonymised or
deleted by the beat task privacy.apply_retention. Idempotent: every rule touches only rows that still hold what
it removes, so a second run finds nothing. Storage limitation: Law 91/2025/QH15 Art. 3 (data kept only as long as
the purpose needs, unless a law says otherwise) — from memory. The audit log (rule audit_log, action KEEP) is
append-only in the database (migration 0001's triggers) and kept 10 years (Law on Accounting 88/2015/QH13
Art. 41); removing entries older than that is an operator's archive procedure, not this task's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from app.accounts.models import PasswordResetToken
from app.audit.services import record
from app.contributions.models import Contribution
from app.core.actor import Actor
from app.core.db import rowcount, utcnow
from app.needs.models import HouseholdNeed, NeedStatus
from app.pledges.models import Pledge
from app.privacy.models import RetentionAction, RetentionRule

log = logging.getLogger(__name__)


def _unpaid_pledge_contacts(session: Session, cutoff: datetime) -> int:
    """Pledges never paid (no contribution at all) older than the cutoff: the contact typed with them goes."""
    paid = exists().where(Contribution.pledge_id == Pledge.id)
    return rowcount(
        session.execute(
            update(Pledge)
            .where(
                Pledge.created_at < cutoff,
                ~paid,
                or_(Pledge.contact_email.is_not(None), Pledge.registered_by != "", Pledge.note != ""),
            )
            .values(contact_email=None, registered_by="", note="")
            .execution_options(synchronize_session=False)
        )
    )


def _password_reset_tokens(session: Session, cutoff: datetime) -> int:
    return rowcount(
        session.execute(
            delete(PasswordResetToken)
            .where(PasswordResetToken.created_at < cutoff)
            .execution_options(synchronize_session=False)
        )
    )


def _households(session: Session, condition: object) -> int:
    """A household's identifying data removed; the need, its amounts and its public initials kept."""
    return rowcount(
        session.execute(
            update(HouseholdNeed)
            .where(
                condition,  # type: ignore[arg-type]
                or_(
                    HouseholdNeed.citizen_id_enc.is_not(None),
                    HouseholdNeed.phone_enc.is_not(None),
                    HouseholdNeed.address_enc.is_not(None),
                    HouseholdNeed.situation != "",
                    HouseholdNeed.head_name != HouseholdNeed.head_initials,
                ),
            )
            .values(
                head_name=HouseholdNeed.head_initials,
                citizen_id_enc=None,
                citizen_id_digest=None,
                phone_enc=None,
                address_enc=None,
                situation="",
                search_key="",
            )
            .execution_options(synchronize_session=False)
        )
    )


def _rejected_households(session: Session, cutoff: datetime) -> int:
    return _households(
        session,
        and_(HouseholdNeed.status == NeedStatus.REJECTED, HouseholdNeed.updated_at < cutoff),
    )


def _handed_over_households(session: Session, cutoff: datetime) -> int:
    return _households(
        session,
        and_(HouseholdNeed.status == NeedStatus.HANDED_OVER, HouseholdNeed.handed_over_on < cutoff.date()),
    )


APPLIERS: dict[str, Callable[[Session, datetime], int]] = {
    "pledge_contacts_unpaid": _unpaid_pledge_contacts,
    "password_reset_tokens": _password_reset_tokens,
    "household_registry_rejected": _rejected_households,
    "household_registry_handed_over": _handed_over_households,
}


def apply_retention(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Apply every rule once; returns the rows changed per rule kind (0 on a second run). Audited when anything
    changed; logged always."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    rules = session.execute(select(RetentionRule).order_by(RetentionRule.id)).scalars().all()
    for rule in rules:
        apply = APPLIERS.get(rule.kind)
        if rule.action in (RetentionAction.STORE_EXPIRY, RetentionAction.KEEP) or apply is None:
            continue
        n = apply(session, now - timedelta(days=rule.days))
        rule.last_run_at = now
        rule.last_count = n
        counts[rule.kind] = n
    session.flush()
    log.info("privacy.apply_retention: %s", counts)
    if any(counts.values()):
        record(
            session,
            Actor.system("privacy.apply_retention"),
            "privacy.retention",
            "retention",
            "run",
            new=counts,
        )
    return counts
