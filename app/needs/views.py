"""Needs registry views (staff, scoped to their area) and the public, anonymised house cards."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, true
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from app.accounts.access import donor_required, require_unit, staff_required, unit_scope_clause
from app.accounts.models import Role
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import active_campaign
from app.core import i18n
from app.core.actor import Actor
from app.core.collation import unit_key, units_sorted, vi_collate, vi_key
from app.core.money import format_vnd
from app.core.text import fold
from app.core.transaction import domain_errors, flash_result
from app.core.uploads import UploadError, image_has_metadata, read_upload, strip_image_metadata
from app.extensions import db
from app.ledger.models import PURPOSE_LABELS
from app.needs import construction, funding, importer, limits, review, scoring, tracing
from app.needs import registry as registry_svc
from app.needs.forms import (
    SOURCE_ROWS,
    ConfirmForm,
    EndLimitForm,
    ImportForm,
    NeedForm,
    PhotoForm,
    RejectForm,
    ReverseDisbursementForm,
    StageForm,
    SupportLimitForm,
    priority_form_class,
)
from app.needs.models import (
    NEED_KIND_LABELS,
    NEED_STATUS_LABELS,
    HouseholdNeed,
    ImportStatus,
    NeedDisbursement,
    NeedImportBatch,
    NeedKind,
    NeedPhoto,
    NeedStatus,
    PovertyStatus,
    SourceKind,
    SupportLimit,
)
from app.needs.priority import CRITERIA, compile_rules, rules_for_campaign, score_need
from app.privacy import services as privacy
from app.privacy.models import Purpose as DataPurpose
from app.privacy.models import SubjectType
from app.units.models import AdminUnit, Hamlet, UnitLevel

bp = Blueprint("needs", __name__)

PAGE_SIZE = 50
PUBLIC_PAGE_SIZE = 24
ENTRY_ROLES = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
PROVINCE_ROLES = (Role.PROVINCE_STAFF, Role.APPROVER)


def _actor() -> Actor:
    return Actor.from_request()


def _support_limits(
    campaign: Campaign | None, commune_id: int | None = None
) -> list[tuple[str, limits.Limit]]:
    """The program limits the entry form shows: for the staff member's province (or the need's), on the
    campaign's start date."""
    if campaign is None:
        return []
    unit_id = commune_id or current_user.unit_id
    unit = db.session.get(AdminUnit, unit_id) if unit_id else None
    province_id = None
    if unit is not None:
        province_id = unit.id if unit.level == UnitLevel.PROVINCE else unit.parent_id
    out = []
    for kind in limits.LIMITED_KINDS:
        found = limits.limit_for(db.session, kind, province_id, campaign.starts_on)
        if found is not None:
            out.append((NEED_KIND_LABELS[kind], found))
    return out


def _campaign() -> Campaign | None:
    wanted = request.args.get("campaign", type=int)
    if wanted:
        c = db.session.get(Campaign, wanted)
        if c is not None and (c.scope_unit_id is None or _covers(c.scope_unit_id)):
            return c
    found = active_campaign(db.session, current_user.unit_id)
    if found is None and current_user.role == Role.CENTRAL_ADMIN:
        found = (
            db.session.execute(
                select(Campaign)
                .where(Campaign.status == CampaignStatus.ACTIVE)
                .order_by(Campaign.year.desc(), Campaign.id)
            )
            .scalars()
            .first()
        )
    return found


def _covers(unit_id: int) -> bool:
    unit = db.session.get(AdminUnit, unit_id)
    if current_user.role == Role.CENTRAL_ADMIN:
        return True
    own = current_user.unit
    return (
        unit is not None
        and own is not None
        and (unit.id == own.id or unit.id == own.parent_id or unit.parent_id == own.id)
    )


def _communes_in_scope() -> list[AdminUnit]:
    return units_sorted(
        db.session.execute(
            select(AdminUnit)
            .where(AdminUnit.level == UnitLevel.COMMUNE, unit_scope_clause(current_user, AdminUnit.id))
            .order_by(vi_collate(AdminUnit.name))
            .limit(2000)
        ).scalars()
    )


def _need_scope(communes: list[AdminUnit]) -> ColumnElement[bool]:
    """Needs in the user's area, as an IN list of commune ids: unlike unit_scope_clause's OR, PostgreSQL can use
    the (commune, campaign, status) index for it (a province has at most a few hundred communes)."""
    if current_user.role == Role.CENTRAL_ADMIN:
        return true()
    return HouseholdNeed.commune_id.in_([c.id for c in communes])


def _need_or_404(need_id: int) -> HouseholdNeed:
    need = db.session.get(HouseholdNeed, need_id)
    if need is None:
        abort(404)
    require_unit(need.commune_id)
    return need


# ----------------------------------------------------------------------------------------- registry
@bp.route("/can-bo/nhu-cau")
@staff_required()
def registry() -> ResponseReturnValue:
    campaign = _campaign()
    page = max(request.args.get("page", 1, type=int), 1)
    status = request.args.get("status", "")
    commune_id = request.args.get("commune", 0, type=int)
    q_text = request.args.get("q", "").strip()
    late_only = request.args.get("late") == "1"
    late_days = scoring.late_days_for(campaign)
    rows: list = []
    total = 0
    counts: dict = {}
    communes = _communes_in_scope()
    scope = _need_scope(communes)
    if campaign is not None:
        base = select(HouseholdNeed).where(HouseholdNeed.campaign_id == campaign.id, scope)
        counts = dict(
            db.session.execute(
                select(HouseholdNeed.status, func.count())
                .where(HouseholdNeed.campaign_id == campaign.id, scope)
                .group_by(HouseholdNeed.status)
            ).all()
        )
        q = base
        if status in NEED_STATUS_LABELS:
            q = q.where(HouseholdNeed.status == status)
        if commune_id:
            q = q.where(HouseholdNeed.commune_id == commune_id)
        if q_text:
            q = q.where(HouseholdNeed.search_key.contains(fold(q_text)))
        if late_only:
            q = q.where(scoring.late_clause(late_days))
        total = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = list(
            db.session.execute(
                q.options(selectinload(HouseholdNeed.hamlet), selectinload(HouseholdNeed.commune))
                .order_by(HouseholdNeed.id.desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            ).scalars()
        )
    rules = compile_rules(rules_for_campaign(db.session, campaign.id) if campaign else [])
    today = i18n.today_vn()
    kinds = scoring.designations_by_area(
        db.session,
        {(n.commune_id, n.legacy_commune_id) for n in rows},
        on=scoring.scoring_date(campaign) if campaign else today,
    )
    scored = [
        (
            n,
            score_need(n, kinds[(n.commune_id, n.legacy_commune_id)], rules)[0],
            scoring.is_late(n, late_days, today),
        )
        for n in rows
    ]
    late_count = 0
    if campaign is not None:
        late_count = db.session.execute(
            select(func.count())
            .select_from(HouseholdNeed)
            .where(HouseholdNeed.campaign_id == campaign.id, scope, scoring.late_clause(late_days))
        ).scalar_one()
    return render_template(
        "needs/registry.html",
        campaign=campaign,
        rows=scored,
        total=total,
        page=page,
        pages=max(math.ceil(total / PAGE_SIZE), 1),
        status=status,
        commune_id=commune_id,
        q=q_text,
        late_only=late_only,
        late_days=late_days,
        late_count=late_count,
        counts=counts,
        communes=communes,
        status_labels=NEED_STATUS_LABELS,
        can_enter=current_user.role in (*ENTRY_ROLES, Role.CENTRAL_ADMIN),
    )


def _setup_need_form(form: NeedForm) -> list[AdminUnit]:
    communes = _communes_in_scope()
    form.commune_id.choices = [(c.id, c.name) for c in communes]
    names = {c.id: c.name for c in communes}
    keys = {cid: unit_key(name) for cid, name in names.items()}
    # three columns, not Hamlet objects: a province's form lists every hamlet of its communes (a thousand or more)
    hamlets = sorted(
        db.session.execute(
            select(Hamlet.id, Hamlet.commune_id, Hamlet.name).where(
                Hamlet.commune_id.in_(names), Hamlet.active
            )
        ).all(),
        key=lambda h: (keys[h.commune_id], vi_key(h.name)),
    )
    form.hamlet_id.choices = [(0, _("— Chưa chọn —"))] + [
        (h.id, h.name if len(names) == 1 else f"{h.name} ({names[h.commune_id]})") for h in hamlets
    ]
    return communes


def _input_from_form(form: NeedForm) -> registry_svc.NeedInput:
    sources = []
    for kind_f, name_f, amount_f in form.source_rows():
        amount = getattr(amount_f, "amount", 0)
        if kind_f.data and amount:
            sources.append(registry_svc.SourceInput(SourceKind(kind_f.data), name_f.data or "", amount))
    return registry_svc.NeedInput(
        commune_id=form.commune_id.data,
        head_name=form.head_name.data or "",
        poverty_status=PovertyStatus(form.poverty_status.data),
        need_kind=NeedKind(form.need_kind.data),
        estimated_cost_vnd=form.estimated_cost.amount,
        requested_vnd=form.requested.amount,
        hamlet_id=form.hamlet_id.data or None,
        citizen_id=form.citizen_id.data or None,
        phone=form.phone.data or None,
        address=form.address.data or None,
        household_size=form.household_size.data or 0,
        merit_family=form.merit_family.data,
        ethnic_minority=form.ethnic_minority.data,
        elderly_alone=form.elderly_alone.data,
        disability=form.disability.data,
        single_parent=form.single_parent.data,
        situation=form.situation.data or "",
        sources=sources,
        limit_override_reason=form.limit_override_reason.data or "",
        poverty_list_year=form.poverty_list_year.data or None,
    )


@bp.route("/can-bo/nhu-cau/them", methods=["GET", "POST"])
@staff_required(*ENTRY_ROLES)
def new_need() -> ResponseReturnValue:
    campaign = _campaign()
    if campaign is None:
        flash(_("Chưa có cuộc vận động đang diễn ra cho địa bàn của bạn."), "warning")
        return redirect(url_for("needs.registry"))
    form = NeedForm()
    _setup_need_form(form)
    if request.method == "GET" and current_user.unit_id and current_user.unit.level == UnitLevel.COMMUNE:
        form.commune_id.data = current_user.unit_id
    if form.validate_on_submit():
        require_unit(form.commune_id.data)
        with domain_errors(errors=registry_svc.NeedError) as outcome:
            need = registry_svc.create_need(db.session, _actor(), campaign, _input_from_form(form))
            privacy.record_consent(
                db.session,
                _actor(),
                subject_type=SubjectType.HOUSEHOLD,
                subject_id=need.id,
                purpose=DataPurpose.REGISTRY_DATA,
                given=True,
                source=f"needs.create:{form.consent_source.data}",
            )
        if outcome.ok:
            flash(
                _("Đã thêm hộ %(name)s (#%(id)s); chờ cấp tỉnh duyệt.", name=need.head_name, id=need.id),
                "success",
            )
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template(
        "needs/form.html",
        form=form,
        campaign=campaign,
        need=None,
        source_rows=SOURCE_ROWS,
        support_limits=_support_limits(campaign),
    )


@bp.route("/can-bo/nhu-cau/<int:need_id>/sua", methods=["GET", "POST"])
@staff_required(*ENTRY_ROLES)
def edit_need(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    if need.status not in registry_svc.EDITABLE_STATUSES:
        flash(
            _(
                "Không sửa được: hộ đang ở trạng thái “%(status)s” (đã được bố trí kinh phí).",
                status=_(need.status_label),
            ),
            "warning",
        )
        return redirect(url_for("needs.detail", need_id=need.id))
    form = NeedForm()
    _setup_need_form(form)
    if request.method == "GET":
        data = registry_svc.need_input_from(need)
        # Identifiers are not put back into the form: they are shown only on the detail page, on demand.
        for name in (
            "commune_id",
            "head_name",
            "household_size",
            "merit_family",
            "ethnic_minority",
            "elderly_alone",
            "disability",
            "single_parent",
            "situation",
            "limit_override_reason",
            "poverty_list_year",
        ):
            getattr(form, name).data = getattr(data, name)
        form.hamlet_id.data = data.hamlet_id or 0
        form.poverty_status.data = data.poverty_status.value
        form.need_kind.data = data.need_kind.value
        form.estimated_cost.data = f"{data.estimated_cost_vnd:,}".replace(",", ".")
        form.requested.data = f"{data.requested_vnd:,}".replace(",", ".")
        for (kind_f, name_f, amount_f), s in zip(form.source_rows(), data.sources, strict=False):
            kind_f.data, name_f.data, amount_f.data = (
                s.kind.value,
                s.name,
                f"{s.amount_vnd:,}".replace(",", "."),
            )
    elif form.validate_on_submit():
        require_unit(form.commune_id.data)
        data = _input_from_form(form)
        kept = registry_svc.need_input_from(need)  # blank identifier fields keep what is stored
        data.citizen_id = data.citizen_id or kept.citizen_id
        data.phone = data.phone or kept.phone
        data.address = data.address or kept.address
        with domain_errors(errors=registry_svc.NeedError) as outcome:
            registry_svc.update_need(db.session, _actor(), current_user, need.id, data)
        if outcome.ok:
            flash(_("Đã lưu thay đổi."), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template(
        "needs/form.html",
        form=form,
        campaign=db.session.get(Campaign, need.campaign_id),
        support_limits=_support_limits(db.session.get(Campaign, need.campaign_id), need.commune_id),
        need=need,
        source_rows=SOURCE_ROWS,
    )


def _detail_context(need: HouseholdNeed) -> dict:
    campaign = db.session.get(Campaign, need.campaign_id)
    score, reasons = scoring.explain_need(db.session, need)
    disbursements = list(
        db.session.execute(
            select(NeedDisbursement).where(NeedDisbursement.need_id == need.id).order_by(NeedDisbursement.id)
        ).scalars()
    )
    photos = list(
        db.session.execute(
            select(NeedPhoto).where(NeedPhoto.need_id == need.id).order_by(NeedPhoto.id)
        ).scalars()
    )
    funders, more = tracing.funders_of_need(db.session, need.id, limit=20)
    next_stage = construction.STAGE_ORDER.get(need.status)
    stage_form = StageForm(formdata=None)
    stage_form.on.data = i18n.today_vn()
    photo_form = PhotoForm(formdata=None)
    units = {
        u.id: u.name
        for u in db.session.execute(
            select(AdminUnit).where(
                AdminUnit.id.in_(
                    {
                        d.get("pool_unit_id")
                        for f in funding.active_fundings(db.session, need.id)
                        for d in f.draws
                    }
                    - {None}
                )
            )
        ).scalars()
    }
    return dict(
        need=need,
        campaign=campaign,
        review_diff=review.pending_diff(db.session, review.NEED, need.id),
        review_rows=review.change_rows(db.session, review.NEED, need.id),
        review_labels=review.FIELD_LABELS,
        was_approved=review.was_decided(db.session, review.NEED, need.id),
        score=score,
        reasons=reasons,
        disbursements=disbursements,
        photos=photos,
        funders=funders,
        more_funders=more,
        fundings=funding.active_fundings(db.session, need.id),
        pool_names=units,
        purpose_labels=PURPOSE_LABELS,
        next_stage=next_stage,
        stage_labels=NEED_STATUS_LABELS,
        stage_form=stage_form,
        photo_form=photo_form,
        reject_form=RejectForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        late=scoring.is_late(need, scoring.late_days_for(campaign)),
        late_days=scoring.late_days_for(campaign),
        can_review=current_user.role in (*PROVINCE_ROLES, Role.CENTRAL_ADMIN),
        can_edit=current_user.role in (*ENTRY_ROLES, Role.CENTRAL_ADMIN)
        and need.status in registry_svc.EDITABLE_STATUSES,
        can_pay=need.status in funding.DISBURSABLE_STATUSES and need.funded_vnd > need.disbursed_vnd,
        can_reverse_disbursement=current_user.role in funding.REVERSE_DISBURSEMENT_ROLES,
        available_vnd=need.funded_vnd - need.disbursed_vnd,
        identifiers=None,
    )


@bp.route("/can-bo/nhu-cau/<int:need_id>")
@staff_required()
def detail(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    return render_template("needs/detail.html", **_detail_context(need))


@bp.route("/can-bo/nhu-cau/<int:need_id>/dinh-danh", methods=["POST"])
@staff_required()
def reveal(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        ids = registry_svc.reveal_identifiers(db.session, _actor(), current_user, need)
    except registry_svc.NeedError:
        abort(404)
    ctx = _detail_context(need)
    ctx["identifiers"] = ids
    resp = make_response(render_template("needs/detail.html", **ctx))
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _review_guard(need_id: int) -> HouseholdNeed:
    return _need_or_404(need_id)


@bp.route("/can-bo/nhu-cau/<int:need_id>/duyet", methods=["POST"])
@staff_required(*PROVINCE_ROLES)
def approve(need_id: int) -> ResponseReturnValue:
    need = _review_guard(need_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    flash_result(
        lambda: registry_svc.approve_need(db.session, _actor(), current_user, need.id),
        _("Đã duyệt hộ #%(id)s.", id=need.id),
        errors=registry_svc.NeedError,
    )
    return redirect(
        request.form.get("next") == "registry"
        and url_for("needs.registry", status="proposed")
        or url_for("needs.detail", need_id=need.id)
    )


@bp.route("/can-bo/nhu-cau/<int:need_id>/tu-choi", methods=["POST"])
@staff_required(*PROVINCE_ROLES)
def reject(need_id: int) -> ResponseReturnValue:
    need = _review_guard(need_id)
    form = RejectForm()
    if not form.validate_on_submit():
        for problem in [str(e) for e in form.reason.errors] or [_("Lý do không duyệt: chưa nhập.")]:
            flash(problem, "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    flash_result(
        lambda: registry_svc.reject_need(db.session, _actor(), current_user, need.id, form.reason.data),
        _("Đã ghi nhận không duyệt hộ #%(id)s.", id=need.id),
        errors=registry_svc.NeedError,
    )
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/can-bo/nhu-cau/giai-ngan/<int:disbursement_id>/dao", methods=["GET", "POST"])
@staff_required(*funding.REVERSE_DISBURSEMENT_ROLES)
def reverse_disbursement(disbursement_id: int) -> ResponseReturnValue:
    """Confirmation page (GET) and action (POST) to undo a tranche recorded by mistake, by ledger reversal."""
    disbursement = db.session.get(NeedDisbursement, disbursement_id)
    if disbursement is None:
        abort(404)
    need = _need_or_404(disbursement.need_id)
    back = url_for("needs.detail", need_id=need.id, _anchor="h-pay")
    if disbursement.reversal_transaction_id is not None:
        flash(_("Khoản giải ngân này đã được đảo trước đó."), "error")
        return redirect(back)
    form = ReverseDisbursementForm()
    if form.validate_on_submit():
        amount, ref = format_vnd(disbursement.amount_vnd), disbursement.document_ref
        flash_result(
            lambda: funding.reverse_disbursement(
                db.session, _actor(), current_user, disbursement.id, form.reason.data
            ),
            _(
                "Đã đảo khoản giải ngân %(amount)s (chứng từ %(ref)s) của hộ #%(id)s.",
                amount=amount,
                ref=ref,
                id=need.id,
            ),
            errors=registry_svc.NeedError,
        )
        return redirect(back)
    return render_template(
        "needs/reverse_disbursement.html", need=need, d=disbursement, form=form
    ), 422 if form.errors else 200


@bp.route("/can-bo/nhu-cau/<int:need_id>/giai-doan/<stage>", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
def stage(need_id: int, stage: str) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    form = StageForm()
    if stage not in {s.value for s in construction.STAGE_DATE}:
        abort(404)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    flash_result(
        lambda: construction.advance_stage(
            db.session, _actor(), need.id, NeedStatus(stage), form.on.data, user=current_user
        ),
        _("Đã cập nhật: %(stage)s.", stage=_(NEED_STATUS_LABELS[NeedStatus(stage)])),
        errors=registry_svc.NeedError,
    )
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/can-bo/nhu-cau/<int:need_id>/anh", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
def upload_photo(need_id: int) -> ResponseReturnValue:
    need = _need_or_404(need_id)
    form = PhotoForm()
    if not form.validate_on_submit():
        flash(
            " ".join(str(e) for errs in form.errors.values() for e in errs) or _("Biểu mẫu không hợp lệ."),
            "error",
        )
        return redirect(url_for("needs.detail", need_id=need.id))
    stage_now = (
        need.status
        if need.status in (*construction.STAGE_DATE, NeedStatus.APPROVED, NeedStatus.FUNDED)
        else NeedStatus.APPROVED
    )
    flash_result(
        lambda: construction.add_photo(
            db.session,
            _actor(),
            need,
            form.photo.data,
            stage=stage_now,
            caption=form.caption.data,
            taken_on=form.taken_on.data,
            publishable=form.publishable.data,
        ),
        _("Đã tải ảnh lên."),
        errors=UploadError,
        prefix=_("Ảnh: "),
    )
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/can-bo/nhu-cau/anh/<int:photo_id>")
@staff_required()
def staff_photo(photo_id: int) -> ResponseReturnValue:
    photo = db.session.get(NeedPhoto, photo_id) or abort(404)
    _need_or_404(photo.need_id)
    return _send_photo(photo)


@bp.route("/can-bo/nhu-cau/anh/<int:photo_id>/cong-khai", methods=["POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
def toggle_photo(photo_id: int) -> ResponseReturnValue:
    photo = db.session.get(NeedPhoto, photo_id) or abort(404)
    _need_or_404(photo.need_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    construction.set_photo_publishable(db.session, _actor(), photo, not photo.publishable)
    flash(_("Ảnh đã được công khai.") if photo.publishable else _("Ảnh đã thôi công khai."), "success")
    return redirect(url_for("needs.detail", need_id=photo.need_id))


def _send_photo(photo: NeedPhoto) -> ResponseReturnValue:
    try:
        path = construction.photo_path(photo)
    except registry_svc.NeedError:
        abort(404)
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="image/png" if photo.kind == "png" else "image/jpeg", max_age=0)
    resp.headers["Content-Disposition"] = "inline"
    return resp


# ----------------------------------------------------------------------------------------- import
@bp.route("/can-bo/nhu-cau/nhap", methods=["GET", "POST"])
@staff_required(*ENTRY_ROLES)
def import_upload() -> ResponseReturnValue:
    campaign = _campaign()
    if campaign is None:
        flash(_("Chưa có cuộc vận động đang diễn ra cho địa bàn của bạn."), "warning")
        return redirect(url_for("needs.registry"))
    form = ImportForm()
    form.commune_id.choices = [(c.id, c.name) for c in _communes_in_scope()]
    if request.method == "GET" and current_user.unit and current_user.unit.level == UnitLevel.COMMUNE:
        form.commune_id.data = current_user.unit_id
    if form.validate_on_submit():
        require_unit(form.commune_id.data)
        try:
            kind, data = read_upload(request.files.get("file"), allowed=("csv", "xlsx"))
            importer.read_rows(kind, data)  # refuse an unreadable file before keeping it
        except (UploadError, importer.ImportFileError) as exc:
            flash(_("Tệp: %(error)s", error=exc), "error")
        else:
            batch = importer.keep_upload(
                db.session,
                campaign,
                form.commune_id.data,
                kind,
                data,
                request.files["file"].filename or "",
                created_by_id=current_user.id,
            )
            return redirect(url_for("needs.import_preview", batch_id=batch.id))
    return render_template("needs/import.html", form=form, campaign=campaign, columns=importer.COLUMNS)


def _batch_or_404(batch_id: int) -> tuple[NeedImportBatch, bytes]:
    batch = db.session.get(NeedImportBatch, batch_id) or abort(404)
    require_unit(batch.commune_id)
    from pathlib import Path

    from flask import current_app

    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / batch.path).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    return batch, path.read_bytes()


@bp.route("/can-bo/nhu-cau/nhap/<int:batch_id>", methods=["GET", "POST"])
@staff_required(*ENTRY_ROLES)
def import_preview(batch_id: int) -> ResponseReturnValue:
    batch, data = _batch_or_404(batch_id)
    campaign = db.session.get_one(Campaign, batch.campaign_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if batch.status != ImportStatus.PREVIEW:
            flash(_("Tệp này đã được nhập trước đó."), "warning")
            return redirect(url_for("needs.registry"))
        with domain_errors(errors=(registry_svc.NeedError, importer.ImportFileError)) as outcome:
            n = importer.import_batch(db.session, _actor(), campaign, batch, data)
        if outcome.ok:
            flash(_("Đã nhập %(n)s hộ; chờ cấp tỉnh duyệt.", n=n), "success")
            return redirect(url_for("needs.registry", commune=batch.commune_id, status="proposed"))
    try:
        results = importer.check_rows(db.session, campaign, batch.commune_id, batch.kind, data)
    except importer.ImportFileError as exc:
        flash(_("Tệp: %(error)s", error=exc), "error")
        return redirect(url_for("needs.import_upload"))
    importer.note_preview_counts(batch, results)
    errors = sum(1 for r in results if r.errors)
    return render_template(
        "needs/import_preview.html",
        batch=batch,
        results=results,
        error_count=errors,
        form=form,
        commune=db.session.get(AdminUnit, batch.commune_id),
        kind_labels=NEED_KIND_LABELS,
    )


@bp.route("/can-bo/nhu-cau/nhap/mau.<ext>")
@staff_required()
def import_template(ext: str) -> ResponseReturnValue:
    if ext == "csv":
        resp = make_response(importer.template_csv())
        resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    elif ext == "xlsx":
        resp = make_response(importer.template_xlsx())
        resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    resp.headers["Content-Disposition"] = f'attachment; filename="mau-danh-sach-ho.{ext}"'
    return resp


# ----------------------------------------------------------------------------------------- priority rules
@bp.route("/can-bo/tieu-chi-uu-tien", methods=["GET", "POST"])
@staff_required()
def priorities() -> ResponseReturnValue:
    campaign = _campaign()
    if campaign is None:
        flash(_("Chưa có cuộc vận động đang diễn ra cho địa bàn của bạn."), "warning")
        return redirect(url_for("needs.registry"))
    can_edit = current_user.role == Role.CENTRAL_ADMIN or (
        current_user.role in (Role.PROVINCE_STAFF, Role.APPROVER)
        and campaign.scope_unit_id is not None
        and campaign.scope_unit_id == current_user.unit_id
    )
    rules = rules_for_campaign(db.session, campaign.id)
    form = priority_form_class(CRITERIA)()
    if request.method == "GET":
        for r in rules:
            getattr(form, f"w_{r.criterion}").data = r.weight
        form.late_days.data = scoring.late_days_for(campaign)
    elif not can_edit:
        abort(403)
    elif form.validate_on_submit():
        weights = {code: getattr(form, f"w_{code}").data for code in CRITERIA}
        with domain_errors(errors=registry_svc.NeedError) as outcome:
            scoring.save_priority_rules(db.session, _actor(), campaign, weights, form.late_days.data)
        if outcome.ok:
            flash(_("Đã lưu điểm ưu tiên; trang công khai đã cập nhật."), "success")
            return redirect(url_for("needs.priorities"))
    return render_template(
        "needs/priorities.html",
        campaign=campaign,
        form=form,
        rules=rules,
        can_edit=can_edit,
        criteria=CRITERIA,
    )


LIMIT_ROLES = (Role.PROVINCE_STAFF, Role.APPROVER, Role.CENTRAL_ADMIN)
NATIONAL_SCOPE = "toan-quoc"


def _limit_scopes() -> list[tuple[str, str]]:
    """What the user may set: national and every province (central), else their own province only."""
    if current_user.role == Role.CENTRAL_ADMIN:
        provinces = units_sorted(
            db.session.execute(select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE)).scalars()
        )
        return [(NATIONAL_SCOPE, _("Toàn quốc")), *((str(p.id), p.name) for p in provinces)]
    unit = current_user.unit
    if unit is not None and unit.level == UnitLevel.PROVINCE:
        return [(str(unit.id), unit.name)]
    return []


@bp.route("/can-bo/muc-ho-tro", methods=["GET", "POST"])
@staff_required(*LIMIT_ROLES)
def support_limits() -> ResponseReturnValue:
    """Program support limits (build / repair) with their legal basis and dates, and the poverty standards: the
    data the need entry form and matching apply (issue 18.5)."""
    form = SupportLimitForm()
    form.scope.choices = _limit_scopes()
    if request.method == "POST" and not form.scope.choices:
        abort(403)
    if form.validate_on_submit():
        with domain_errors(form, errors=limits.LimitError) as outcome:
            limits.add_limit(
                db.session,
                _actor(),
                current_user,
                program_code=form.program_code.data.strip(),
                program_name=form.program_name.data.strip(),
                kind=NeedKind(form.need_kind.data),
                province_id=None if form.scope.data == NATIONAL_SCOPE else int(form.scope.data),
                max_vnd=form.max_vnd.amount,
                legal_basis=form.legal_basis.data,
                valid_from=form.valid_from.data,
                valid_to=form.valid_to.data,
            )
        if outcome.ok:
            flash(_("Đã thêm mức hỗ trợ; phiếu nhập nhu cầu và phân bổ áp dụng từ ngày hiệu lực."), "success")
            return redirect(url_for("needs.support_limits"))
    rows = limits.visible_limits(db.session, current_user)
    return render_template(
        "needs/support_limits.html",
        form=form,
        end_form=EndLimitForm(),
        rows=rows,
        editable={r.id for r in rows if limits.may_set_limits(current_user, r.province_id)},
        provinces={
            u.id: u.name
            for u in db.session.execute(
                select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE)
            ).scalars()
        },
        standards=limits.poverty_standards(db.session),
        kind_labels=NEED_KIND_LABELS,
        today=i18n.today_vn(),
    )


@bp.route("/can-bo/muc-ho-tro/<int:limit_id>/ket-thuc", methods=["POST"])
@staff_required(*LIMIT_ROLES)
def end_support_limit(limit_id: int) -> ResponseReturnValue:
    limit = db.session.get(SupportLimit, limit_id)
    if limit is None or not limits.may_set_limits(current_user, limit.province_id):
        abort(404)  # another province's limit, or a national one for province staff: not theirs to see or end
    form = EndLimitForm()
    if not form.validate_on_submit():
        for problem in form.last_day.errors:
            flash(str(problem), "error")
        if not form.last_day.errors:
            abort(400)
        return redirect(url_for("needs.support_limits"))
    with domain_errors(errors=limits.LimitError) as outcome:
        limits.end_limit(db.session, _actor(), current_user, limit_id, form.last_day.data)
    if outcome.ok:
        flash(_("Đã đặt ngày kết thúc cho mức hỗ trợ."), "success")
    return redirect(url_for("needs.support_limits"))


# ----------------------------------------------------------------------------------------- public pages
def _public_campaigns() -> list[Campaign]:
    return list(
        db.session.execute(
            select(Campaign)
            .where(Campaign.status != CampaignStatus.DRAFT)
            .order_by(Campaign.year.desc(), Campaign.id)
        ).scalars()
    )


@bp.route("/cong-khai/tieu-chi-uu-tien")
def public_priorities() -> ResponseReturnValue:
    campaigns = _public_campaigns()
    wanted = request.args.get("campaign", type=int)
    campaign = next((c for c in campaigns if c.id == wanted), None) or next(
        (c for c in campaigns if c.status == CampaignStatus.ACTIVE), campaigns[0] if campaigns else None
    )
    rules = rules_for_campaign(db.session, campaign.id) if campaign else []
    return render_template(
        "needs/public_priorities.html",
        campaign=campaign,
        campaigns=campaigns,
        rules=rules,
        late_days=scoring.late_days_for(campaign),
    )


def _public_query():  # type: ignore[no-untyped-def]
    return select(HouseholdNeed).where(HouseholdNeed.status.in_(funding.PUBLIC_STATUSES))


@bp.route("/cong-khai/nha")
def public_houses() -> ResponseReturnValue:
    page = max(request.args.get("page", 1, type=int), 1)
    commune_id = request.args.get("xa", 0, type=int)
    stage_f = request.args.get("giai-doan", "")
    q = _public_query()
    if commune_id:
        q = q.where(HouseholdNeed.commune_id == commune_id)
    if stage_f in {s.value for s in funding.PUBLIC_STATUSES}:
        q = q.where(HouseholdNeed.status == stage_f)
    total = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    needs = list(
        db.session.execute(
            q.order_by(HouseholdNeed.id.desc()).offset((page - 1) * PUBLIC_PAGE_SIZE).limit(PUBLIC_PAGE_SIZE)
        ).scalars()
    )
    covers: dict[int, NeedPhoto] = {}
    if needs:
        for p in db.session.execute(
            select(NeedPhoto)
            .where(NeedPhoto.need_id.in_([n.id for n in needs]), NeedPhoto.publishable)
            .order_by(NeedPhoto.id.desc())
        ).scalars():
            covers.setdefault(p.need_id, p)
    communes = list(
        db.session.execute(
            select(AdminUnit).where(
                AdminUnit.id.in_(
                    select(HouseholdNeed.commune_id)
                    .where(HouseholdNeed.status.in_(funding.PUBLIC_STATUSES))
                    .distinct()
                )
            )
        ).scalars()
    )
    stage_counts = dict(
        db.session.execute(
            select(HouseholdNeed.status, func.count())
            .where(HouseholdNeed.status.in_(funding.PUBLIC_STATUSES))
            .group_by(HouseholdNeed.status)
        ).all()
    )
    return render_template(
        "needs/public_houses.html",
        needs=needs,
        covers=covers,
        total=total,
        page=page,
        pages=max(math.ceil(total / PUBLIC_PAGE_SIZE), 1),
        communes=communes,
        commune_id=commune_id,
        stage=stage_f,
        stage_labels=NEED_STATUS_LABELS,
        public_statuses=funding.PUBLIC_STATUSES,
        stage_counts=stage_counts,
    )


@bp.route("/cong-khai/nha/<int:id>")
def public_house(id: int) -> ResponseReturnValue:  # noqa: A002 - the endpoint's documented parameter
    need = db.session.execute(_public_query().where(HouseholdNeed.id == id)).scalar_one_or_none()
    if need is None:
        abort(404)
    photos = list(
        db.session.execute(
            select(NeedPhoto)
            .where(NeedPhoto.need_id == need.id, NeedPhoto.publishable)
            .order_by(NeedPhoto.id)
        ).scalars()
    )
    funders, more = tracing.funders_of_need(db.session, need.id, limit=30)
    return render_template(
        "needs/public_house.html",
        need=need,
        photos=photos,
        funders=funders,
        more=more,
        stage_labels=NEED_STATUS_LABELS,
    )


@bp.route("/cong-khai/nha/anh/<int:photo_id>")
def public_photo(photo_id: int) -> ResponseReturnValue:
    photo = db.session.execute(
        select(NeedPhoto)
        .join(HouseholdNeed, HouseholdNeed.id == NeedPhoto.need_id)
        .where(
            NeedPhoto.id == photo_id,
            NeedPhoto.publishable,
            HouseholdNeed.status.in_(funding.PUBLIC_STATUSES),
        )
    ).scalar_one_or_none()
    if photo is None:
        abort(404)
    return _send_public_photo(photo)


def _send_public_photo(photo: NeedPhoto) -> ResponseReturnValue:
    """A publishable photo as the public may see it: without metadata. Photos uploaded since issue 18.3 are stored
    stripped; one stored before (with its EXIF GPS position) is stripped on the way out."""
    try:
        path = construction.photo_path(photo)
    except registry_svc.NeedError:
        abort(404)
    if not path.is_file():
        abort(404)
    data = path.read_bytes()
    if image_has_metadata(data):
        data = strip_image_metadata(data, photo.kind)
    resp = make_response(data)
    resp.headers["Content-Type"] = "image/png" if photo.kind == "png" else "image/jpeg"
    resp.headers["Content-Disposition"] = "inline"
    resp.headers["Cache-Control"] = "no-cache"
    return resp


# ----------------------------------------------------------------------------------------- donor
@bp.route("/tai-khoan/nha-da-ho-tro")
@donor_required
def donor_houses() -> ResponseReturnValue:
    """The houses the signed-in donor's money went to (pro rata through the pools); the donor dashboard links
    here (or calls tracing.houses_funded_by_donor itself)."""
    houses = tracing.houses_funded_by_donor(db.session, current_user.donor_id)
    return render_template("needs/donor_houses.html", houses=houses, total=sum(h.amount_vnd for h in houses))
