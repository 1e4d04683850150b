from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response as BaseResponse

from app.accounts import sessions
from app.accounts.access import may_open
from app.accounts.forms import ForgotPasswordForm, LoginForm, LogoutEverywhereForm, ResetPasswordForm
from app.accounts.models import Role, User
from app.accounts.services import (
    RESET_TOKEN_HOURS,
    AccountError,
    authenticate,
    end_all_sessions,
    issue_reset_token,
    reset_password,
    valid_reset_token,
)
from app.accounts.throttle import login_throttle
from app.core import transaction
from app.core.actor import Actor
from app.core.i18n import in_language, request_language
from app.core.mail import Mail, send_mail
from app.core.messages import N_
from app.core.transaction import domain_errors
from app.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)
bp.after_app_request(sessions.renew_remember_cookie)
bp.add_app_template_global(may_open)  # the staff navigation shows a link only to whom may open it

login_manager.login_view = "accounts.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "warning"


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user: User) -> str:
    if user.role == Role.DONOR:
        return url_for("pages.donor_home")
    return url_for("pages.staff_home")


def _remember_device(response: BaseResponse, user: User) -> None:
    cfg = current_app.config
    throttle = login_throttle(current_app)
    throttle.remember_device(
        response,
        throttle.read_device(request, cfg["LOGIN_DEVICE_COOKIE_DAYS"]),
        user.email,
        max_age_days=cfg["LOGIN_DEVICE_COOKIE_DAYS"],
        secure=bool(cfg.get("SESSION_COOKIE_SECURE")),
    )


def _login_failed(response: Response) -> bool:
    """Only failed attempts count towards the per-address limit (Flask-Limiter's deduct_when)."""
    return bool(g.get("login_failed"))


@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=_login_failed,
    error_message="Quá nhiều lần đăng nhập sai từ địa chỉ này. Vui lòng thử lại sau ít phút.",
)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        throttle = login_throttle(current_app)
        device = throttle.read_device(request, cfg["LOGIN_DEVICE_COOKIE_DAYS"])
        try:
            user = authenticate(
                db.session,
                form.email.data,
                form.password.data,
                throttle=throttle,
                device=device,
                ip=request.remote_addr,
            )
        except AccountError as exc:
            g.login_failed = True  # the page answers 200: the boundary commits the audit entry of a delay
            # LoginDelayed's messages carry the wait: the msgid keeps its %(seconds)s placeholder.
            flash(_(str(exc), seconds=getattr(exc, "seconds", 0)), "error")
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session at login (no fixation)
            if lang:
                session["lang"] = lang
            login_user(user, remember=bool(form.remember.data))
            sessions.mark_remembered(bool(form.remember.data))
            flash(_("Xin chào %(name)s!", name=user.full_name), "success")
            response = redirect(_safe_next(request.args.get("next")) or home_for(user))
            _remember_device(response, user)
            return response
    return render_template("accounts/login.html", form=form)


@bp.route("/dang-xuat", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    end_all_sessions(db.session, Actor.from_request(), current_user._get_current_object())
    sessions.end_browser_session()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/tai-khoan/bao-mat")
@login_required
def account_security() -> ResponseReturnValue:
    return render_template("accounts/security.html", form=LogoutEverywhereForm())


@bp.route("/tai-khoan/dang-xuat-moi-thiet-bi", methods=["POST"])
@login_required
def logout_everywhere() -> ResponseReturnValue:
    form = LogoutEverywhereForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.account_security"))
    end_all_sessions(db.session, Actor.from_request(), current_user._get_current_object(), everywhere=True)
    sessions.end_browser_session()
    flash(
        _("Đã đăng xuất khỏi mọi thiết bị. Mọi phiên đăng nhập, kể cả “Ghi nhớ đăng nhập”, đã kết thúc."),
        "success",
    )
    return redirect(url_for("accounts.login"))


RESET_SENT = N_(
    "Nếu email này có tài khoản, chúng tôi đã gửi một liên kết đặt lại mật khẩu. Liên kết chỉ dùng được "
    "một lần và hết hạn sau 1 giờ. Vui lòng kiểm tra hộp thư (cả thư rác)."
)


def _no_store(response: Response) -> Response:
    """Reset pages carry a secret in the URL: never cache them, never send it on as a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config.get("RESET_RATE_LIMIT", "5 per minute;20 per hour"),
    methods=["POST"],
    error_message="Quá nhiều yêu cầu đặt lại mật khẩu. Vui lòng thử lại sau ít phút.",
)
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        issued = issue_reset_token(
            db.session,
            form.email.data,
            ip=request.remote_addr,
            max_per_hour=current_app.config.get("RESET_MAX_PER_HOUR", 3),
        )
        if issued:
            user, token = issued
            # The link is built from the configured public address, never from the request's Host header.
            base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
            link = base + url_for("accounts.reset_password", token=token)
            with in_language(request_language()):  # the language of the page that asked
                body = "\n\n".join(
                    [
                        _("Xin chào %(name)s,", name=user.full_name),
                        _("Ai đó (có thể là bạn) đã yêu cầu đặt lại mật khẩu tài khoản Chung Tay.")
                        + " "
                        + _(
                            "Mở liên kết sau trong vòng %(hours)s giờ để đặt mật khẩu mới (liên kết chỉ dùng được "
                            "một lần):",
                            hours=RESET_TOKEN_HOURS,
                        ),
                        link,
                        _("Nếu bạn không yêu cầu, hãy bỏ qua thư này; mật khẩu của bạn không thay đổi."),
                    ]
                )
                mail = Mail(to=[user.email], subject=_("Đặt lại mật khẩu Chung Tay"), body=body + "\n")
            transaction.on_commit(lambda: send_mail(mail))  # the token is saved before the link leaves
        flash(_(RESET_SENT), "info")
        return redirect(url_for("accounts.forgot_password"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"], endpoint="reset_password")
@limiter.limit(
    lambda: current_app.config.get("RESET_RATE_LIMIT", "5 per minute;20 per hour"),
    methods=["POST"],
    error_message="Quá nhiều lần thử. Vui lòng thử lại sau ít phút.",
)
def reset_password_view(token: str) -> ResponseReturnValue:
    try:
        valid_reset_token(db.session, token)
    except AccountError as exc:
        return _no_store(
            current_app.make_response(
                (render_template("accounts/reset_password.html", form=None, error=_(str(exc))), 400)
            )
        )
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with domain_errors(form, errors=AccountError, field="password") as outcome:
            user = reset_password(db.session, token, form.password.data, ip=request.remote_addr)
        if outcome.ok:
            sessions.end_browser_session()
            flash(
                _("Đã đặt mật khẩu mới. Mọi phiên đăng nhập cũ đã kết thúc; vui lòng đăng nhập lại."),
                "success",
            )
            response = redirect(url_for("accounts.login"))
            # Whoever opened the link from the mailbox now knows the password: like a sign-in, this browser is
            # known to the account, so strangers' failed attempts do not delay the next sign-in here.
            _remember_device(response, user)
            return response
    return _no_store(
        current_app.make_response(render_template("accounts/reset_password.html", form=form, error=None))
    )
