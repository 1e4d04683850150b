"""Request-wide behaviour: security headers, Vietnamese error pages, navigation and template helpers."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, SecurityError

from app.core import qr
from app.core.messages import N_
from app.extensions import db

ERROR_TITLES = {
    400: N_("Yêu cầu không hợp lệ"),
    403: N_("Bạn không có quyền truy cập trang này"),
    404: N_("Không tìm thấy trang"),
    405: N_("Phương thức không được phép"),
    413: N_("Tệp tải lên quá lớn"),
    429: N_("Quá nhiều yêu cầu"),
    500: N_("Lỗi hệ thống"),
}


def public_url(endpoint: str, **values: object) -> str:
    """The absolute address of one of our pages, for whatever leaves the request: e-mails, QR codes, printed
    certificates and receipts, cached public pages. Built on PUBLIC_BASE_URL (in development: the port the
    server runs on, see config.py), never on the request's Host header, which a client chooses (a forged Host
    would put its address into a mail or a cached page). Needs no request (a Celery worker has none)."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def qr_svg(content: str, title: str, scale: int = 4) -> Markup:
    """Template helper: the QR code of `content` as inline SVG (app.core.qr)."""

    # segno writes the SVG itself and escapes the title it puts in it: nothing of `content` reaches the markup
    # unescaped (the code is drawn as a path).
    return Markup(qr.svg(content, title=title, scale=scale))  # noqa: S704


def download(
    data: bytes | str, filename: str, mimetype: str, *, inline: bool = False, private: bool = True
) -> Response:
    """The one way a view hands a file to the browser: `filename` (ASCII, our own naming) as an attachment, or
    shown in the browser with `inline`. `private` (the default: a donor's papers, a staff file with bank details)
    keeps it out of every cache on the way (Cache-Control: private, no-store)."""
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    if private:
        resp.headers["Cache-Control"] = "private, no-store"
    return resp


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        csp = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self' https://checkout.stripe.com; "
            "base-uri 'self'; object-src 'none'"
        )
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if app.config.get("SECURITY_HSTS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if (
            request.endpoint
            and not request.endpoint.endswith("static")
            and "Cache-Control" not in response.headers
        ):
            from flask_login import current_user

            if current_user.is_authenticated:
                response.headers["Cache-Control"] = "private, no-store"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        return render_template(
            "errors/error.html",
            code=400,
            title=N_("Phiên làm việc đã hết hạn"),
            message=N_("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF). Vui lòng tải lại trang và thử lại."),
        ), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError) -> ResponseReturnValue:
        # Raised before routing when the Host header is not in TRUSTED_HOSTS: answered without a template,
        # since building any link for this request would have to start from the untrusted host.
        body = (
            '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Yêu cầu không hợp lệ</title>'
            "<h1>Yêu cầu không hợp lệ</h1><p>Địa chỉ (tên miền) bạn dùng để truy cập không phải địa chỉ "
            "của hệ thống Chung Tay. Vui lòng truy cập qua địa chỉ chính thức.</p></html>"
        )
        return body, 400, {"Content-Type": "text/html; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        code = exc.code or 500
        if request.path.startswith("/api/"):
            return {"error": ERROR_TITLES.get(code, exc.name), "status": code}, code
        if code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH") or 0
            message: str | None = gettext(
                "Dữ liệu gửi lên vượt quá giới hạn %(mb)s MB. Vui lòng chọn tệp nhỏ hơn (ví dụ: tách bảng tính thành "
                "nhiều tệp) rồi thử lại.",
                mb=limit // (1024 * 1024),
            )
        else:
            message = exc.description if code in (400, 429) and exc.description else None
        return render_template(
            "errors/error.html", code=code, title=ERROR_TITLES.get(code, exc.name), message=message
        ), code

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("Unhandled error")

        db.session.rollback()
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return render_template(
            "errors/error.html",
            code=500,
            title=ERROR_TITLES[500],
            message=N_("Đã có lỗi xảy ra. Thao tác chưa được lưu. Vui lòng thử lại sau."),
        ), 500

    @app.before_request
    def request_id() -> None:
        g.request_id = secrets.token_hex(8)

    @app.before_request
    def refuse_nul_characters() -> None:
        """NUL cannot be stored by PostgreSQL and is never typed by a person: refuse it with a message
        instead of failing deep in a service (URL, query string and form fields; uploads are checked
        by app.core.uploads)."""
        values = [request.path, *request.args.values()]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += request.form.values()
        if any("\x00" in v for v in values):
            abort(400, description="Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL). Vui lòng nhập lại.")

    app.jinja_env.globals["public_url"] = public_url
    app.jinja_env.globals["qr_svg"] = qr_svg
