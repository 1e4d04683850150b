"""Pledge pages: the public pledge form and confirmation, the donor's dashboard, staff lists, receipts."""

from __future__ import annotations

from datetime import UTC, datetime, time

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
from flask import session as http_session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.access import can_access_unit_id, donor_required, staff_required, unit_scope_clause
from app.accounts.models import Role, User
from app.accounts.services import AccountError, create_user, normalize_email
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.services import ContributionError, NewContribution, record_contribution
from app.core import outbox
from app.core.actor import Actor
from app.core.forms import field_problems
from app.core.i18n import VN_TZ
from app.core.money import AmountError, parse_vnd
from app.core.text import fold, nfc
from app.core.web import url_for_if_exists
from app.donors.models import Donor, DonorKind
from app.extensions import db, limiter
from app.ledger.models import PURPOSE_LABELS, Purpose
from app.pledges import formcache, notify, services, statements
from app.pledges.forms import (
    AccountForm,
    ClaimForm,
    EditPledgeForm,
    InviteForm,
    PledgeForm,
    ReceiptForm,
    StatusForm,
    parse_instalments,
)
from app.pledges.models import (
    PLEDGE_STATUS_LABELS,
    PaymentMethod,
    Pledge,
    PledgeKind,
    PledgeSchedule,
    PledgeStatus,
)
from app.pledges.references import normalize as normalize_reference
from app.units.models import AdminUnit, UnitLevel

bp = Blueprint("pledges", __name__)
PER_PAGE = 50


def _card_enabled() -> bool:
    """Card payment is optional per deployment: the payments package's endpoint must exist and its gateway
    be switched on (PAYMENT_GATEWAY "stripe" or "test"; without that setting, a Stripe key)."""
    if not url_for_if_exists("payments.card_checkout", reference="VNN"):
        return False
    cfg = current_app.config
    mode = cfg.get("PAYMENT_GATEWAY") or ("stripe" if cfg.get("STRIPE_SECRET_KEY") else "disabled")
    return str(mode).lower() in ("stripe", "test")


UNIT_LIST_TTL = 600  # seconds: units change by decree, not by the minute


def _unit_lists() -> tuple[list[tuple[int, str]], dict[int, list[tuple[int, str]]]]:
    """Current provinces and their communes as (id, name), read once per process and cached for a while
    (dropped at once when this process commits a unit change; see formcache), so the public form costs no
    unit queries (it is the page every donor opens)."""
    import time as _time

    cached = current_app.extensions.get("pledges.units")
    if cached and cached[3] == formcache.generation() and _time.monotonic() - cached[0] < UNIT_LIST_TTL:
        return cached[1], cached[2]
    stamp = formcache.generation()
    rows = db.session.execute(
        select(AdminUnit.id, AdminUnit.name, AdminUnit.level, AdminUnit.parent_id).where(
            AdminUnit.valid_to.is_(None), AdminUnit.level.in_([UnitLevel.PROVINCE, UnitLevel.COMMUNE])
        )
    ).all()
    key = lambda r: (fold(r.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")), r.id)  # noqa: E731
    provs = [(r.id, r.name) for r in sorted((r for r in rows if r.level == UnitLevel.PROVINCE), key=key)]
    communes: dict[int, list[tuple[int, str]]] = {}
    for r in sorted((r for r in rows if r.level == UnitLevel.COMMUNE), key=lambda r: (fold(r.name), r.id)):
        communes.setdefault(r.parent_id, []).append((r.id, r.name))
    current_app.extensions["pledges.units"] = (_time.monotonic(), provs, communes, stamp)
    return provs, communes


def _communes_for(raw: str | None, fallback_id: int | None) -> list[tuple[int, str]]:
    pid = int(raw) if raw and str(raw).isdecimal() else fallback_id
    return _unit_lists()[1].get(pid, []) if pid else []


# ------------------------------------------------------------------------------------------ public pages
@bp.route("/ung-ho", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config.get("PLEDGE_RATE_LIMIT", "20 per minute;300 per hour"),
    methods=["POST"],
    error_message="Quá nhiều lượt gửi đăng ký từ một địa chỉ. Vui lòng thử lại sau ít phút.",
)
def pledge_form():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        page = _anonymous_form_page()
        if page is not None:
            return page
    campaign = _submission_campaign() if request.method == "POST" else services.campaign_for(db.session)
    form = PledgeForm()
    if request.method == "GET":
        _fill_defaults(form, campaign)
        if current_user.is_authenticated and current_user.role == Role.DONOR and current_user.donor_id:
            _prefill_from_donor(form, db.session.get(Donor, current_user.donor_id))
    card = _prepare_choices(form, campaign)
    problems: list[str] = []
    if campaign is None:
        flash(_("Hiện chưa có cuộc vận động nào đang diễn ra."), "warning")
    elif form.validate_on_submit():
        parsed = form.parse(db.session, card_enabled=card)
        if parsed is not None:
            donor_input, pledge_input = parsed
            actor = Actor.from_request()
            try:
                if (
                    current_user.is_authenticated
                    and current_user.role == Role.DONOR
                    and current_user.donor_id
                ):
                    donor = db.session.get(Donor, current_user.donor_id)
                    pledge_input.contact_email = pledge_input.contact_email or current_user.email
                else:
                    donor = services.insert_donor(db.session, actor, donor_input)
                if pledge_input.earmark_unit_id is not None:  # else the campaign found above
                    campaign = services.campaign_for(db.session, pledge_input.earmark_unit_id) or campaign
                pledge = services.insert_pledge(db.session, actor, campaign, donor, pledge_input)
                _queue_pledge_mails(pledge.id, pledge.payment_method)
            except services.PledgeError as exc:
                db.session.rollback()
                problems.append(str(exc))
            else:
                db.session.commit()  # the mails are queued with the pledge: sent after it, or later, never lost
                flash(_("Cảm ơn quý vị! Đăng ký ủng hộ đã được ghi nhận."), "success")
                return redirect(url_for("pledges.confirmation", reference=pledge.reference))
    if request.method == "POST":
        problems = problems or field_problems(form) or [_("Vui lòng kiểm tra lại các ô được đánh dấu.")]
    return render_template(
        "pledges/pledge_form.html", form=form, campaign=campaign, problems=problems, card_enabled=card
    ), (422 if problems else 200)


def _submission_campaign():  # type: ignore[no-untyped-def]
    """The campaign a submission joins: the one the form showed (formcache), confirmed still active by one
    primary-key lookup; else the database's choice (another process closed it, or the cache is cold)."""
    view = formcache.campaign_view(db.session)
    if view is not None and services.campaign_is_active(db.session, view.id):
        return view
    return services.campaign_for(db.session)


def _fill_defaults(form: PledgeForm, campaign) -> None:  # type: ignore[no-untyped-def]
    """A province's campaign: its province (and its communes) first."""
    if campaign is not None and campaign.scope_unit_id is not None:
        form.province_id.data = form.earmark_province_id.data = str(campaign.scope_unit_id)


def _prepare_choices(form: PledgeForm, campaign) -> bool:  # type: ignore[no-untyped-def]
    """Payment methods and unit lists of the form; True when card payment is offered."""
    province_id = campaign.scope_unit_id if campaign else None
    card = _card_enabled()
    if not card:
        form.payment_method.choices = [
            c for c in form.payment_method.choices if c.value != PaymentMethod.CARD.value
        ]
    form.set_unit_choices(
        _unit_lists()[0],
        {
            "commune_id": _communes_for(form.province_id.data, province_id),
            "earmark_commune_id": _communes_for(form.earmark_province_id.data, province_id),
        },
    )
    return card


CSRF_SLOT, FLASH_SLOT = "\x00csrf\x00", "\x00flashes\x00"  # never in a page (NUL is refused in requests)


def _anonymous_form_page() -> str | None:
    """GET /ung-ho for a visitor without an account: the same page for everyone except its CSRF token, so it
    is rendered once per campaign, unit list, locale and card setting and kept in memory (formcache says when
    it is dropped); each request gets the page with its own token and its own flash messages. None when the
    page must be built afresh: a signed-in user (prefilled details, staff menu), unexpected query arguments,
    or no campaign running (the page then says so)."""
    if current_user.is_authenticated or request.args.keys() - {"lang"}:
        return None
    campaign = formcache.campaign_view(db.session)
    if campaign is None:
        return None
    card = _card_enabled()
    _unit_lists()
    units_built_at = current_app.extensions["pledges.units"][0]
    key = (formcache.generation(), campaign, card, str(get_locale()), units_built_at)

    def build() -> str:
        form = PledgeForm()
        _fill_defaults(form, campaign)
        _prepare_choices(form, campaign)
        html = render_template(
            "pledges/pledge_form.html",
            form=form,
            campaign=campaign,
            problems=[],
            card_enabled=card,
            flash_slot=Markup(FLASH_SLOT),  # noqa: S704 - a constant
        )
        return html.replace(generate_csrf(), CSRF_SLOT)

    page = formcache.cached("pledges.form_page", key, build)
    flashes = render_template("_flashes.html") if http_session.get("_flashes") else ""
    return page.replace(CSRF_SLOT, generate_csrf()).replace(FLASH_SLOT, flashes)


def _prefill_from_donor(form: PledgeForm, donor: Donor | None) -> None:
    if donor is None:
        return
    form.donor_kind.data = (
        DonorKind.BUSINESS.value
        if donor.kind in (DonorKind.BUSINESS, DonorKind.ORGANISATION)
        else donor.kind.value
    )
    form.name.data, form.tax_code.data, form.address.data = donor.name, donor.tax_code, donor.address
    form.contact_person.data, form.email.data, form.phone.data = (
        donor.contact_person,
        current_user.email,
        donor.phone,
    )
    if donor.province_id:
        form.province_id.data = str(donor.province_id)
    if donor.commune_id:
        form.commune_id.data = str(donor.commune_id)


def _queue_pledge_mails(pledge_id: int, method: PaymentMethod) -> None:
    """Mail the donor and, for cash/goods, the staff (for a transfer or card the staff task would do nothing):
    outbox rows committed with the pledge (app.core.outbox), so the broker or SMTP being down never turns a saved
    pledge into an error nor loses its mails."""
    from app.pledges.models import OFFLINE_METHODS

    names = ["pledges.send_confirmation"] + (
        ["pledges.notify_staff_new_pledge"] if method in OFFLINE_METHODS else []
    )
    for name in names:
        outbox.enqueue(db.session, name, pledge_id, dedupe_key=f"{name}:{pledge_id}")


@bp.route("/ung-ho/ds-xa.json")
def communes_json():  # type: ignore[no-untyped-def]
    raw = request.args.get("tinh", "")
    resp = jsonify([{"id": cid, "name": name} for cid, name in _communes_for(raw, None)])
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


def _pledge_by_reference(reference: str) -> Pledge:
    ref = normalize_reference(reference)
    if not ref or len(ref) > 19:
        abort(404)
    pledge = db.session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one_or_none()
    if pledge is None:
        abort(404)
    return pledge


def _is_owner(pledge: Pledge) -> bool:
    return bool(
        current_user.is_authenticated
        and current_user.role == Role.DONOR
        and current_user.donor_id == pledge.donor_id
    )


def _staff_sees(pledge: Pledge) -> bool:
    if not (current_user.is_authenticated and current_user.is_staff):
        return False
    return can_access_unit_id(db.session, current_user, pledge.receiving_unit_id) or (
        pledge.earmark_unit_id is not None
        and can_access_unit_id(db.session, current_user, pledge.earmark_unit_id)
    )


def _claimable(pledge: Pledge) -> bool:
    """An account may be made from a pledge when nobody uses this donor yet and the e-mail is the donor's."""
    if not pledge.contact_email:
        return False
    if db.session.execute(select(User.id).where(User.donor_id == pledge.donor_id)).first():
        return False
    donor_email = (pledge.donor.email or "").lower()
    return not donor_email or donor_email == pledge.contact_email.lower()


@bp.route("/ung-ho/<reference>")
def confirmation(reference: str):  # type: ignore[no-untyped-def]
    pledge = _pledge_by_reference(reference)
    if pledge.reference != reference:
        return redirect(url_for("pledges.confirmation", reference=pledge.reference), code=301)
    paid = services.amount_paid(db.session, pledge.id)
    private = _is_owner(pledge) or _staff_sees(pledge)
    accounts = services.official_accounts_for(db.session, pledge.earmark_unit_id or pledge.receiving_unit_id)
    resp = Response(
        render_template(
            "pledges/confirmation.html",
            pledge=pledge,
            paid=paid,
            outstanding=max(0, pledge.amount_vnd - paid),
            instalments=services.instalment_states(db.session, pledge, paid=paid),
            accounts=accounts,
            private=private,
            card_enabled=_card_enabled() and pledge.kind == PledgeKind.MONEY,
            claimable=not current_user.is_authenticated and _claimable(pledge),
            claim_form=ClaimForm(),
            purpose_label=PURPOSE_LABELS[pledge.purpose],
        )
    )
    resp.headers["Cache-Control"] = "no-store"  # money received must show at once, never a cached "pending"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


@bp.route("/ung-ho/<reference>/tao-tai-khoan", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], error_message="Quá nhiều yêu cầu. Vui lòng thử lại sau.")
def request_account(reference: str):  # type: ignore[no-untyped-def]
    pledge = _pledge_by_reference(reference)
    form = ClaimForm()
    if form.validate_on_submit() and _claimable(pledge):
        notify.send_claim_link(pledge)
    # The same answer whether or not a link went out: the page must not reveal the e-mail or the donor's users.
    flash(_("Nếu đăng ký có email liên hệ, chúng tôi đã gửi liên kết tạo tài khoản tới email đó."), "info")
    return redirect(url_for("pledges.confirmation", reference=pledge.reference))


def _login_new_user(user: User) -> None:
    from flask import session as flask_session

    flask_session.clear()
    login_user(user)


@bp.route("/tai-khoan/kich-hoat/<token>", methods=["GET", "POST"])
def claim_account(token: str):  # type: ignore[no-untyped-def]
    data = notify.read_token("pledge-claim", token)
    pledge = db.session.get(Pledge, data.get("pledge", 0)) if data else None
    if (
        pledge is None
        or not data
        or normalize_email(data.get("email") or "") != normalize_email(pledge.contact_email or "")
    ):
        return render_template(
            "errors/error.html",
            code=400,
            title=_("Liên kết không hợp lệ"),
            message=_("Liên kết đã hết hạn hoặc không đúng. Hãy yêu cầu liên kết mới từ trang đăng ký."),
        ), 400
    if not _claimable(pledge):
        flash(
            _("Nhà tài trợ này đã có tài khoản. Hãy đề nghị người dùng hiện có gửi lời mời cho quý vị."),
            "warning",
        )
        return redirect(url_for("accounts.login"))
    form = AccountForm()
    if request.method == "GET":
        form.full_name.data = pledge.donor.contact_person or pledge.donor.name
    if form.validate_on_submit():
        try:
            user = create_user(
                db.session,
                Actor.from_request(),
                email=pledge.contact_email,
                full_name=form.full_name.data,
                password=form.password.data,
                role=Role.DONOR,
                donor_id=pledge.donor_id,
                title=form.title.data or "",
            )
            if not pledge.donor.email:
                pledge.donor.email = user.email
        except AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            _login_new_user(user)
            flash(_("Đã tạo tài khoản. Từ nay quý vị theo dõi đăng ký và biên nhận tại đây."), "success")
            return redirect(url_for("pledges.dashboard"))
    return render_template(
        "pledges/account_form.html",
        form=form,
        email=pledge.contact_email,
        heading=_("Tạo tài khoản theo dõi đóng góp"),
        donor=pledge.donor,
    )


@bp.route("/tai-khoan/loi-moi/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):  # type: ignore[no-untyped-def]
    data = notify.read_token("donor-invite", token)
    donor = db.session.get(Donor, data.get("donor", 0)) if data else None
    if donor is None or not data:
        return render_template(
            "errors/error.html",
            code=400,
            title=_("Lời mời không hợp lệ"),
            message=_("Lời mời đã hết hạn hoặc không đúng. Hãy đề nghị đồng nghiệp gửi lại."),
        ), 400
    email = normalize_email(data.get("email") or "")
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                db.session,
                Actor.from_request(),
                email=email,
                full_name=form.full_name.data,
                password=form.password.data,
                role=Role.DONOR,
                donor_id=donor.id,
                title=form.title.data or "",
            )
        except AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            _login_new_user(user)
            flash(_("Chào mừng quý vị tham gia tài khoản %(name)s.", name=donor.name), "success")
            return redirect(url_for("pledges.dashboard"))
    return render_template(
        "pledges/account_form.html",
        form=form,
        email=email,
        donor=donor,
        heading=_("Nhận lời mời tham gia tài khoản %(name)s", name=donor.name),
    )


# ------------------------------------------------------------------------------------------ donor pages
@bp.route("/tai-khoan/tong-quan")
@donor_required
def dashboard():  # type: ignore[no-untyped-def]
    donor = db.session.get(Donor, current_user.donor_id)
    pledges = (
        db.session.execute(
            select(Pledge)
            .where(Pledge.donor_id == donor.id)
            .order_by(Pledge.created_at.desc(), Pledge.id.desc())
        )
        .scalars()
        .all()
    )
    paid_by = dict(
        db.session.execute(
            select(Contribution.pledge_id, func.sum(Contribution.amount_vnd))
            .where(
                Contribution.donor_id == donor.id,
                Contribution.status == ContributionStatus.RECORDED,
                Contribution.pledge_id.is_not(None),
            )
            .group_by(Contribution.pledge_id)
        ).all()
    )
    contributions = (
        db.session.execute(
            select(Contribution)
            .where(Contribution.donor_id == donor.id)
            .order_by(Contribution.received_at.desc(), Contribution.id.desc())
            .limit(200)
        )
        .scalars()
        .all()
    )
    due = []
    for p in pledges:
        if p.is_open and p.schedule == PledgeSchedule.INSTALMENTS:
            due += [
                (p, s)
                for s in services.instalment_states(db.session, p, paid=paid_by.get(p.id, 0))
                if s.outstanding_vnd > 0
            ]
    due.sort(key=lambda ps: ps[1].instalment.due_on)
    years = sorted(
        {c.received_on.year for c in contributions if c.status == ContributionStatus.RECORDED}, reverse=True
    )
    colleagues = (
        db.session.execute(select(User).where(User.donor_id == donor.id).order_by(User.id)).scalars().all()
    )
    return render_template(
        "pledges/dashboard.html",
        donor=donor,
        pledges=pledges,
        paid_by=paid_by,
        contributions=contributions,
        due=due,
        years=years,
        colleagues=colleagues,
        invite_form=InviteForm(),
        today=services.today_vn(),
    )


@bp.route("/tai-khoan/moi-dong-nghiep", methods=["POST"])
@donor_required
@limiter.limit("20 per hour", methods=["POST"], error_message="Quá nhiều lời mời. Vui lòng thử lại sau.")
def invite():  # type: ignore[no-untyped-def]
    donor = db.session.get(Donor, current_user.donor_id)
    form = InviteForm()
    if donor.kind not in (DonorKind.BUSINESS, DonorKind.ORGANISATION):
        abort(404)
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        if db.session.execute(select(User.id).where(User.email == email)).first():
            flash(_("Email này đã có tài khoản."), "error")
        else:
            notify.send_invitation(donor, current_user, email)
            from app.audit.services import record

            record(db.session, Actor.from_request(), "donor.invite", "donor", donor.id, new={"email": email})
            db.session.commit()
            flash(_("Đã gửi lời mời tới %(email)s.", email=email), "success")
    else:
        flash(" ".join(field_problems(form)) or _("Email: không hợp lệ."), "error")
    return redirect(url_for("pledges.dashboard") + "#dong-nghiep")


@bp.route("/tai-khoan/bien-nhan/<int:contribution_id>")
@donor_required
def donor_receipt(contribution_id: int):  # type: ignore[no-untyped-def]
    c = db.session.get(Contribution, contribution_id)
    if c is None or c.donor_id != current_user.donor_id:
        abort(404)
    return render_template(
        "pledges/receipt.html",
        c=c,
        unit=c.receiving_unit,
        back=url_for("pledges.dashboard"),
        purpose_label=PURPOSE_LABELS[c.purpose],
    )


@bp.route("/tai-khoan/sao-ke/<int:year>.<fmt>")
@donor_required
def statement(year: int, fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in ("pdf", "xlsx") or not 2000 <= year <= 2100:
        abort(404)
    donor = db.session.get(Donor, current_user.donor_id)
    rows = statements.yearly_contributions(db.session, donor.id, year)
    if fmt == "pdf":
        data, mimetype = statements.statement_pdf(donor, year, rows), "application/pdf"
    else:
        data = statements.statement_xlsx(donor, year, rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="sao-ke-dong-gop-{year}.{fmt}"'
    return resp


# ------------------------------------------------------------------------------------------ staff pages
def _staff_pledge(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not _staff_sees(pledge):
        abort(404)
    return pledge


def _scope(user: User):  # type: ignore[no-untyped-def]
    return or_(
        unit_scope_clause(user, Pledge.receiving_unit_id), unit_scope_clause(user, Pledge.earmark_unit_id)
    )


def _page_of(query, page: int) -> tuple[int, list[Pledge]]:  # type: ignore[no-untyped-def]
    """The number of matching pledges and one page of them, newest first, from one pass over the matches
    (their ids and dates only, counted by a window), then only the page's pledges and donors are loaded."""
    matching = query.with_only_columns(Pledge.id, Pledge.created_at).subquery("matching")
    rows = db.session.execute(
        select(matching.c.id, func.count().over())
        .order_by(matching.c.created_at.desc(), matching.c.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    if not rows:  # nothing on this page: the count still tells how many pages there are
        return db.session.execute(select(func.count()).select_from(matching)).scalar_one(), []
    ids = [r[0] for r in rows]
    found = {
        p.id: p
        for p in db.session.execute(
            select(Pledge).where(Pledge.id.in_(ids)).options(selectinload(Pledge.donor))
        ).scalars()
    }
    return rows[0][1], [found[i] for i in ids]


@bp.route("/can-bo/dang-ky-ung-ho")
@staff_required()
def staff_list():  # type: ignore[no-untyped-def]
    status = request.args.get("trang_thai", "")
    overdue = request.args.get("overdue") in ("1", "on", "true")
    q = nfc(request.args.get("q", "").strip()) or ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    today = services.today_vn()
    query = select(Pledge).where(_scope(current_user))
    if status in {s.value for s in PledgeStatus}:
        query = query.where(Pledge.status == status)
    if overdue:
        query = services.only_overdue(query, today)
    if q:  # the donor is joined only when searching by name (plans stay simple on a national table)
        ref = normalize_reference(q)
        query = query.join(Donor).where(or_(Donor.search_key.contains(fold(q)), Pledge.reference == ref))
    total, pledges = _page_of(query, page)
    ids = [p.id for p in pledges]
    paid_by = (
        dict(
            db.session.execute(
                select(Contribution.pledge_id, func.sum(Contribution.amount_vnd))
                .where(Contribution.pledge_id.in_(ids), Contribution.status == ContributionStatus.RECORDED)
                .group_by(Contribution.pledge_id)
            ).all()
        )
        if ids
        else {}
    )
    if overdue:  # every row shown is overdue: no need to ask again
        overdue_ids = set(ids)
    else:
        overdue_ids = (
            set(
                db.session.execute(
                    select(Pledge.id).where(Pledge.id.in_(ids), services.overdue_clause(today))
                ).scalars()
            )
            if ids
            else set()
        )
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render_template(
        "pledges/staff_list.html",
        pledges=pledges,
        paid_by=paid_by,
        overdue_ids=overdue_ids,
        status=status,
        overdue=overdue,
        q=q,
        page=page,
        pages=pages,
        total=total,
        statuses=PLEDGE_STATUS_LABELS,
    )


@bp.route("/can-bo/dang-ky-ung-ho/<int:pledge_id>")
@staff_required()
def staff_detail(pledge_id: int):  # type: ignore[no-untyped-def]
    pledge = _staff_pledge(pledge_id)
    paid = services.amount_paid(db.session, pledge.id)
    contributions = (
        db.session.execute(
            select(Contribution)
            .where(
                or_(Contribution.pledge_id == pledge.id, Contribution.pledge_reference == pledge.reference)
            )
            .order_by(Contribution.received_at)
        )
        .scalars()
        .all()
    )
    return render_template(
        "pledges/staff_detail.html",
        pledge=pledge,
        paid=paid,
        outstanding=max(0, pledge.amount_vnd - paid),
        instalments=services.instalment_states(db.session, pledge, paid=paid),
        contributions=contributions,
        status_form=StatusForm(),
        overdue=services.overdue_amount(db.session, pledge),
        allowed=services.ALLOWED_MOVES[pledge.status],
        purpose_label=PURPOSE_LABELS[pledge.purpose],
    )


@bp.route("/can-bo/dang-ky-ung-ho/<int:pledge_id>/sua", methods=["GET", "POST"])
@staff_required()
def staff_edit(pledge_id: int):  # type: ignore[no-untyped-def]
    pledge = _staff_pledge(pledge_id)
    form = EditPledgeForm()
    if request.method == "GET":
        form.amount.data = f"{pledge.amount_vnd:,}".replace(",", ".")
        form.schedule.data = pledge.schedule.value
        form.due_on.data = pledge.due_on
        for entry, inst in zip(form.instalments.entries, pledge.instalments, strict=False):
            entry.form.due_on.data = inst.due_on
            entry.form.amount.data = f"{inst.amount_vnd:,}".replace(",", ".")
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            amount = parse_vnd(form.amount.data, field="Số tiền đăng ký")
        except AmountError as exc:
            form.amount.errors.append(str(exc))
            amount = None
        schedule = PledgeSchedule(form.schedule.data or pledge.schedule.value)
        items = parse_instalments(form.instalments) if schedule == PledgeSchedule.INSTALMENTS else []
        if amount is not None and items is not None:
            try:
                services.edit_pledge(
                    db.session,
                    Actor.from_request(),
                    pledge,
                    amount_vnd=amount,
                    schedule=schedule,
                    instalments=items,
                    due_on=form.due_on.data,
                )
            except services.PledgeError as exc:
                db.session.rollback()
                problems.append(str(exc))
            else:
                db.session.commit()
                flash("Đã cập nhật đăng ký.", "success")
                return redirect(url_for("pledges.staff_detail", pledge_id=pledge.id))
    if request.method == "POST":
        problems = problems or field_problems(form) or [_("Vui lòng kiểm tra lại các ô được đánh dấu.")]
    paid = services.amount_paid(db.session, pledge.id)
    return render_template(
        "pledges/staff_edit.html", pledge=pledge, form=form, problems=problems, paid=paid
    ), (422 if problems else 200)


@bp.route("/can-bo/dang-ky-ung-ho/<int:pledge_id>/trang-thai", methods=["POST"])
@staff_required()
def staff_status(pledge_id: int):  # type: ignore[no-untyped-def]
    pledge = _staff_pledge(pledge_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.transition(
                db.session,
                Actor.from_request(),
                pledge,
                PledgeStatus(form.target.data),
                reason=form.reason.data or "",
            )
        except services.PledgeError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"Đăng ký {pledge.reference}: {pledge.status_label}.", "success")
    else:
        flash(" ".join(field_problems(form)) or "Yêu cầu không hợp lệ.", "error")
    return redirect(url_for("pledges.staff_detail", pledge_id=pledge.id))


def _receipt_unit_id(pledge: Pledge | None) -> int | None:
    """Cash and goods are received by the officer's own unit (central admins: the pledge's receiving unit)."""
    if current_user.role == Role.CENTRAL_ADMIN:
        return pledge.receiving_unit_id if pledge else None
    return current_user.unit_id


@bp.route("/can-bo/bien-nhan/moi", methods=["GET", "POST"])
@staff_required(Role.COMMUNE_STAFF, Role.PROVINCE_STAFF)
def receipt_new():  # type: ignore[no-untyped-def]
    form = ReceiptForm()
    pledge = None
    ref = request.values.get("pledge_reference") or request.args.get("ma", "")
    ref_problem = None
    if ref:
        found = db.session.execute(
            select(Pledge).where(Pledge.reference == normalize_reference(ref))
        ).scalar_one_or_none()
        if found is not None and _staff_sees(found):
            pledge = found
        else:
            ref_problem = "Mã đăng ký: không tìm thấy trong địa bàn của đồng chí."
    if request.method == "GET" and pledge is not None:
        form.pledge_reference.data = pledge.reference
        form.donor_name.data = pledge.donor.public_name
        form.purpose.data = pledge.purpose.value
        if pledge.kind == PledgeKind.IN_KIND:
            form.channel.data = "in_kind"
            form.in_kind_description.data = " – ".join(
                filter(None, [pledge.in_kind_description, pledge.in_kind_quantity])
            )
        due = services.outstanding(db.session, pledge)
        form.amount.data = f"{due:,}".replace(",", ".") if due else ""
    problems: list[str] = []
    valid = form.validate_on_submit()
    if ref_problem and request.method == "POST":
        form.pledge_reference.errors = [*form.pledge_reference.errors, ref_problem]
        valid = False
    if valid:
        try:
            amount = parse_vnd(form.amount.data, field="Số tiền")
        except AmountError as exc:
            form.amount.errors.append(str(exc))
            amount = None
        channel = Channel.IN_KIND if form.channel.data == "in_kind" else Channel.CASH
        description = (form.in_kind_description.data or "").strip() or None
        if channel == Channel.IN_KIND and not description:
            form.in_kind_description.errors.append("Mô tả hiện vật: chưa nhập.")
        if pledge is None and not (form.donor_name.data or "").strip() and form.anonymous.data != "anonymous":
            form.donor_name.errors.append("Người/đơn vị nộp: chưa nhập (hoặc chọn “Nhà hảo tâm”).")
        if form.received_on.data is None and not form.received_on.errors:
            form.received_on.errors = ["Ngày nhận: chưa nhập."]
        received_at = (
            datetime.combine(form.received_on.data, time(12, 0), tzinfo=VN_TZ).astimezone(UTC)
            if form.received_on.data
            else None
        )
        if received_at and form.received_on.data > services.today_vn():
            form.received_on.errors.append("Ngày nhận: không được sau hôm nay.")
        if amount is not None and not field_problems(form):
            actor = Actor.from_request()
            unit_id = _receipt_unit_id(pledge)
            key = request.form.get("idempotency_key") or None
            try:
                if pledge is not None:
                    created = services.record_pledge_payment(
                        db.session,
                        actor,
                        pledge,
                        amount_vnd=amount,
                        channel=channel,
                        received_at=received_at,
                        source=f"staff:{current_user.id}",
                        idempotency_key=key,
                        note=form.note.data or "",
                        in_kind_description=description,
                        receiving_unit_id=unit_id,
                    )
                    contribution = created[0]
                else:
                    campaign = services.campaign_for(db.session, unit_id)
                    if campaign is None:
                        raise ContributionError("Chưa có cuộc vận động đang diễn ra cho địa bàn này.")
                    contribution = record_contribution(
                        db.session,
                        actor,
                        campaign,
                        NewContribution(
                            amount_vnd=amount,
                            channel=channel,
                            received_at=received_at,
                            display_name=form.donor_name.data,
                            is_anonymous=form.anonymous.data == "anonymous",
                            donor_kind=DonorKind.INDIVIDUAL,
                            receiving_unit_id=unit_id,
                            purpose=Purpose(form.purpose.data),
                            in_kind_description=description,
                            source=f"staff:{current_user.id}",
                            idempotency_key=key,
                            note=form.note.data or "",
                        ),
                    )
            except (ContributionError, services.PledgeError) as exc:
                db.session.rollback()
                problems.append(str(exc))
            else:
                db.session.commit()
                flash(f"Đã ghi biên nhận số {contribution.receipt_no}.", "success")
                return redirect(url_for("pledges.receipt", contribution_id=contribution.id))
    if request.method == "POST":
        problems = problems or field_problems(form) or [_("Vui lòng kiểm tra lại các ô được đánh dấu.")]
    import secrets

    return render_template(
        "pledges/receipt_form.html",
        form=form,
        pledge=pledge,
        problems=problems,
        idempotency_key=request.form.get("idempotency_key") or secrets.token_urlsafe(16),
    ), (422 if problems else 200)


@bp.route("/can-bo/bien-nhan/<int:contribution_id>")
@staff_required()
def receipt(contribution_id: int):  # type: ignore[no-untyped-def]
    c = db.session.get(Contribution, contribution_id)
    if c is None or not can_access_unit_id(db.session, current_user, c.receiving_unit_id):
        abort(404)
    back = (
        url_for("pledges.staff_detail", pledge_id=c.pledge_id)
        if c.pledge_id
        else url_for("pledges.staff_list")
    )
    return render_template(
        "pledges/receipt.html",
        c=c,
        unit=c.receiving_unit,
        back=back,
        staff=True,
        purpose_label=PURPOSE_LABELS[c.purpose],
    )
