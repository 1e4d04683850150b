"""Opting out by the link in a message (public, one click), the donor's channels (account), and the staff list of
messages that could not be sent."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import donor_required, staff_required
from app.accounts.models import Role
from app.core.actor import Actor
from app.donors.models import Donor
from app.extensions import csrf, db
from app.notifications import services
from app.notifications.forms import ChannelsForm
from app.notifications.models import Channel

bp = Blueprint("notifications", __name__)


@bp.route("/tc/<code>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client's one-click POST carries no token; the signed code is the authority
def opt_out(code: str) -> ResponseReturnValue:
    """The link in every message: GET asks, POST (the button, or the mail client's List-Unsubscribe-Post)
    records the opt-out of that message's address on that channel."""
    n = services.notification_for_code(db.session, code)
    if n is None:
        return render_template("notifications/opt_out.html", n=None), 404
    done = request.method == "POST"
    if done:
        services.opt_out(
            db.session, Actor.from_request(), n.channel, n.address, donor_id=n.donor_id, source="link"
        )
    return render_template(
        "notifications/opt_out.html", n=n, done=done, address=services.mask(n.address), code=code
    )


@bp.route("/tai-khoan/thong-bao", methods=["GET", "POST"])
@donor_required
def channels() -> ResponseReturnValue:
    donor = db.session.get_one(Donor, current_user.donor_id)
    chosen = services.chosen_channels(db.session, donor)
    form = ChannelsForm()
    if request.method == "GET":
        form.email.data = Channel.EMAIL in chosen
        form.sms.data = Channel.SMS in chosen
    if form.validate_on_submit():
        services.set_channels(
            db.session,
            Actor.from_request(),
            donor,
            email=bool(form.email.data and donor.email),
            sms_on=bool(form.sms.data and donor.phone and services.sms_enabled()),
        )
        flash(_("Đã lưu cách nhận thông báo."), "success")
        return redirect(url_for("notifications.channels"))
    return render_template(
        "notifications/channels.html",
        form=form,
        donor=donor,
        sms_enabled=services.sms_enabled(),
        opted_out={
            c: bool(a and services.opted_out(db.session, c, a))
            for c, a in ((Channel.EMAIL, donor.email), (Channel.SMS, donor.phone))
        },
    )


@bp.route("/can-bo/thong-bao-loi")
@staff_required(Role.CENTRAL_ADMIN)
def problems() -> ResponseReturnValue:
    """Messages that failed or wait for a retry after an error (addresses masked)."""
    return render_template(
        "notifications/problems.html", rows=services.problems(db.session), mask=services.mask
    )
