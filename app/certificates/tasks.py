"""Background work for certificates: acknowledgement letters, the catch-up sweep and batch issuance.

Every task passes ids, commits its own progress and is safe to run twice (acks_late: a task lost with its
worker is delivered again; what was committed is skipped, the unique constraints back that up).
"""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy import select, text
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
SYSTEM = Actor.system("certificates")


def _mail_and_commit(cert_ids: list[int]) -> int:
    """E-mail each certificate and commit after each one, so a retry never mails the same certificate twice.

    The certificates (with their donors) are read in one query, and committing a mark does not expire the
    others (expire_on_commit off for the loop): one round trip per certificate instead of three. On PostgreSQL
    each mark commits asynchronously (synchronous_commit off for that transaction): it waits for no disk
    flush, and only a crash of PostgreSQL itself within a fraction of a second could lose a mark, which makes
    that certificate mailed again on the retry, as a worker killed between sending and committing always
    did. Issuing certificates (issue_chunk) commits synchronously as before."""
    sent = 0
    session = db.session()
    certs = {
        c.id: c
        for c in session.execute(
            select(Certificate).options(joinedload(Certificate.donor)).where(Certificate.id.in_(cert_ids))
        ).scalars()
    }
    images: dict[int | None, tuple[bytes | None, bytes | None]] = {}
    asynchronous = session.get_bind().dialect.name == "postgresql"
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        for cid in cert_ids:
            cert = certs.get(cid)
            if cert is None:
                continue
            if cert.issuer_unit_id not in images:
                images[cert.issuer_unit_id] = services.issuer_images(session, cert.issuer_unit_id)
            try:
                if asynchronous:
                    session.execute(text("SET LOCAL synchronous_commit TO OFF"))
                if services.mail_certificate(session, cert, images[cert.issuer_unit_id]):
                    sent += 1
                transaction.checkpoint(session)
            except (
                Exception
            ):  # a mail server hiccup must not undo issuance; the sweep of unsent mail retries later
                session.rollback()
                log.exception("certificate %s: e-mail failed", cid)
    finally:
        session.expire_on_commit = expire_on_commit
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
