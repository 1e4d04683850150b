"""Certificates: public verification, donors' downloads, staff rules, batches, revocation and signer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.accounts.access import can_access_unit_id, require_unit, staff_required, unit_scope_clause
from app.accounts.models import Role
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import active_campaign
from app.certificates import authority, services, signing
from app.certificates.forms import ApproveForm, ProposeForm, RevokeForm, RuleForm, SignerForm, VerifyForm
from app.certificates.models import (
    ISSUER_LEVEL_LABELS,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateKind,
    CommendationCandidate,
    CommendationRule,
    IssuerLevel,
    IssuerProfile,
)
from app.core import outbox, web
from app.core.actor import Actor
from app.core.messages import N_
from app.core.money import AmountError, parse_vnd
from app.core.text import fold
from app.core.transaction import domain_errors
from app.core.uploads import UploadError, read_upload
from app.donors.models import DONOR_KIND_LABELS, DonorKind
from app.extensions import db, limiter

bp = Blueprint("certificates", __name__)

PAGE_SIZE = 50
MAX_IMAGE_BYTES = 1024 * 1024
VERIFY_RATE_LIMIT = (
    "120 per minute"  # a public page that reads the database: enough for people, not for scrapers
)
SERIAL_TYPED = re.compile(r"^\s*(TCT|GK|BK)\s*-\s*[A-Za-z0-9]{1,12}\s*-\s*\d{4}\s*-\s*\d{1,6}\s*$", re.I)
CODE_IN_TEXT = re.compile(r"(?:/xac-minh/)?([A-Za-z0-9_-]{40,120})\s*$")
# Service errors are shown through domain_errors (message_for): in the reader's language, values included.


def _pdf_response(data: bytes, filename: str, inline: bool = True) -> Response:
    # Certificates are private to their donor and the issuing staff: never kept by a shared cache.
    return web.download(data, filename, "application/pdf", inline=inline)


def _can_see_issuer(unit_id: int | None) -> bool:
    return can_access_unit_id(db.session, current_user, unit_id)


# ------------------------------------------------------------------------------------ public
@bp.route("/xac-minh")
@limiter.limit(VERIFY_RATE_LIMIT)
def verify_form() -> ResponseReturnValue:
    form = VerifyForm(request.args)
    raw = (form.code.data or "").strip()
    if raw and SERIAL_TYPED.match(raw):
        # The printed number (BK-56-2026-000001) typed in: the certificate with that number, verified by its
        # code (issue 19.7). Unknown numbers get the same "not valid" page as a wrong code.
        cert = services.by_serial(db.session, raw)
        if cert is None:
            return render_template(
                "certificates/verify.html",
                result=services.Verification(None, False, False),
                code=raw[:40],
                form=VerifyForm(),
            ), 404
        return redirect(url_for("certificates.verify", code=cert.code))
    if raw:
        m = CODE_IN_TEXT.search(raw)
        return redirect(url_for("certificates.verify", code=m.group(1) if m else raw[:120]))
    return render_template("certificates/verify_form.html", form=form)


@bp.route("/xac-minh/<path:code>")
@limiter.limit(VERIFY_RATE_LIMIT)
def verify(code: str) -> ResponseReturnValue:
    parsed = signing.parse_paper(code)
    if parsed is not None and parsed[0] != signing.KIND_CERTIFICATE:
        # A receipt or a sponsorship record (issue 19.3): the same page address, their own facts.
        from app.papers.views import verify_paper

        return verify_paper(*parsed, code=code)
    result = services.verify_code(db.session, code)
    if not result.valid:
        return render_template("certificates/verify.html", result=result, code=code, form=VerifyForm()), 404
    return render_template("certificates/verify.html", result=result, cert=result.certificate, code=code)


# ------------------------------------------------------------------------------------ donors and downloads
@bp.route("/tai-khoan/giay-chung-nhan")
@login_required
def donor_list() -> ResponseReturnValue:
    if current_user.is_staff:
        return redirect(url_for("certificates.staff_index"))
    certs: Sequence[Certificate] = []
    if current_user.donor_id is not None:
        certs = (
            db.session.execute(
                select(Certificate)
                .where(Certificate.donor_id == current_user.donor_id)
                .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
            )
            .scalars()
            .all()
        )
    return render_template("certificates/donor_list.html", certs=certs)


@bp.route("/giay-chung-nhan/<int:cert_id>.pdf")
@login_required
def download(cert_id: int) -> ResponseReturnValue:
    cert = db.session.get(Certificate, cert_id)
    if cert is None:
        abort(404)
    owner = (
        (not current_user.is_staff) and cert.donor_id is not None and cert.donor_id == current_user.donor_id
    )
    if not owner and not (current_user.is_staff and _can_see_issuer(cert.issuer_unit_id)):
        abort(404)
    return _pdf_response(
        services.certificate_pdf(db.session, cert),
        services.filename_for(cert),
        inline=request.args.get("tai") is None,
    )


# ------------------------------------------------------------------------------------ staff
def _staff_campaign() -> Campaign | None:
    wanted = request.args.get("campaign_id", type=int)
    if wanted:
        c = db.session.get(Campaign, wanted)
        own = current_user.unit
        if c is not None and (
            c.scope_unit_id is None
            or _can_see_issuer(c.scope_unit_id)
            or (own is not None and own.parent_id == c.scope_unit_id)
        ):
            return c
    return active_campaign(db.session, current_user.unit_id)


def _issuer_unit_id() -> int | None:
    """The committee a staff member issues for: their own unit (central admins: the national committee)."""
    return None if current_user.role == Role.CENTRAL_ADMIN else current_user.unit_id


def _can_manage() -> bool:
    return current_user.role in (Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN, Role.COMMUNE_STAFF)


@bp.route("/can-bo/giay-chung-nhan")
@staff_required()
def staff_index() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    page = max(1, request.args.get("page", 1, type=int))
    kind = request.args.get("loai") or ""
    stmt = select(Certificate).where(unit_scope_clause(current_user, Certificate.issuer_unit_id))
    if q:
        stmt = stmt.where(Certificate.search_key.contains(fold(q)))
    if kind in {k.value for k in CertificateKind}:
        stmt = stmt.where(Certificate.kind == CertificateKind(kind))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    certs = (
        db.session.execute(
            stmt.order_by(Certificate.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    batch_stmt = (
        select(CertificateBatch)
        .where(unit_scope_clause(current_user, CertificateBatch.issuer_unit_id))
        .order_by(CertificateBatch.id.desc())
        .limit(20)
    )
    batches = db.session.execute(batch_stmt).scalars().all()
    campaign = _staff_campaign()
    rules: Sequence[CommendationRule] = []
    if campaign is not None:
        rules = (
            db.session.execute(
                select(CommendationRule)
                .where(CommendationRule.campaign_id == campaign.id)
                .order_by(CommendationRule.issuer_level, CommendationRule.min_total_vnd)
            )
            .scalars()
            .all()
        )
    issuer = services.issuer_for(db.session, _issuer_unit_id())
    signer_name, signer_title, profile = services.signer_for(db.session, issuer)
    signer_form = SignerForm(data={"signer_name": signer_name, "signer_title": signer_title})
    campaigns = (
        db.session.execute(
            select(Campaign)
            .where(Campaign.status != CampaignStatus.DRAFT)
            .order_by(Campaign.year.desc(), Campaign.id.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "certificates/staff_index.html",
        certs=certs,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        q=q,
        kind=kind,
        batches=batches,
        campaign=campaign,
        campaigns=campaigns,
        rules=rules,
        rule_form=RuleForm(),
        propose_form=ProposeForm(),
        signer_form=signer_form,
        profile=profile,
        issuer=issuer,
        level_labels=ISSUER_LEVEL_LABELS,
        kind_labels=DONOR_KIND_LABELS,
        can_manage=_can_manage(),
        can_rules=current_user.role in (Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN),
        changeable={r.id for r in rules if services.may_change_rule(db.session, current_user, r)},
        award_forms=authority.AWARD_FORMS,
        authority_levels=list(authority.LEVEL_NAMES.items()),
        can_sign=current_user.role in (Role.APPROVER, Role.CENTRAL_ADMIN),
    )


@bp.route("/can-bo/giay-chung-nhan/quy-tac", methods=["POST"])
@staff_required(Role.PROVINCE_STAFF, Role.APPROVER)
def add_rule() -> ResponseReturnValue:
    form = RuleForm()
    campaign = _staff_campaign()
    if campaign is None:
        flash(_("Chưa có cuộc vận động đang diễn ra."), "error")
        return redirect(url_for("certificates.staff_index"))
    if campaign.scope_unit_id is not None and not _can_see_issuer(campaign.scope_unit_id):
        abort(404)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
        return redirect(url_for("certificates.staff_index"))
    with domain_errors(errors=(AmountError, services.CertificateError)) as outcome:
        minimum = parse_vnd(form.min_total.data, field="Tổng ủng hộ tối thiểu")
        services.add_rule(
            db.session,
            Actor.from_request(),
            campaign.id,
            donor_kind=DonorKind(form.donor_kind.data),
            min_total_vnd=minimum,
            kind=CertificateKind(form.kind.data),
            issuer_level=IssuerLevel(form.issuer_level.data),
            achievement=form.achievement.data or "",
        )
    if outcome.ok:
        flash(_("Đã thêm quy tắc khen thưởng."), "success")
    return redirect(url_for("certificates.staff_index", campaign_id=campaign.id))


@bp.route("/can-bo/giay-chung-nhan/quy-tac/<int:rule_id>/tat", methods=["POST"])
@staff_required(Role.PROVINCE_STAFF, Role.APPROVER)
def deactivate_rule(rule_id: int) -> ResponseReturnValue:
    rule = db.session.get(CommendationRule, rule_id)
    if rule is None or not services.may_change_rule(db.session, current_user, rule):
        abort(404)  # another committee's rule: not ours to disable (issue 19.7)
    services.deactivate_rule(db.session, Actor.from_request(), rule_id)
    flash(_("Đã ngừng áp dụng quy tắc."), "success")
    return redirect(url_for("certificates.staff_index", campaign_id=rule.campaign_id))


@bp.route("/can-bo/giay-chung-nhan/dot", methods=["POST"])
@staff_required()
def propose() -> ResponseReturnValue:
    form = ProposeForm()
    campaign = _staff_campaign()
    if not form.validate_on_submit() or campaign is None:
        problems = [str(e) for e in form.title.errors] or [_("Biểu mẫu không hợp lệ.")]
        for problem in [_("Chưa có cuộc vận động để lập danh sách.")] if campaign is None else problems:
            flash(problem, "error")
        return redirect(url_for("certificates.staff_index"))
    with domain_errors(errors=services.CertificateError) as outcome:
        batch = services.propose_batch(
            db.session, Actor.from_request(), campaign.id, _issuer_unit_id(), form.title.data or ""
        )
    if not outcome.ok:
        return redirect(url_for("certificates.staff_index"))
    flash(
        _("Đã lập danh sách đề nghị khen thưởng: %(n)s nhà tài trợ. Chờ người phê duyệt.", n=batch.total),
        "success",
    )
    return redirect(url_for("certificates.batch_detail", batch_id=batch.id))


def _batch_or_404(batch_id: int) -> CertificateBatch:
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None:
        abort(404)
    require_unit(batch.issuer_unit_id)  # a national batch (no unit): central admins only
    return batch


@bp.route("/can-bo/giay-chung-nhan/dot/<int:batch_id>")
@staff_required()
def batch_detail(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    candidates = (
        db.session.execute(
            select(CommendationCandidate)
            .where(CommendationCandidate.batch_id == batch.id)
            .order_by(CommendationCandidate.total_vnd.desc())
            .limit(500)
        )
        .scalars()
        .all()
    )
    can_approve = (
        current_user.role in (Role.APPROVER, Role.CENTRAL_ADMIN)
        and batch.status == BatchStatus.PROPOSED
        and batch.created_by_id != current_user.id
    )
    return render_template(
        "certificates/batch.html",
        batch=batch,
        candidates=candidates,
        can_approve=can_approve,
        form=ApproveForm(),
        running=batch.status in (BatchStatus.APPROVED, BatchStatus.ISSUING),
    )


@bp.route("/can-bo/giay-chung-nhan/dot/<int:batch_id>/tien-do")
@staff_required()
def batch_progress(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    return jsonify(
        status=batch.status.value,
        status_label=batch.status_label,
        total=batch.total,
        issued=batch.issued_count,
        emailed=batch.emailed_count,
        percent=batch.percent,
    )


@bp.route("/can-bo/giay-chung-nhan/dot/<int:batch_id>/duyet", methods=["POST"])
@staff_required(Role.APPROVER)
def approve(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
        return redirect(url_for("certificates.batch_detail", batch_id=batch.id))
    excluded = [int(v) for v in request.form.getlist("exclude") if v.isdecimal()]
    with domain_errors(errors=services.CertificateError) as outcome:
        services.approve_batch(
            db.session,
            Actor.from_request(),
            batch.id,
            decision_no=form.decision_no.data,
            decision_date=form.decision_date.data,
            excluded_candidate_ids=excluded,
        )
        # committed with the approval, published after it (the worker must see the approval)
        outbox.enqueue(db.session, "certificates.issue_batch", batch.id)
    if not outcome.ok:
        return redirect(url_for("certificates.batch_detail", batch_id=batch.id))
    flash(_("Đã phê duyệt. Giấy khen đang được cấp và gửi thư điện tử trong nền."), "success")
    return redirect(url_for("certificates.batch_detail", batch_id=batch.id))


@bp.route("/can-bo/giay-chung-nhan/dot/<int:batch_id>/tu-choi", methods=["POST"])
@staff_required(Role.APPROVER)
def reject(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    with domain_errors(errors=services.CertificateError) as outcome:
        services.reject_batch(db.session, Actor.from_request(), batch.id)
    if outcome.ok:
        flash(_("Đã không duyệt danh sách này."), "success")
    return redirect(url_for("certificates.batch_detail", batch_id=batch.id))


@bp.route("/can-bo/giay-chung-nhan/dot/<int:batch_id>/tiep-tuc", methods=["POST"])
@staff_required()
def resume(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    if batch.status in (BatchStatus.APPROVED, BatchStatus.ISSUING):
        outbox.enqueue(db.session, "certificates.issue_batch", batch.id)
        flash(_("Đã yêu cầu cấp tiếp phần còn lại."), "success")
    return redirect(url_for("certificates.batch_detail", batch_id=batch.id))


@bp.route("/can-bo/giay-chung-nhan/dot/<int:batch_id>.pdf")
@staff_required()
def batch_pdf(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    if batch.issued_count == 0:
        abort(404)
    return _pdf_response(
        services.batch_pdf(db.session, batch), f"dot-khen-thuong-{batch.id}.pdf", inline=False
    )


@bp.route("/can-bo/giay-chung-nhan/<int:cert_id>")
@staff_required()
def detail(cert_id: int) -> ResponseReturnValue:
    cert = db.session.get(Certificate, cert_id)
    if cert is None or not _can_see_issuer(cert.issuer_unit_id):
        abort(404)
    return render_template(
        "certificates/detail.html",
        cert=cert,
        form=RevokeForm(),
        verify_url=services.verification_url(cert),
        can_revoke=current_user.role in (Role.APPROVER, Role.CENTRAL_ADMIN) and not cert.is_revoked,
    )


@bp.route("/can-bo/giay-chung-nhan/<int:cert_id>/thu-hoi", methods=["POST"])
@staff_required(Role.APPROVER)
def revoke(cert_id: int) -> ResponseReturnValue:
    cert = db.session.get(Certificate, cert_id)
    if cert is None or not _can_see_issuer(cert.issuer_unit_id):
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
        return redirect(url_for("certificates.detail", cert_id=cert.id))
    with domain_errors(errors=services.CertificateError) as outcome:
        services.revoke(db.session, Actor.from_request(), cert.id, form.reason.data)
    if outcome.ok:
        flash(
            _("Đã thu hồi %(kind)s số %(serial)s.", kind=_(cert.kind_label).lower(), serial=cert.serial),
            "success",
        )
    return redirect(url_for("certificates.detail", cert_id=cert.id))


@bp.route("/can-bo/giay-chung-nhan/nguoi-ky", methods=["POST"])
@staff_required(Role.APPROVER)
def signer() -> ResponseReturnValue:
    form = SignerForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
        return redirect(url_for("certificates.staff_index"))
    images: dict[str, bytes | None] = {}
    with domain_errors(errors=services.CertificateError) as outcome:
        for name, label in (("seal", "Ảnh con dấu"), ("signature", "Ảnh chữ ký")):
            storage = getattr(form, name).data
            if storage is not None and getattr(storage, "filename", None):
                try:
                    _kind, data = read_upload(storage, allowed=("png",), max_bytes=MAX_IMAGE_BYTES)
                except UploadError as exc:
                    raise services.CertificateError(
                        N_("%(label)s: %(error)s", label=label, error=exc)
                    ) from exc
                images[name] = data
        services.save_profile(
            db.session,
            Actor.from_request(),
            _issuer_unit_id(),
            signer_name=form.signer_name.data,
            signer_title=form.signer_title.data,
            seal_png=images.get("seal"),
            signature_png=images.get("signature"),
            remove_images=bool(form.remove_images.data),
        )
    if outcome.ok:
        flash(_("Đã lưu người ký."), "success")
    return redirect(url_for("certificates.staff_index"))


@bp.route("/can-bo/giay-chung-nhan/nguoi-ky/<kind>.png")
@staff_required()
def signer_image(kind: str) -> ResponseReturnValue:
    issuer = services.issuer_for(db.session, _issuer_unit_id())
    profile = db.session.execute(
        select(IssuerProfile).where(IssuerProfile.unit_key == issuer.unit_key)
    ).scalar_one_or_none()
    data = getattr(profile, f"{kind}_png", None) if profile and kind in ("seal", "signature") else None
    if not data:
        abort(404)
    return Response(data, mimetype="image/png")
