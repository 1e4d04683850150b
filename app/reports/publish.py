"""The public annual report (issue 18.9): a tổng kết published from the same figures the staff report carries, with
the SHA-256 of its canonical JSON and an Ed25519 signature by the Fund's signing key (app.certificates.signing, the
key that signs certificates and the daily roots). Anyone checks a downloaded copy with the public verifier:

    python3 verify_export.py --bao-cao bao-cao-nam-<id>.json --khoa khoa-cong-khai.pem

(app.transparency.verify_export.check_annual_report). The figures are aggregates: no household is named; donors
appear only by the public name they chose, as on the public statement.
"""

from __future__ import annotations

import base64

from sqlalchemy.orm import Session

from app.audit.services import record
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_
from app.core.transaction import DomainError
from app.reports.models import ReportJob, ReportKind, ReportStatus
from app.transparency.verify_export import ANNUAL_CONTEXT, annual_digest, check_annual_report, signed_message


class PublishError(DomainError):
    """A report that cannot be published; the message is Vietnamese."""


def public_figures(figures: dict) -> dict:
    """The published figures: everything the report shows, less the ledger's free-text memos."""
    out = dict(figures)
    out["transfers"] = [{k: v for k, v in t.items() if k != "memo"} for t in figures.get("transfers", [])]
    return out


def body(job: ReportJob) -> dict:
    f = public_figures(job.figures or {})
    doc = f.pop("document", {}) or {}
    return {
        "loai": "bao-cao-tong-ket-nam",
        "ma_bao_cao": job.id,
        "nam": job.period_start.year,
        "ky": [job.period_start.isoformat(), job.period_end.isoformat()],
        "don_vi": f.get("unit", ""),
        "so_van_ban": doc.get("number", ""),
        "ngay_ban_hanh": doc.get("issued_on", ""),
        "nguoi_ky": " – ".join(
            x for x in [doc.get("signer_title", "").replace("\n", " "), doc.get("signer_name", "")] if x
        ),
        "so_lieu": f,
    }


def publish(session: Session, actor: Actor, job: ReportJob) -> bool:
    """Publish a finished tổng kết; False when it already was (the published copy stays as it was signed)."""
    if job.kind != ReportKind.YEAR or job.status != ReportStatus.DONE or not job.figures:
        raise PublishError(N_("Chỉ công bố được báo cáo tổng kết năm đã lập xong."))
    if job.published_at is not None:
        return False
    from app.certificates import signing

    document = body(job)
    document["sha256"] = annual_digest(document)
    job.content_hash = document["sha256"]
    job.signature = base64.b64encode(
        signing.private_key().sign(signed_message(document, ANNUAL_CONTEXT))
    ).decode()
    job.published_at = utcnow()
    record(
        session,
        actor,
        "report.publish",
        "report_job",
        job.id,
        new={"sha256": job.content_hash, "year": job.period_start.year},
        unit_id=job.unit_id,
    )
    return True


def signed_document(job: ReportJob) -> dict:
    """The published report as downloaded: body, sha256 as published, signature."""
    from app.transparency.opendata import public_key_raw

    document = body(job)
    document["sha256"] = job.content_hash
    document["signature"] = {
        "algorithm": "Ed25519",
        "context": ANNUAL_CONTEXT,
        "public_key": base64.b64encode(public_key_raw()).decode(),
        "value": job.signature,
    }
    return document


def still_matches(job: ReportJob) -> bool:
    """Whether the figures kept now still hash and verify as published."""
    from app.transparency.opendata import public_key_raw

    return check_annual_report(signed_document(job), public_key_raw()) is None
