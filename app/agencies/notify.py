"""The agency's signed link: mailed to the address it registered, it is both the e-mail confirmation and the key to
its collection's pages (the pledges' signed-link machinery, app.pledges.notify)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from app.core.i18n import in_language
from app.core.mail import Mail, send_mail
from app.core.web import public_url
from app.pledges.notify import VIEW_MAX_AGE, make_token, read_token

SALT = "agency-collection"


def token_for(collection_id: int, email: str) -> str:
    return make_token(SALT, {"a": collection_id, "e": email})


def read(token: str) -> tuple[int, str] | None:
    data = read_token(SALT, token, max_age=VIEW_MAX_AGE)
    if not data or not isinstance(data.get("a"), int) or not isinstance(data.get("e"), str):
        return None
    return data["a"], data["e"]


def send_link(collection_id: int, email: str, name: str, lang: str = "vi") -> None:
    """Mailed once the registration is committed (app.core.transaction.on_commit), in the language of the page
    the agency registered on."""
    link = public_url("agencies.manage", token=token_for(collection_id, email))
    with in_language(lang):
        body = render_template("agencies/mail_link.txt", name=name, link=link)
        subject = _("Đợt thu ủng hộ của %(name)s – Chung Tay", name=name)
    send_mail(Mail(to=[email], subject=subject, body=body))
