"""Locale selection (Vietnamese by default, English second) and Jinja filters for money and dates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, has_request_context, request, session
from flask_babel import force_locale, get_locale

from app.core.money import format_vnd
from app.extensions import babel

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def today_vn() -> date:
    """Today's date in Vietnam, whatever the server's own zone (a UTC server is a day behind from 00:00 to 07:00)."""
    return datetime.now(VN_TZ).date()


LANGUAGES = ("vi", "en")  # Vietnamese first: the default wherever no one chose


def select_locale() -> str:
    if not has_request_context():  # CLI, tasks: Vietnamese (never touch a session that does not exist)
        return "vi"
    wanted = request.args.get("lang")
    if wanted in ("vi", "en"):
        session["lang"] = wanted
    return session.get("lang", "vi")


def request_language() -> str:
    """The language of the page being answered ('vi' outside a request): stored with what a person creates (a
    donor record, a pledge) so that what is sent to them later, from a task, speaks it (`in_language`)."""
    if not has_request_context():
        return "vi"
    lang = str(get_locale() or "vi")
    return lang if lang in LANGUAGES else "vi"


@contextmanager
def in_language(lang: str | None) -> Iterator[str]:
    """Build a message for its recipient in the recipient's language: every e-mail and SMS text (subject and
    body) is rendered inside this block, in a task or a request alike (issue 16). An unknown or empty language is
    Vietnamese. Within the block `_()`, templates and `message_for` translate into `lang`."""
    lang = lang if lang in LANGUAGES else "vi"
    with force_locale(lang):
        yield lang


def format_date_vn(value: date | datetime | None) -> str:
    """dd/mm/yyyy, in Vietnam's time zone for datetimes."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(VN_TZ)
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def format_datetime_vn(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam's time zone."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime("%d/%m/%Y %H:%M")


def format_number_vn(value: int | None) -> str:
    return format_vnd(value, symbol=False)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.filters["vnd"] = format_vnd
    app.jinja_env.filters["number"] = format_number_vn
    app.jinja_env.filters["date_vn"] = format_date_vn
    app.jinja_env.filters["datetime_vn"] = format_datetime_vn
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["message"] = shown_message


def shown_message(value: object) -> str:
    """`{{ x|message }}`: a message kept as Vietnamese text, a `N_` message or one stored as JSON
    (app.core.messages.stored), in the reader's language."""
    from app.core.messages import restored
    from app.core.transaction import translate

    return translate(restored(value))
