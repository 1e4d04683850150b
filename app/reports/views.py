"""Staff reports: queue a sơ kết / tổng kết, follow its progress, download XLSX and PDF."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import can_access_unit, require_unit, staff_required, unit_scope_clause
from app.accounts.models import Role
from app.campaigns.models import Campaign, CampaignStatus
from app.core import outbox
from app.core.actor import Actor
from app.core.collation import units_sorted
from app.core.forms import field_problems
from app.core.i18n import today_vn
from app.core.transaction import domain_errors
from app.extensions import db
from app.reports import services
from app.reports.forms import PublishForm, ReportForm
from app.reports.models import ReportJob, ReportKind, ReportStatus
from app.reports.render import COUNT_COLUMNS
from app.reports.render import sections as make_sections
from app.units.models import AdminUnit

bp = Blueprint("reports", __name__, url_prefix="/can-bo/bao-cao")


def _units_for_user() -> list[tuple[int, str]]:
    """The units whose report this user may produce: central admins everything (0 = national)."""
    if current_user.role == Role.CENTRAL_ADMIN:
        units = units_sorted(
            db.session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_(None))).scalars()
        )
        return [(0, _("Toàn quốc")), *((u.id, u.name) for u in units)]
    own = current_user.unit
    if own is None:
        return []
    children = units_sorted(
        db.session.execute(select(AdminUnit).where(AdminUnit.parent_id == own.id)).scalars()
    )
    return [(own.id, own.name), *((u.id, u.name) for u in children)]


def _job_or_404(job_id: int) -> ReportJob:
    job = db.session.get(ReportJob, job_id)
    if job is None:
        abort(404)
    require_unit(job.unit_id)
    return job


@bp.route("/", methods=["GET", "POST"])
@staff_required()
def index() -> ResponseReturnValue:
    form = ReportForm()
    campaigns = (
        db.session.execute(
            select(Campaign).where(Campaign.status != CampaignStatus.DRAFT).order_by(Campaign.year.desc())
        )
        .scalars()
        .all()
    )
    form.campaign_id.choices = [(c.id, c.name) for c in campaigns]
    form.unit_id.choices = _units_for_user()
    if not form.is_submitted():
        form.year.data = today_vn().year
        if current_user.unit_id:
            form.unit_id.data = current_user.unit_id
    if form.validate_on_submit():
        unit = db.session.get(AdminUnit, form.unit_id.data) if form.unit_id.data else None
        if (
            unit is None
            and current_user.role != Role.CENTRAL_ADMIN
            or unit is not None
            and not can_access_unit(current_user, unit)
        ):
            abort(404)
        campaign = db.session.get(Campaign, form.campaign_id.data)
        if campaign is None:
            abort(404)
        with domain_errors(form, errors=services.ReportError) as outcome:
            job = services.create_job(
                db.session,
                Actor.from_request(),
                campaign=campaign,
                unit=unit,
                kind=ReportKind(form.kind.data),
                year=form.year.data,
                half=form.half.data,
                details={
                    "number": (form.number.data or "").strip(),
                    "place": (form.place.data or "").strip(),
                    "issued_on": form.issued_on.data.isoformat() if form.issued_on.data else "",
                    "recipients": [
                        line.strip() for line in (form.recipients.data or "").splitlines() if line.strip()
                    ],
                    "signer_title": (form.signer_title.data or "").strip(),
                    "signer_name": (form.signer_name.data or "").strip(),
                },
            )
        if outcome.ok:
            outbox.enqueue(
                db.session, "reports.generate", job.id
            )  # published after the request's commit: a worker finds the row
            flash(_("Đã gửi yêu cầu lập báo cáo."), "success")
            return redirect(url_for("reports.job", job_id=job.id))
    jobs = (
        db.session.execute(
            select(ReportJob)
            .where(unit_scope_clause(current_user, ReportJob.unit_id))
            .order_by(ReportJob.id.desc())
            .limit(30)
        )
        .scalars()
        .all()
    )
    return render_template("reports/index.html", form=form, jobs=jobs)


@bp.route("/<int:job_id>")
@staff_required()
def job(job_id: int) -> ResponseReturnValue:
    j = _job_or_404(job_id)
    sections = None
    if j.status == ReportStatus.DONE and j.figures:
        sections = [_page_section(*s) for s in make_sections(j.figures)]
    return render_template(
        "reports/job.html", job=j, sections=sections, publish_form=PublishForm(), count_columns=COUNT_COLUMNS
    )


def _page_section(heading: str, columns: list[str], rows: list[list[object]]) -> tuple:
    """A section as the page shows it: the row labels (fixed labels: purposes, channels, stages…) in the reader's
    language; the template translates the heading and column headers. The public names of donors (column "Tên")
    are shown as they are. The XLSX and PDF stay Vietnamese."""
    if columns and columns[0] != "Tên":
        rows = [[_(row[0]) if isinstance(row[0], str) and row[0] else row[0], *row[1:]] for row in rows]
    return heading, columns, rows


@bp.route("/<int:job_id>/trang-thai")
@staff_required()
def status(job_id: int) -> ResponseReturnValue:
    j = _job_or_404(job_id)
    return {"status": j.status.value, "progress": j.progress, "label": j.status_label}


@bp.route("/<int:job_id>/tai/<fmt>")
@staff_required()
def download(job_id: int, fmt: str) -> ResponseReturnValue:
    j = _job_or_404(job_id)
    data = {"xlsx": j.xlsx, "pdf": j.pdf}.get(fmt)
    if data is None:
        abort(404)
    mime = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }
    name = f"bao-cao-{j.kind.value}-{j.period_start.year}-{j.id}.{fmt}"
    return Response(
        data, mimetype=mime[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/<int:job_id>/cong-bo", methods=["POST"])
@staff_required(Role.PROVINCE_STAFF)
def publish(job_id: int) -> ResponseReturnValue:
    """Publish a tổng kết on the public annual report page, hashed and signed (app.reports.publish)."""
    from app.reports import publish as publishing

    j = _job_or_404(job_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    with domain_errors(errors=publishing.PublishError) as outcome:
        fresh = publishing.publish(db.session, Actor.from_request(), j)
    if outcome.ok:
        if fresh:
            flash(_("Đã công bố báo cáo năm trên trang công khai, kèm mã băm và chữ ký số."), "success")
        else:
            flash(_("Báo cáo này đã được công bố trước đó."), "info")
    return redirect(url_for("reports.job", job_id=j.id))


public_bp = Blueprint("annual", __name__, url_prefix="/cong-khai/bao-cao-nam")


@public_bp.route("/")
def public_list() -> ResponseReturnValue:
    jobs = (
        db.session.execute(
            select(ReportJob)
            .where(ReportJob.published_at.is_not(None))
            .order_by(ReportJob.period_start.desc(), ReportJob.id.desc())
        )
        .scalars()
        .all()
    )
    return render_template("reports/public_list.html", jobs=jobs)


def _published_or_404(job_id: int) -> ReportJob:
    j = db.session.get(ReportJob, job_id)
    if j is None or j.published_at is None:
        abort(404)
    return j


@public_bp.route("/<int:job_id>")
def public_report(job_id: int) -> ResponseReturnValue:
    from app.reports import publish as publishing

    j = _published_or_404(job_id)
    sections = [_page_section(*s) for s in make_sections(publishing.public_figures(j.figures or {}))]
    return render_template(
        "reports/public_report.html",
        job=j,
        sections=sections,
        document=(j.figures or {}).get("document") or {},
        issued=_issued_on(j),
        matches=publishing.still_matches(j),
        count_columns=COUNT_COLUMNS,
    )


def _issued_on(job: ReportJob) -> date | None:
    iso = ((job.figures or {}).get("document") or {}).get("issued_on")
    return date.fromisoformat(iso) if iso else None


@public_bp.route("/<int:job_id>.json")
def public_report_json(job_id: int) -> ResponseReturnValue:
    import json

    from app.reports import publish as publishing

    j = _published_or_404(job_id)
    resp = Response(
        json.dumps(publishing.signed_document(j), ensure_ascii=False, indent=1), mimetype="application/json"
    )
    resp.headers["Content-Disposition"] = f'attachment; filename="bao-cao-nam-{j.id}.json"'
    return resp


@bp.route("/ra-soat", methods=["GET", "POST"])
@staff_required()
def reviews() -> ResponseReturnValue:
    """The households the fund helped in the user's area, with each year's poverty review result (issue 18.10)."""
    from app.needs.models import POVERTY_LABELS, HouseholdNeed
    from app.reports import outcomes
    from app.reports.forms import ReviewForm, TargetForm
    from app.reports.models import REVIEW_RESULT_LABELS, PovertyReview, PovertyTarget, ReviewResult

    form = ReviewForm()
    if form.validate_on_submit():
        with domain_errors(form, errors=outcomes.OutcomeError) as outcome:
            outcomes.record_review(
                db.session,
                Actor.from_request(),
                current_user,
                need_id=form.need_id.data,
                year=form.year.data,
                result=ReviewResult(form.result.data),
            )
        if outcome.ok:
            flash(_("Đã ghi kết quả rà soát."), "success")
            return redirect(url_for("reports.reviews", nam=form.year.data))
    try:
        year = int(request.args.get("nam", "") or form.year.data or today_vn().year)
    except ValueError:
        year = today_vn().year
    year = min(max(year, 2000), 2100)
    helped = outcomes.helped_ids(db.session, year)
    needs = (
        db.session.execute(
            select(HouseholdNeed)
            .where(HouseholdNeed.id.in_(helped), unit_scope_clause(current_user, HouseholdNeed.commune_id))
            .order_by(HouseholdNeed.commune_id, HouseholdNeed.id)
            .limit(500)
        )
        .scalars()
        .all()
        if helped
        else []
    )
    results = dict(
        db.session.execute(
            select(PovertyReview.need_id, PovertyReview.result).where(
                PovertyReview.year == year, PovertyReview.need_id.in_([n.id for n in needs])
            )
        ).all()
    )
    target_form = TargetForm(year=year)
    target_form.unit_id.choices = _units_for_user()
    targets = (
        db.session.execute(
            select(PovertyTarget)
            .where(PovertyTarget.year == year, unit_scope_clause(current_user, PovertyTarget.unit_id))
            .order_by(PovertyTarget.unit_id)
        )
        .scalars()
        .all()
    )
    return render_template(
        "reports/reviews.html",
        year=year,
        needs=needs,
        results=results,
        result_labels=REVIEW_RESULT_LABELS,
        poverty_labels=POVERTY_LABELS,
        form=form,
        target_form=target_form,
        targets=targets,
    )


@bp.route("/ra-soat/chi-tieu", methods=["POST"])
@staff_required(Role.PROVINCE_STAFF)
def set_target() -> ResponseReturnValue:
    from app.reports import outcomes
    from app.reports.forms import TargetForm

    form = TargetForm()
    form.unit_id.choices = [c for c in _units_for_user() if c[0]]
    if form.validate_on_submit():
        unit = db.session.get(AdminUnit, form.unit_id.data)
        if unit is None:
            abort(404)
        with domain_errors(form, errors=outcomes.OutcomeError) as outcome:
            outcomes.set_target(
                db.session,
                Actor.from_request(),
                current_user,
                unit=unit,
                year=form.year.data,
                exits_target=form.exits_target.data,
                legal_basis=form.legal_basis.data or "",
            )
        if outcome.ok:
            flash(_("Đã lưu chỉ tiêu giảm nghèo."), "success")
    else:
        for problem in field_problems(form):
            flash(problem, "error")
    return redirect(url_for("reports.reviews", nam=form.year.data or ""))
