from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts.forms import LoginForm
from app.accounts.models import Role, User
from app.accounts.services import AccountError, authenticate
from app.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "warning"


@login_manager.user_loader
def load_user(value: str) -> User | None:
    user_id, _, version = value.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_version) != version:
        return None
    return user


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


@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               error_message="Quá nhiều lần đăng nhập. Vui lòng thử lại sau ít phút.")
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(db.session, form.email.data, form.password.data,
                                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                                lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"], ip=request.remote_addr)
        except AccountError as exc:
            db.session.commit()  # keep the failure count
            flash(str(exc), "error")
        else:
            db.session.commit()
            lang = session.get("lang")
            session.clear()  # a fresh session at login (no fixation)
            if lang:
                session["lang"] = lang
            login_user(user, remember=bool(form.remember.data))
            flash(f"Xin chào {user.full_name}!", "success")
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
    return render_template("accounts/login.html", form=form)


@bp.route("/dang-xuat", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("pages.home"))
