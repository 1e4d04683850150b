"""Commune staff: typed household rows, spreadsheet imports with preview and undo, signature lists."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import require_unit, staff_required, unit_scope_clause
from app.accounts.models import Role
from app.campaigns.models import Campaign
from app.campaigns.services import active_campaign
from app.collections import services as svc
from app.collections.forms import BatchUndoForm, CommitForm, DisplayForm, ImportForm, RowForm, UndoForm
from app.collections.models import BatchStatus, HouseholdDisplay, ImportBatch
from app.core import outbox
from app.core.actor import Actor
from app.core.money import format_vnd
from app.core.transaction import domain_errors
from app.core.uploads import UploadError, read_upload
from app.extensions import db
from app.units.models import AdminUnit, UnitLevel
from app.units.services import communes_of

bp = Blueprint("collections", __name__, url_prefix="/can-bo/thu-ho")
BATCH_ROWS_SHOWN = (
    500  # a committed batch page lists its households; a whole-commune file stays readable on a phone
)

STAFF = (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)


def _commune(commune_id: int) -> AdminUnit:
    unit = db.session.get(AdminUnit, commune_id)
    if unit is None or unit.level != UnitLevel.COMMUNE:
        abort(404)
    require_unit(unit.id)
    return unit


def _campaign(commune: AdminUnit) -> Campaign | None:
    return active_campaign(db.session, commune.id)


def _batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    require_unit(batch.commune_id)
    return batch


def _summary_json(campaign: Campaign, commune: AdminUnit) -> dict:
    s = svc.summary(db.session, campaign, commune)
    return {
        "households": s.households,
        "total_vnd": s.total_vnd,
        "total_text": format_vnd(s.total_vnd),
        "commune_received_text": format_vnd(s.commune.received_vnd + s.commune.in_kind_vnd),
        "province_received_text": format_vnd(s.province.received_vnd + s.province.in_kind_vnd),
    }


@bp.route("/")
@staff_required(*STAFF)
def batch_entry() -> ResponseReturnValue:
    """Commune staff go straight to their commune; province staff pick one of their province's communes."""
    unit = current_user.unit
    chosen = request.args.get("xa", type=int)
    code = request.args.get("ma", type=int)
    if code:
        found = db.session.execute(
            select(AdminUnit.id).where(AdminUnit.level == UnitLevel.COMMUNE, AdminUnit.code == code)
        ).scalar()
        chosen = found or -1
    if chosen:
        return redirect(url_for("collections.entry", commune_id=_commune(chosen).id))
    if unit is not None and unit.level == UnitLevel.COMMUNE:
        return redirect(url_for("collections.entry", commune_id=unit.id))
    communes = communes_of(db.session, unit.id) if unit is not None else []
    return render_template("collections/choose.html", communes=communes)


@bp.route("/xa/<int:commune_id>", methods=["GET", "POST"])
@staff_required(*STAFF)
def entry(commune_id: int) -> ResponseReturnValue:
    """The batch-entry screen. Without JavaScript the form posts here and the page comes back for the next row."""
    commune = _commune(commune_id)
    campaign = _campaign(commune)
    form = RowForm()
    if campaign is not None and form.validate_on_submit():
        with domain_errors(errors=svc.CollectionError) as outcome:
            res = svc.record_row(
                db.session,
                Actor.from_request(),
                campaign,
                commune,
                svc.RowInput(
                    form.head_name.data,
                    form.hamlet.data,
                    form.amount.data,
                    form.in_kind.data,
                    form.date.data,
                    form.collector.data,
                ),
                form.idempotency_key.data or "",
            )
        if outcome.ok:
            c = res.contribution
            flash(
                _(
                    "Đã ghi biên nhận %(no)s: %(name)s – %(amount)s.",
                    no=c.receipt_no,
                    name=form.head_name.data,
                    amount=format_vnd(c.amount_vnd),
                ),
                "success",
            )
            if res.duplicate_of:
                flash(
                    _(
                        "Có thể trùng: hộ này đã được ghi nhận (biên nhận %(no)s). "
                        "Nếu nhập nhầm, hãy hoàn tác dòng vừa nhập.",
                        no=res.duplicate_of,
                    ),
                    "warning",
                )
            return redirect(
                url_for("collections.entry", commune_id=commune.id, nguoi_thu=form.collector.data or "")
            )
    if not form.is_submitted():
        form.date.data = svc.today_vn().strftime("%d/%m/%Y")
        form.collector.data = request.args.get("nguoi_thu", "")
    form.idempotency_key.data = str(uuid.uuid4())
    hamlets = svc.commune_hamlets(db.session, commune.id)
    ctx = {}
    if campaign is not None:
        ctx = dict(
            summary=svc.summary(db.session, campaign, commune),
            recent=svc.recent_rows(db.session, campaign.id, commune.id),
            mode=svc.display_mode(db.session, campaign, commune.id),
            batches=db.session.execute(
                select(ImportBatch)
                .where(ImportBatch.commune_id == commune.id, ImportBatch.campaign_id == campaign.id)
                .order_by(ImportBatch.id.desc())
                .limit(10)
            )
            .scalars()
            .all(),
        )
    return render_template(
        "collections/entry.html",
        commune=commune,
        campaign=campaign,
        form=form,
        hamlets=hamlets,
        undo_form=UndoForm(),
        display_form=DisplayForm(),
        **ctx,
    )


@bp.route("/xa/<int:commune_id>/dong", methods=["POST"])
@staff_required(*STAFF)
def save_row(commune_id: int) -> ResponseReturnValue:
    """JSON: one row typed on the batch-entry screen (or sent later from the offline queue)."""
    commune = _commune(commune_id)
    campaign = _campaign(commune)
    if campaign is None:
        return jsonify(ok=False, error=_("Chưa có cuộc vận động đang diễn ra cho xã này.")), 409
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(ok=False, error=_("Dữ liệu gửi lên không hợp lệ.")), 400
    raw = svc.RowInput(*(str(data.get(k) or "")[:300] for k in svc.FIELDS))
    with domain_errors(errors=svc.CollectionError, quiet=True) as outcome:
        res = svc.record_row(
            db.session, Actor.from_request(), campaign, commune, raw, str(data.get("key") or "")
        )
    if not outcome.ok:
        return jsonify(ok=False, error=outcome.message), 422
    c = res.contribution
    return jsonify(
        ok=True,
        id=c.id,
        receipt_no=c.receipt_no,
        public_name=c.public_name,
        amount_vnd=c.amount_vnd,
        amount_text=format_vnd(c.amount_vnd),
        duplicate_of=res.duplicate_of,
        replayed=res.replayed,
        reversed=c.status == "reversed",
        undo_url=url_for("collections.undo_row", commune_id=commune.id, contribution_id=c.id),
        summary=_summary_json(campaign, commune),
    )


@bp.route("/xa/<int:commune_id>/dong/<int:contribution_id>/huy", methods=["POST"])
@staff_required(*STAFF)
def undo_row(commune_id: int, contribution_id: int) -> ResponseReturnValue:
    commune = _commune(commune_id)
    try:
        c = svc.entry_contribution(db.session, commune.id, contribution_id)
    except LookupError:
        abort(404)
    wants_json = request.is_json or request.accept_mimetypes.best == "application/json"
    with domain_errors(errors=svc.CollectionError, quiet=wants_json) as outcome:
        svc.undo_row(db.session, Actor.from_request(), c)
    if not outcome.ok:
        if wants_json:
            return jsonify(ok=False, error=outcome.message), 422
        return redirect(url_for("collections.entry", commune_id=commune.id))
    message = _("Đã hoàn tác biên nhận %(no)s (bút toán đảo, không xóa).", no=c.receipt_no)
    if wants_json:
        campaign = db.session.get_one(Campaign, c.campaign_id)
        return jsonify(ok=True, message=message, summary=_summary_json(campaign, commune))
    flash(message, "success")
    return redirect(url_for("collections.entry", commune_id=commune.id))


@bp.route("/xa/<int:commune_id>/cai-dat", methods=["POST"])
@staff_required(*STAFF)
def display_setting(commune_id: int) -> ResponseReturnValue:
    commune = _commune(commune_id)
    form = DisplayForm()
    if form.validate_on_submit():
        svc.set_display_mode(
            db.session, Actor.from_request(), commune.id, HouseholdDisplay(form.household_display.data)
        )
        flash(
            _("Đã lưu cách công khai đóng góp của hộ gia đình (áp dụng cho các khoản ghi từ nay)."), "success"
        )
    else:
        flash(_("Vui lòng chọn một cách công khai."), "error")
    return redirect(url_for("collections.entry", commune_id=commune.id))


# ---------------------------------------------------------------- imports
@bp.route("/mau-danh-sach-thu.xlsx")
@staff_required(*STAFF)
def template() -> ResponseReturnValue:
    # The example row names a hamlet of the chosen commune, else of the officer's own commune: an example naming
    # a hamlet that does not exist there would be refused when the filled-in file comes back.
    commune_id = request.args.get("xa", type=int)
    if commune_id is None and current_user.unit is not None and current_user.unit.level == UnitLevel.COMMUNE:
        commune_id = current_user.unit.id
    names = [h.name for h in svc.commune_hamlets(db.session, _commune(commune_id).id)] if commune_id else None
    return Response(
        svc.template_xlsx(names),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=mau-danh-sach-thu-ho-gia-dinh.xlsx"},
    )


@bp.route("/xa/<int:commune_id>/nhap-tep", methods=["GET", "POST"])
@staff_required(*STAFF)
def upload(commune_id: int) -> ResponseReturnValue:
    commune = _commune(commune_id)
    campaign = _campaign(commune)
    # A file over MAX_CONTENT_LENGTH never reaches this view: the 413 page says "Tệp tải lên quá lớn".
    form = ImportForm()
    if campaign is not None and form.validate_on_submit():
        with domain_errors(errors=(UploadError, svc.CollectionError), quiet=True) as outcome:
            kind, data = read_upload(form.file.data, allowed=("csv", "xlsx"))
            batch = svc.create_import(
                db.session, Actor.from_request(), campaign, commune, kind, data, form.file.data.filename
            )
        if not outcome.ok:
            flash(_("%(problem)s Không có gì được lưu.", problem=outcome.message), "error")
        else:
            return redirect(url_for("collections.batch", batch_id=batch.id))
    return render_template("collections/upload.html", commune=commune, campaign=campaign, form=form), (
        400 if request.method == "POST" else 200
    )


@bp.route("/lo/<int:batch_id>")
@staff_required(*STAFF)
def batch(batch_id: int) -> ResponseReturnValue:
    b = _batch(batch_id)
    rows = svc.batch_rows(db.session, b.id, limit=BATCH_ROWS_SHOWN + 1)
    return render_template(
        "collections/batch.html",
        batch=b,
        commune=b.commune,
        commit_form=CommitForm(),
        undo_form=BatchUndoForm(),
        rows=rows[:BATCH_ROWS_SHOWN],
        more_rows=len(rows) > BATCH_ROWS_SHOWN,
        BatchStatus=BatchStatus,
    )


@bp.route("/lo/<int:batch_id>/tien-do")
@staff_required(*STAFF)
def progress(batch_id: int) -> ResponseReturnValue:
    db.session.expire_all()
    b = _batch(batch_id)
    return jsonify(
        status=b.status.value,
        status_label=b.status_label,
        percent=b.progress_percent,
        processed=b.processed_rows,
        failure=b.failure,
        done=b.status not in (BatchStatus.QUEUED,),
    )


@bp.route("/lo/<int:batch_id>/ghi", methods=["POST"])
@staff_required(*STAFF)
def commit(batch_id: int) -> ResponseReturnValue:
    b = _batch(batch_id)
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    actor = Actor.from_request()
    with domain_errors(errors=svc.CollectionError) as outcome:
        background = svc.request_commit(db.session, actor, b, skip_errors=bool(form.skip_errors.data))
        if background:  # committed with the queued batch; with the broker down it waits in the outbox
            outbox.enqueue(db.session, "collections.commit_import", b.id, actor.user_id, actor.label)
    if not outcome.ok:
        return redirect(url_for("collections.batch", batch_id=b.id))
    if background:
        flash(_("Đang ghi nhận lô trong nền; trang sẽ cập nhật tiến độ."), "info")
    else:
        flash(
            _("Đã ghi nhận %(n)s hộ, tổng %(amount)s.", n=b.committed_rows, amount=format_vnd(b.total_vnd)),
            "success",
        )
    return redirect(url_for("collections.batch", batch_id=b.id))


@bp.route("/lo/<int:batch_id>/huy", methods=["POST"])
@staff_required(*STAFF)
def undo_batch(batch_id: int) -> ResponseReturnValue:
    b = _batch(batch_id)
    form = BatchUndoForm()
    if not form.validate_on_submit():
        if not form.reason.errors:  # the CSRF token
            abort(400)
        for problem in form.reason.errors:
            flash(str(problem), "error")
        return redirect(url_for("collections.batch", batch_id=b.id))
    with domain_errors(errors=svc.CollectionError) as outcome:
        svc.undo_import(db.session, Actor.from_request(), b, form.reason.data or "")
    if outcome.ok:
        flash(_("Đã hủy cả lô: %(n)s khoản được đảo bút toán (không xóa).", n=b.committed_rows), "success")
    return redirect(url_for("collections.batch", batch_id=b.id))


@bp.route("/xa/<int:commune_id>/danh-sach-ky")
@staff_required(*STAFF)
def signature_lists(commune_id: int) -> ResponseReturnValue:
    """Printable lists per collector with a column for each household's signature."""
    commune = _commune(commune_id)
    campaign = _campaign(commune)
    if campaign is None:
        abort(404)
    chosen = request.args.get("nguoi_thu")
    groups = svc.collector_lists(db.session, campaign, commune, chosen)
    return render_template(
        "collections/signatures.html",
        commune=commune,
        campaign=campaign,
        groups=groups,
        collectors=svc.collectors(db.session, campaign.id, commune.id),
        chosen=chosen,
    )


@bp.route("/lo")
@staff_required(*STAFF)
def batches() -> ResponseReturnValue:
    rows = (
        db.session.execute(
            select(ImportBatch)
            .where(unit_scope_clause(current_user, ImportBatch.commune_id))
            .order_by(ImportBatch.id.desc())
            .limit(100)
        )
        .scalars()
        .all()
    )
    return render_template("collections/batches.html", batches=rows)


@bp.route("/sw.js")
@staff_required(*STAFF)
def service_worker() -> ResponseReturnValue:
    """The entry screen's service worker, served from this blueprint's path so that its scope is /can-bo/thu-ho/
    (a worker under /static/ could not control the entry pages). Staff only like every /can-bo page; the browser
    sends the session cookie when it registers or updates the worker."""
    response = current_app.send_static_file("js/collections-sw.js")
    response.headers["Cache-Control"] = (
        "no-cache"  # a new version reaches officers at their next visit online
    )
    response.headers["Service-Worker-Allowed"] = "/can-bo/thu-ho/"
    return response


@bp.route("/manifest.webmanifest")
@staff_required(*STAFF)
def manifest() -> ResponseReturnValue:
    """Installable entry screen: "Add to home screen" opens the officer's own commune, also with no signal."""
    body = {
        "name": _("Chung Tay – Nhập đóng góp hộ gia đình"),
        "short_name": _("Thu hộ"),
        "lang": "vi",
        "start_url": url_for("collections.batch_entry"),
        "scope": url_for("collections.batch_entry"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": url_for("static", filename="img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url_for("static", filename="img/logo.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/ma-bao-ve")
@staff_required(*STAFF)
def csrf_token_json() -> ResponseReturnValue:
    """A fresh CSRF token for the offline queue, when rows waited longer than the token lives."""
    from flask_wtf.csrf import generate_csrf

    return jsonify(token=generate_csrf())
