"""Privacy pages: the public notice, the donor's own data (see, export, correct, withdraw, erase), and the staff
pages (erasure queue, register of processing, incident register, retention periods)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import donor_required, staff_required
from app.accounts.models import Role
from app.audit.readable import readable_value
from app.core.actor import Actor
from app.core.forms import field_problems
from app.core.transaction import domain_errors
from app.core.web import download
from app.donors import merge as donor_scope
from app.donors.models import Donor
from app.extensions import db
from app.privacy import erasure, services
from app.privacy.forms import ActionForm, ActivityForm, DetailsForm, ErasureForm, IncidentForm, RefuseForm
from app.privacy.models import (
    ErasureRequest,
    Incident,
    IncidentStatus,
    ProcessingActivity,
    RetentionRule,
    SubjectType,
)

bp = Blueprint("privacy", __name__)

# Column names of the data shown and exported (the export keeps the names; the page shows these labels).
FIELD_LABELS = {
    "id": _l("Số"),
    "kind": _l("Loại"),
    "name": _l("Tên"),
    "tax_code": _l("Mã số thuế"),
    "address": _l("Địa chỉ"),
    "contact_person": _l("Người liên hệ"),
    "email": "Email",
    "phone": _l("Số điện thoại"),
    "country": _l("Quốc gia"),
    "public_display": _l("Hiển thị công khai"),
    "created_at": _l("Ngày tạo"),
    "reference": _l("Mã đăng ký"),
    "amount_vnd": _l("Số tiền (đồng)"),
    "purpose": _l("Mục đích"),
    "status": _l("Trạng thái"),
    "payment_method": _l("Cách nộp"),
    "is_anonymous": _l("Ẩn danh"),
    "contact_email": _l("Email liên hệ"),
    "registered_by": _l("Người đăng ký"),
    "note": _l("Lời nhắn"),
    "receipt_no": _l("Số biên nhận"),
    "received_on": _l("Ngày nhận"),
    "channel": _l("Kênh"),
    "public_name": _l("Tên công khai"),
    "pledge_reference": _l("Mã đăng ký"),
    "serial": _l("Số hiệu"),
    "recipient_name": _l("Cấp cho"),
    "issued_on": _l("Ngày cấp"),
}
VN = ZoneInfo("Asia/Ho_Chi_Minh")
SECTION_ENTITIES = {
    "donor": "donor",
    "pledges": "pledge",
    "contributions": "contribution",
    "certificates": "certificate",
}


def _readable(data: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, str]]]:
    """The data page shows values as a person reads them (the export keeps the stored values)."""
    return {
        section: [
            {k: readable_value(SECTION_ENTITIES.get(section, section), k, v) for k, v in row.items()}
            for row in rows
        ]
        for section, rows in data.items()
    }


# ------------------------------------------------------------------------------------------------ public
@bp.route("/bao-ve-du-lieu")
def notice() -> ResponseReturnValue:
    """The privacy notice in force (the reader's language), the retention periods and the rights."""
    text = services.current_notice(db.session, str(get_locale() or "vi"))
    rules = db.session.execute(select(RetentionRule).order_by(RetentionRule.id)).scalars().all()
    return render_template("privacy/notice.html", notice=text, rules=rules)


# ------------------------------------------------------------------------------------------------ the donor
def _own() -> Donor:
    with domain_errors(errors=services.PrivacyError, quiet=True) as outcome:
        donor = services.own_donor(db.session, current_user)
    if not outcome.ok:
        abort(404)
    return donor


@bp.route("/tai-khoan/du-lieu-ca-nhan")
@donor_required
def my_data() -> ResponseReturnValue:
    donor = _own()
    return render_template(
        "privacy/my_data.html",
        donor=donor,
        data=_readable(services.data_held(db.session, donor)),
        consents=services.consents_of(db.session, SubjectType.DONOR, donor.id),
        pending=services.pending_request(db.session, donor.id),
        details_form=DetailsForm(obj=donor),
        action_form=ActionForm(),
        erasure_form=ErasureForm(),
        labels=FIELD_LABELS,
    )


@bp.route("/tai-khoan/du-lieu-ca-nhan/tai-ve", methods=["POST"])
@donor_required
def export() -> ResponseReturnValue:
    _own()
    if not ActionForm().validate_on_submit():
        abort(400)
    data = services.export_zip(db.session, Actor.from_request(), current_user._get_current_object())
    return download(data, "du-lieu-ca-nhan.zip", "application/zip")


@bp.route("/tai-khoan/du-lieu-ca-nhan/sua", methods=["POST"])
@donor_required
def correct() -> ResponseReturnValue:
    _own()
    form = DetailsForm()
    if form.validate_on_submit():
        with domain_errors(form, errors=services.PrivacyError) as outcome:
            services.correct_own_details(
                db.session,
                Actor.from_request(),
                current_user._get_current_object(),
                name=form.name.data or "",
                contact_person=form.contact_person.data or "",
                phone=form.phone.data or "",
                address=form.address.data or "",
            )
        if outcome.ok:
            flash(_("Đã lưu thông tin đã sửa."), "success")
    else:
        flash(" ".join(field_problems(form)), "error")
    return redirect(url_for("privacy.my_data") + "#sua")


@bp.route("/tai-khoan/du-lieu-ca-nhan/cong-khai-ten", methods=["POST"])
@donor_required
def publish_name() -> ResponseReturnValue:
    _own()
    if ActionForm().validate_on_submit():
        publish = request.form.get("publish") == "1"
        services.set_publish_name(
            db.session, Actor.from_request(), current_user._get_current_object(), publish=publish
        )
        if publish:
            flash(_("Từ nay tên của quý vị được ghi trên sao kê công khai."), "success")
        else:
            flash(
                _("Đã rút lại sự đồng ý: sao kê công khai ghi “Nhà hảo tâm” thay cho tên của quý vị."),
                "success",
            )
    return redirect(url_for("privacy.my_data") + "#dong-y")


@bp.route("/tai-khoan/du-lieu-ca-nhan/yeu-cau-xoa", methods=["POST"])
@donor_required
def request_erasure() -> ResponseReturnValue:
    _own()
    form = ErasureForm()
    if form.validate_on_submit():
        with domain_errors(errors=services.PrivacyError, quiet=True) as outcome:
            req = services.request_erasure(
                db.session, Actor.from_request(), current_user._get_current_object(), form.reason.data or ""
            )
        if outcome.ok:
            flash(
                _(
                    "Đã gửi yêu cầu xóa dữ liệu. Hạn xử lý: %(due)s.",
                    due=req.due_at.astimezone(VN).strftime("%d/%m/%Y %H:%M"),
                ),
                "success",
            )
        else:
            flash(outcome.message, "error")
    else:
        flash(" ".join(field_problems(form)), "error")
    return redirect(url_for("privacy.my_data") + "#xoa")


# ------------------------------------------------------------------------------------------------ staff
def _request_or_404(request_id: int) -> ErasureRequest:
    req = db.session.get(ErasureRequest, request_id)
    if req is None or not donor_scope.may_see(db.session, current_user, req.donor_id):
        abort(404)
    return req


@bp.route("/can-bo/du-lieu-ca-nhan/yeu-cau-xoa")
@staff_required()
def erasure_queue() -> ResponseReturnValue:
    scope = select(Donor.id).where(donor_scope.donor_scope_clause(current_user))
    rows = [
        r
        for r in services.erasure_queue(db.session)
        if r.donor_id in set(db.session.execute(scope).scalars())
    ]
    donors = {
        d.id: d
        for d in db.session.execute(select(Donor).where(Donor.id.in_([r.donor_id for r in rows]))).scalars()
    }
    return render_template(
        "privacy/erasure_queue.html", rows=rows, donors=donors, form=ActionForm(), refuse_form=RefuseForm()
    )


@bp.route("/can-bo/du-lieu-ca-nhan/yeu-cau-xoa/<int:request_id>/thuc-hien", methods=["POST"])
@staff_required()
def execute(request_id: int) -> ResponseReturnValue:
    req = _request_or_404(request_id)
    if ActionForm().validate_on_submit():
        with domain_errors(errors=services.PrivacyError, quiet=True) as outcome:
            erasure.execute_erasure(db.session, Actor.from_request(), req)
        if outcome.ok:
            flash(_("Đã xóa dữ liệu: nhà tài trợ nay là “%(name)s”.", name=req.pseudonym), "success")
        else:
            flash(outcome.message, "error")
    return redirect(url_for("privacy.erasure_queue"))


@bp.route("/can-bo/du-lieu-ca-nhan/yeu-cau-xoa/<int:request_id>/tu-choi", methods=["POST"])
@staff_required()
def refuse(request_id: int) -> ResponseReturnValue:
    req = _request_or_404(request_id)
    form = RefuseForm()
    if form.validate_on_submit():
        with domain_errors(errors=services.PrivacyError, quiet=True) as outcome:
            services.refuse_erasure(db.session, Actor.from_request(), req, form.reason.data or "")
        if outcome.ok:
            flash(_("Đã từ chối yêu cầu xóa dữ liệu."), "success")
        else:
            flash(outcome.message, "error")
    else:
        flash(" ".join(field_problems(form)), "error")
    return redirect(url_for("privacy.erasure_queue"))


def _is_central() -> bool:
    return bool(current_user.role == Role.CENTRAL_ADMIN)


@bp.route("/can-bo/du-lieu-ca-nhan/hoat-dong-xu-ly", methods=["GET", "POST"])
@staff_required()
def activities() -> ResponseReturnValue:
    """The register of processing activities and the retention periods: everyone reads, central admins edit."""
    form = ActivityForm()
    if request.method == "POST":
        if not _is_central():
            abort(403)
        if form.validate_on_submit():
            row = (
                db.session.get(ProcessingActivity, int(form.id.data))
                if (form.id.data or "").isdecimal()
                else None
            )
            with domain_errors(form, errors=services.PrivacyError) as outcome:
                services.save_activity(
                    db.session,
                    Actor.from_request(),
                    row,
                    {f: getattr(form, f).data or "" for f in services.ACTIVITY_FIELDS},
                )
            if outcome.ok:
                flash(_("Đã lưu hoạt động xử lý dữ liệu."), "success")
                return redirect(url_for("privacy.activities"))
    rows = db.session.execute(select(ProcessingActivity).order_by(ProcessingActivity.id)).scalars().all()
    rules = db.session.execute(select(RetentionRule).order_by(RetentionRule.id)).scalars().all()
    return render_template(
        "privacy/activities.html", rows=rows, rules=rules, form=form, editable=_is_central()
    ), (422 if form.errors else 200)


def _when(raw: str | None, field: str, label: str) -> datetime | None:
    text = (raw or "").strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=VN)
        except ValueError:
            continue
    raise services.PrivacyError(_("%(label)s: không đúng dạng dd/mm/yyyy hh:mm.", label=label), field=field)


@bp.route("/can-bo/du-lieu-ca-nhan/su-co", methods=["GET", "POST"])
@staff_required()
def incidents() -> ResponseReturnValue:
    """The incident register: everyone reads, central admins record and update."""
    form = IncidentForm()
    if request.method == "POST":
        if not _is_central():
            abort(403)
        if form.validate_on_submit():
            row = db.session.get(Incident, int(form.id.data)) if (form.id.data or "").isdecimal() else None
            with domain_errors(form, errors=services.PrivacyError) as outcome:
                occurred = _when(form.occurred_at.data, "occurred_at", _("Thời điểm xảy ra"))
                detected = _when(form.detected_at.data, "detected_at", _("Thời điểm phát hiện"))
                assert occurred is not None and detected is not None  # DataRequired
                services.save_incident(
                    db.session,
                    Actor.from_request(),
                    row,
                    occurred_at=occurred,
                    detected_at=detected,
                    description=form.description.data or "",
                    subjects_affected=form.subjects_affected.data or 0,
                    notified_authority_at=_when(
                        form.notified_authority_at.data,
                        "notified_authority_at",
                        _("Ngày thông báo cơ quan chuyên trách"),
                    ),
                    status=IncidentStatus(form.status.data),
                )
            if outcome.ok:
                flash(_("Đã lưu sự cố."), "success")
                return redirect(url_for("privacy.incidents"))
    rows = (
        db.session.execute(select(Incident).order_by(Incident.detected_at.desc(), Incident.id.desc()))
        .scalars()
        .all()
    )
    return render_template("privacy/incidents.html", rows=rows, form=form, editable=_is_central()), (
        422 if form.errors else 200
    )
