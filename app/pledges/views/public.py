"""Public pledge pages: the form, the confirmation, and turning a pledge into a donor account."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import (
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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user
from markupsafe import Markup
from sqlalchemy import or_, update
from wtforms.fields.choices import SelectChoice

from app.accounts.models import Role, User
from app.accounts.services import AccountError, create_user, normalize_email
from app.banking.services import official_accounts_for
from app.core import outbox
from app.core.actor import Actor
from app.core.db import rowcount, utcnow
from app.core.forms import field_problems
from app.core.transaction import domain_errors, on_commit
from app.donors import services as donor_services
from app.donors.models import Donor, DonorKind
from app.extensions import db, limiter
from app.ledger.models import PURPOSE_LABELS
from app.pledges import formcache, notify, services
from app.pledges.forms import (
    AccountForm,
    ClaimForm,
    PledgeForm,
    new_submission_key,
)
from app.pledges.models import (
    OFFLINE_METHODS,
    PaymentMethod,
    Pledge,
    PledgeKind,
)
from app.pledges.views.common import (
    bp,
    card_enabled,
    claimable,
    communes_for,
    holds_pledge,
    is_owner,
    pledge_by_reference,
    remember_own,
    staff_sees,
    unit_lists,
)


@bp.route("/ung-ho", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config.get("PLEDGE_RATE_LIMIT", "20 per minute;300 per hour"),
    methods=["POST"],
    error_message="Quá nhiều lượt gửi đăng ký từ một địa chỉ. Vui lòng thử lại sau ít phút.",
)
def pledge_form() -> ResponseReturnValue:
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
            with domain_errors(errors=services.PledgeError, quiet=True) as outcome:
                own = None
                if (
                    current_user.is_authenticated
                    and current_user.role == Role.DONOR
                    and current_user.donor_id
                ):
                    own = db.session.get(Donor, current_user.donor_id)
                    pledge_input.contact_email = pledge_input.contact_email or current_user.email
                donor, pledge = services.record_submission(
                    db.session,
                    actor,
                    campaign,
                    own,
                    donor_input,
                    pledge_input,
                    contact=bool(form.consent_contact.data),
                )
                _choose_channels(actor, donor.id, form.notify_by.data)
                _queue_pledge_mails(
                    pledge.id, pledge.payment_method, asks_business=getattr(donor, "claims", None)
                )
            earlier = (
                services.pledge_for_submission(db.session, pledge_input.submission_key)
                if isinstance(outcome.error, services.AlreadySubmitted) and pledge_input.submission_key
                else None
            )
            if (
                earlier is not None
            ):  # the same page sent again (double click, retry, back button): same pledge, no mail
                flash(_("Cảm ơn quý vị! Đăng ký ủng hộ đã được ghi nhận."), "success")
                return redirect(url_for("pledges.confirmation", reference=earlier.reference))
            if not outcome.ok:
                problems.append(outcome.message)
            else:
                remember_own(pledge.id)  # this browser typed it: it sees the pledge as its donor (19.1)
                flash(_("Cảm ơn quý vị! Đăng ký ủng hộ đã được ghi nhận."), "success")
                return redirect(url_for("pledges.confirmation", reference=pledge.reference))
    if request.method == "POST":
        problems = problems or field_problems(form) or [_("Vui lòng kiểm tra lại các ô được đánh dấu.")]
    return render_template(
        "pledges/pledge_form.html",
        form=form,
        campaign=campaign,
        problems=problems,
        card_enabled=card,
        submission_key=form.submission_key_value() or new_submission_key(),
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
    card = card_enabled()
    if not card:
        form.payment_method.choices = [
            c for c in form.payment_method.choices if c.value != PaymentMethod.CARD.value
        ]
    from app.notifications.services import sms_enabled

    if not sms_enabled():
        # No SMS backend configured: the channel is not offered ("auto" then means e-mail when one is given).
        form.notify_by.choices = [
            SelectChoice("auto", _("Thư điện tử")) if c.value == "auto" else c
            for c in form.notify_by.choices
            if c.value in ("auto", "none")
        ]
    form.set_country_choices(str(get_locale() or "vi"))
    form.set_unit_choices(
        unit_lists()[0],
        {
            "commune_id": communes_for(form.province_id.data, province_id),
            "earmark_commune_id": communes_for(form.earmark_province_id.data, province_id),
        },
    )
    return card


def _anonymous_form_page() -> str | None:
    """GET /ung-ho for a visitor without an account, served by app.pledges.formcache.page (rendered once per
    campaign, unit list, locale and card setting; each request gets its own CSRF token and flash messages).
    None when the page must be built afresh: a signed-in user (prefilled details, staff menu), unexpected query
    arguments, or no campaign running (the page then says so)."""
    if current_user.is_authenticated or request.args.keys() - {"lang"}:
        return None
    campaign = formcache.campaign_view(db.session)
    if campaign is None:
        return None
    card = card_enabled()
    unit_lists()
    units_built_at = current_app.extensions["pledges.units"][0]
    key = (formcache.generation(), campaign, card, str(get_locale()), units_built_at)

    def render(flash_slot: str) -> str:
        form = PledgeForm()
        _fill_defaults(form, campaign)
        _prepare_choices(form, campaign)
        return render_template(
            "pledges/pledge_form.html",
            form=form,
            campaign=campaign,
            problems=[],
            card_enabled=card,
            flash_slot=flash_slot,
            submission_key=Markup(formcache.KEY_SLOT),  # noqa: S704 - a constant, swapped per request
        )

    return formcache.page(key, render)


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
    form.country.data = donor.country


def _choose_channels(actor: Actor, donor_id: int, choice: str | None) -> None:
    """The channels chosen on the form, for the donor record this pledge made (or the signed-in donor's own):
    "auto" leaves the default (e-mail when given, else SMS: app.notifications.services.default_channels)."""
    from app.notifications.services import set_channels

    if choice in ("email", "sms", "both", "none"):
        donor = db.session.get_one(Donor, donor_id)
        set_channels(
            db.session, actor, donor, email=choice in ("email", "both"), sms_on=choice in ("sms", "both")
        )


def _queue_pledge_mails(pledge_id: int, method: PaymentMethod, *, asks_business: int | None = None) -> None:
    """Mail the donor and, for cash/goods, the staff (for a transfer or card the staff task would do nothing):
    outbox rows committed with the pledge (app.core.outbox), so the broker or SMTP being down never turns a saved
    pledge into an error nor loses its mails."""

    names = (
        ["pledges.send_confirmation"]
        + (["pledges.notify_staff_new_pledge"] if method in OFFLINE_METHODS else [])
        + (["pledges.ask_business"] if asks_business is not None else [])
    )
    for name in names:
        outbox.enqueue(db.session, name, pledge_id, dedupe_key=f"{name}:{pledge_id}")


@bp.route("/ung-ho/ds-xa.json")
def communes_json() -> ResponseReturnValue:
    raw = request.args.get("tinh", "")
    resp = jsonify([{"id": cid, "name": name} for cid, name in communes_for(raw, None)])
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


@bp.route("/ung-ho/<reference>")
def confirmation(reference: str) -> ResponseReturnValue:
    """The pledge page. Its reference is on the public statement, so a visitor who only knows it sees what the
    statement shows (name published, campaign, area, status, money received); the donor (the browser that typed
    it, a signed-in user of its donor, a signed link from its e-mails) and the staff in charge see everything:
    amount, schedule, goods, how to pay, contact details (issue 19.1)."""
    pledge = pledge_by_reference(reference)
    if pledge.reference != reference:
        return redirect(url_for("pledges.confirmation", reference=pledge.reference), code=301)
    key = request.args.get("k")
    if key and notify.viewer_pledge_id(key) == pledge.id:
        remember_own(pledge.id)
        return redirect(url_for("pledges.confirmation", reference=pledge.reference))  # no key left in the URL
    paid = services.amount_paid(db.session, pledge.id)
    donor_view = is_owner(pledge) or holds_pledge(pledge)
    private = donor_view or staff_sees(pledge)
    accounts = (
        official_accounts_for(db.session, pledge.earmark_unit_id or pledge.receiving_unit_id)
        if private
        else []
    )
    due = services.amount_due(db.session, pledge, paid=paid)
    whole = (
        request.args.get("muc") == "con-lai"
    )  # the donor chose the whole remainder over the instalment due
    resp = Response(
        render_template(
            "pledges/confirmation.html",
            pledge=pledge,
            paid=paid,
            outstanding=max(0, pledge.amount_vnd - paid),
            instalments=services.instalment_states(db.session, pledge, paid=paid) if private else [],
            accounts=accounts,
            due=due,
            whole=whole,
            asked=due.remainder_vnd if whole else due.amount_vnd,
            private=private,
            card_enabled=card_enabled() and pledge.kind == PledgeKind.MONEY,
            claimable=donor_view and not current_user.is_authenticated and claimable(pledge),
            claim_form=ClaimForm(),
            purpose_label=PURPOSE_LABELS[pledge.purpose],
        )
    )
    resp.headers["Cache-Control"] = "no-store"  # money received must show at once, never a cached "pending"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


@bp.route("/ung-ho/<reference>/trang-thai.json")
def live_status(reference: str) -> ResponseReturnValue:
    """The pledge page's figures for its live script (app.pledges.live): revalidated by an ETag on the money
    version, so a poll between two money movements costs no query."""
    from app.core.page_cache import money_version
    from app.pledges.live import pledge_status

    pledge = pledge_by_reference(reference)
    if not (holds_pledge(pledge) or staff_sees(pledge)):
        abort(
            404
        )  # the figures are the donor's: a reference alone shows only what the public statement shows
    version = money_version()
    tag = hashlib.sha256(f"{version}:{reference}:{get_locale()}".encode()).hexdigest()[:32]
    if version != "None" and request.if_none_match.contains(tag):  # "None": cache down, no version to trust
        resp = Response(status=304)
    else:
        resp = jsonify(pledge_status(db.session, pledge))
    resp.set_etag(tag)
    resp.headers["Cache-Control"] = "private, no-cache"  # kept by the browser, asked again each time
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


CLAIM_MAIL_EVERY = timedelta(hours=1)


@bp.route("/ung-ho/<reference>/tao-tai-khoan", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], error_message="Quá nhiều yêu cầu. Vui lòng thử lại sau.")
def request_account(reference: str) -> ResponseReturnValue:
    """Send the account link to the pledge's own contact: only the donor may ask, and one mail an hour per
    pledge whoever asks (a stranger who knows the reference cannot flood the donor's inbox)."""
    pledge = pledge_by_reference(reference)
    form = ClaimForm()
    if form.validate_on_submit() and holds_pledge(pledge) and claimable(pledge):
        now = utcnow()
        claimed = rowcount(
            db.session.execute(
                update(Pledge)
                .where(
                    Pledge.id == pledge.id,
                    or_(Pledge.claim_sent_at.is_(None), Pledge.claim_sent_at < now - CLAIM_MAIL_EVERY),
                )
                .values(claim_sent_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        if claimed:
            on_commit(lambda: notify.send_claim_link(pledge), db.session)
    # The same answer whether or not a link went out: the page must not reveal the e-mail or the donor's users.
    flash(_("Nếu đăng ký có email liên hệ, chúng tôi đã gửi liên kết tạo tài khoản tới email đó."), "info")
    return redirect(url_for("pledges.confirmation", reference=pledge.reference))


@bp.route("/ung-ho/xac-nhan-doanh-nghiep/<token>", methods=["GET", "POST"])
def business_confirm(token: str) -> ResponseReturnValue:
    """The one-click link mailed to a verified business's users: this pledge made in your name — yours or not?"""
    data = notify.read_token("pledge-attach", token)
    pledge = db.session.get(Pledge, data.get("pledge", 0)) if data else None
    if pledge is None or not data or pledge.claimed_donor_id != data.get("donor"):
        return render_template(
            "errors/error.html",
            code=400,
            title=_("Liên kết không hợp lệ"),
            message=_("Liên kết đã hết hạn, không đúng, hoặc đăng ký đã được xác nhận."),
        ), 400
    form = ClaimForm()
    if request.method == "POST" and form.validate_on_submit():
        actor = Actor.from_request()
        if request.form.get("action") == "reject":
            donor_services.reject_claim(db.session, actor, pledge, how="business")
            flash(_("Đã ghi nhận: đăng ký %(ref)s không phải của quý đơn vị.", ref=pledge.reference), "info")
        else:
            donor_services.attach_pledge(db.session, actor, pledge, how="business")
            flash(_("Đã xác nhận đăng ký %(ref)s thuộc quý đơn vị.", ref=pledge.reference), "success")
        return redirect(url_for("pledges.business_confirmed"))
    return render_template(
        "pledges/business_confirm.html", pledge=pledge, business=pledge.claimed_donor, form=form
    )


@bp.route("/ung-ho/xac-nhan-doanh-nghiep")
def business_confirmed() -> ResponseReturnValue:
    return render_template("pledges/business_confirm.html", pledge=None, business=None, form=None)


def _login_new_user(user: User) -> None:
    from flask import session as flask_session

    flask_session.clear()
    login_user(user)


@bp.route("/tai-khoan/kich-hoat/<token>", methods=["GET", "POST"])
def claim_account(token: str) -> ResponseReturnValue:
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
    if not claimable(pledge):
        flash(
            _("Nhà tài trợ này đã có tài khoản. Hãy đề nghị người dùng hiện có gửi lời mời cho quý vị."),
            "warning",
        )
        return redirect(url_for("accounts.login"))
    form = AccountForm()
    if request.method == "GET":
        form.full_name.data = pledge.donor.contact_person or pledge.donor.name
    if form.validate_on_submit():
        with domain_errors(form, errors=AccountError, field="password") as outcome:
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
        if outcome.ok:
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
def accept_invitation(token: str) -> ResponseReturnValue:
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
        with domain_errors(form, errors=AccountError, field="password") as outcome:
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
        if outcome.ok:
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
