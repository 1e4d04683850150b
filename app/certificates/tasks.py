"""Background work for certificates: acknowledgement letters, the catch-up sweep and batch issuance.

Every task passes ids, commits its own progress and is safe to run twice (acks_late: a task lost with its
worker is delivered again; what was committed is skipped, the unique constraints back that up).
"""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from app.certificates import services
from app.certificates.models import BatchStatus, Certificate, CertificateBatch
from app.core import outbox, transaction
from app.core.actor import Actor
from app.donors.models import Donor
from app.extensions import db

log = logging.getLogger(__name__)
CHUNK_SIZE = 200  # certificates per chunk task: one transaction, a few seconds of work
MAIL_ROUND = 200  # certificates told per commit
SYSTEM = Actor.system("certificates")


def _mail_and_commit(cert_ids: list[int]) -> int:
    """Tell the donor of each certificate (app.notifications: the messages are written and their delivery queued
    in batches) and commit: marks and messages are committed together, so a retry never tells anyone twice.

    The certificates (with their donors) are read in one query and told MAIL_ROUND at a time, one commit per
    round; the e-mails themselves (the PDF drawn, the mail sent) are the `notifications.deliver` tasks that run
    after each commit. A failure rolls back its round only: its certificates stay unmarked for the sweep."""
    sent = 0
    session = db.session()
    for start in range(0, len(cert_ids), MAIL_ROUND):
        ids = cert_ids[start : start + MAIL_ROUND]
        certs = {
            c.id: c
            for c in session.execute(
                select(Certificate).options(joinedload(Certificate.donor)).where(Certificate.id.in_(ids))
            ).scalars()
        }
        try:
            sent += services.mail_certificates(session, [certs[i] for i in ids if i in certs])
            transaction.checkpoint(session)
        except Exception:  # noqa: BLE001 - telling must not undo issuance; the sweep of unsent mail retries later
            session.rollback()
            log.exception("certificates %s…: notification failed", ids[:3])
    return sent


@shared_task(name="certificates.acknowledge", acks_late=True, reject_on_worker_lost=True)
def acknowledge(contribution_id: int | None = None, pledge_id: int | None = None) -> int | None:
    """Issue (if due) the thank-you letter for a contribution or a pledge and e-mail it. Enqueue after commit."""
    if contribution_id is not None:
        cert = services.acknowledge_contribution(db.session, SYSTEM, contribution_id)
    elif pledge_id is not None:
        cert = services.acknowledge_pledge(db.session, SYSTEM, pledge_id)
    else:
        return None
    if cert is None:
        return None
    cert_id = cert.id
    transaction.checkpoint()  # issued before it is mailed
    _mail_and_commit([cert_id])
    return cert_id


@shared_task(name="certificates.sweep_acknowledgements", acks_late=True, reject_on_worker_lost=True)
def sweep_acknowledgements(limit: int = 2000) -> dict:
    """Catch up on letters nobody enqueued (a payment path that forgot, a lost task) and unsent letters."""
    contributions, pledges = services.unacknowledged(db.session, limit)
    issued: list[int] = []
    for cid in contributions:
        cert = services.acknowledge_contribution(db.session, SYSTEM, cid)
        if cert is not None:
            issued.append(cert.id)
        transaction.checkpoint()
    for pid in pledges:
        cert = services.acknowledge_pledge(db.session, SYSTEM, pid)
        if cert is not None:
            issued.append(cert.id)
        transaction.checkpoint()
    unsent = (
        db.session.execute(
            select(Certificate.id)
            .join(Donor, Donor.id == Certificate.donor_id)
            .where(
                Certificate.emailed_at.is_(None),
                Certificate.batch_id.is_(None),
                Donor.email.is_not(None),
                Donor.email != "",
            )
            .order_by(Certificate.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    sent = _mail_and_commit(list(unsent))
    return {"issued": len(issued), "mailed": sent}


@shared_task(name="certificates.issue_batch", acks_late=True, reject_on_worker_lost=True)
def issue_batch(batch_id: int) -> int:
    """Split an approved batch into chunk tasks (only what is not yet issued). Safe to call again to resume."""
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.status not in (BatchStatus.APPROVED, BatchStatus.ISSUING):
        return 0
    batch.status = BatchStatus.ISSUING
    pending = services.pending_candidate_ids(db.session, batch_id)
    chunks = [pending[i : i + CHUNK_SIZE] for i in range(0, len(pending), CHUNK_SIZE)]
    outbox.enqueue_many(
        db.session, "certificates.issue_chunk", [((batch_id, chunk), {}, None) for chunk in chunks]
    )
    if not chunks:
        services.refresh_progress(db.session, batch_id)
    return len(chunks)  # the chunk tasks are published after the task's commit (app.core.outbox)


# A chunk re-delivered while its first delivery still runs collides on the (batch, donor) constraint; its
# transaction rolls back whole and the retry finds the chunk done.
@shared_task(
    name="certificates.issue_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(IntegrityError, OperationalError),
    retry_backoff=True,
    max_retries=5,
)
def issue_chunk(batch_id: int, candidate_ids: list[int]) -> int:
    """Issue one chunk in one transaction, commit, then e-mail each certificate and update the progress."""
    created = services.issue_chunk(db.session, SYSTEM, batch_id, candidate_ids)
    services.refresh_progress(db.session, batch_id)
    transaction.checkpoint()  # issued before anything is mailed; a collision rolls back whole (the task base)
    # Mail also what an earlier, interrupted run of this chunk issued but did not send.
    to_mail = (
        db.session.execute(
            select(Certificate.id)
            .join(
                services.CommendationCandidate,
                (services.CommendationCandidate.batch_id == Certificate.batch_id)
                & (services.CommendationCandidate.donor_id == Certificate.donor_id),
            )
            .where(
                Certificate.batch_id == batch_id,
                services.CommendationCandidate.id.in_(candidate_ids),
                Certificate.emailed_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    _mail_and_commit(list(to_mail))
    services.refresh_progress(db.session, batch_id)
    return len(created)
