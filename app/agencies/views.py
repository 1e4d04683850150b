"""Agency collections, public side: register, the signed link's page (upload, preview, confirm, codes), and the
staff member's lookup by code (/cong-khai/tra-cuu)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import staff_required
from app.agencies import notify
from app.agencies import services as svc
from app.agencies.forms import ConfirmForm, RegisterForm, UploadForm
from app.agencies.models import AgencyCollection, AgencyStatus
from app.core.actor import Actor
from app.core.i18n import request_language
from app.core.money import format_vnd
from app.core.transaction import domain_errors, on_commit
from app.core.uploads import UploadError, read_upload
from app.core.web import public_url
from app.extensions import db, limiter
from app.pledges.models import Pledge
from app.pledges.notify import view_token
from app.pledges.services import campaign_for

bp = Blueprint("agencies", __name__)


def _collection(token: str) -> AgencyCollection:
    """The collection a signed link names (its e-mail must still be the one the link was sent to); else 404."""
    found = notify.read(token)
    collection = db.session.get(AgencyCollection, found[0]) if found else None
    if collection is None or found is None or collection.email != found[1]:
        abort(404)
    return collection


def _private(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    resp.headers["Referrer-Policy"] = "no-referrer"  # the signed link never leaves in a Referer header
    return resp


@bp.route("/co-quan/dang-ky", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], error_message="Quá nhiều yêu cầu. Vui lòng thử lại sau.")
def register() -> ResponseReturnValue:
    form = RegisterForm()
    campaign = campaign_for(db.session)
    if campaign is None:
        flash(_("Hiện chưa có cuộc vận động nào đang diễn ra."), "warning")
    elif form.validate_on_submit():
        data = form.parse()
        if data is not None:
            with domain_errors(form, errors=svc.AgencyError) as outcome:
                collection = svc.register(db.session, Actor.from_request(), campaign, data)
                cid, email, name = collection.id, collection.email, collection.name
                lang = request_language()
                on_commit(lambda: notify.send_link(cid, email, name, lang), db.session)
            if outcome.ok:
                return redirect(url_for("agencies.registered"))
    status = 422 if request.method == "POST" else 200
    return render_template("agencies/register.html", form=form, campaign=campaign), status


@bp.route("/co-quan/dang-ky/da-gui")
def registered() -> ResponseReturnValue:
    return render_template("agencies/registered.html")


@bp.route("/co-quan/<token>", methods=["GET", "POST"])
def manage(token: str) -> ResponseReturnValue:
    """The agency's page, reached only through the link mailed to it: opening it confirms the e-mail; then the
    list is uploaded (checked whole), previewed with its total, and confirmed."""
    collection = _collection(token)
    actor = Actor.from_request()
    svc.verify_email(db.session, actor, collection)
    form = UploadForm()
    check: svc.ListCheck | None = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        with domain_errors(errors=(UploadError, svc.AgencyError), quiet=True) as outcome:
            kind, data = read_upload(form.file.data, allowed=("csv", "xlsx"))
            check = svc.upload_list(db.session, actor, collection, kind, data, form.file.data.filename or "")
        if not outcome.ok:
            flash(_("%(problem)s Không có gì được lưu.", problem=outcome.message), "error")
            status = 422
        elif check is not None and check.errors:
            flash(
                _(
                    "Danh sách có %(n)s dòng sai; không có gì được lưu. Hãy sửa tệp và tải lên lại.",
                    n=len(check.errors),
                ),
                "error",
            )
            status = (
                422  # rolls back the e-mail confirmation too; it is confirmed again by this same visit's GET
            )
        else:
            return redirect(url_for("agencies.manage", token=token))
    elif request.method == "POST":
        status = 400
    pledge = db.session.get(Pledge, collection.pledge_id) if collection.pledge_id else None
    return _private(
        Response(
            render_template(
                "agencies/manage.html",
                collection=collection,
                token=token,
                form=form,
                confirm_form=ConfirmForm(),
                check=check,
                states=svc.line_states(db.session, collection),
                pledge=pledge,
                pledge_link=url_for("pledges.confirmation", reference=pledge.reference, k=view_token(pledge))
                if pledge
                else None,
                show_code=svc.show_code,
                AgencyStatus=AgencyStatus,
            ),
            status=status,
        )
    )


@bp.route("/co-quan/<token>/chot", methods=["POST"])
def confirm(token: str) -> ResponseReturnValue:
    collection = _collection(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with domain_errors(errors=svc.AgencyError) as outcome:
        pledge = svc.confirm(db.session, Actor.from_request(), collection)
    if outcome.ok:
        flash(
            _(
                "Đã chốt danh sách: chuyển một lần %(amount)s với nội dung %(ref)s. Hãy gửi mã tra cứu cho từng người.",
                amount=format_vnd(collection.total_vnd),
                ref=pledge.reference,
            ),
            "success",
        )
    return redirect(url_for("agencies.manage", token=token))


@bp.route("/co-quan/<token>/ma-tra-cuu.csv")
def codes(token: str) -> ResponseReturnValue:
    collection = _collection(token)
    if collection.status != AgencyStatus.CONFIRMED:
        abort(404)
    body = svc.codes_csv(db.session, collection, public_url("agencies.lookup"))
    resp = Response(body, mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="ma-tra-cuu-{collection.id}.csv"'
    return _private(resp)


@bp.route("/cong-khai/tra-cuu")
@limiter.limit("30 per minute", error_message="Quá nhiều lượt tra cứu. Vui lòng thử lại sau ít phút.")
def lookup() -> ResponseReturnValue:
    """A staff member finds their own line of an agency's list by the code the agency handed out: that line only
    (name as published, amount, receipts) and the agency's name; nothing about the other lines."""
    raw = (request.args.get("ma") or "").strip()[:40]
    found = svc.lookup(db.session, raw) if raw else None
    resp = Response(
        render_template("agencies/lookup.html", raw=raw, found=found),
        status=404 if raw and found is None else 200,
    )
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


@bp.route("/can-bo/co-quan-thu-ho")
@staff_required()
def staff_lines() -> ResponseReturnValue:
    """Staff: the lines of the agency collections received in their area, with their payment state."""
    q = (request.args.get("q") or "").strip()[:100]
    paid = request.args.get("da_nop") or ""
    paid = paid if paid in ("yes", "no") else ""
    page = max(1, request.args.get("page", 1, type=int))
    lines, total = svc.staff_lines(db.session, current_user, q=q, paid=paid, page=page)
    return render_template(
        "agencies/staff_lines.html",
        lines=lines,
        total=total,
        q=q,
        paid=paid,
        page=page,
        pages=max(1, -(-total // svc.STAFF_PAGE)),
    )
