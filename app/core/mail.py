"""Outgoing e-mail: printed to the console in development, kept in memory in tests, SMTP in production."""

from __future__ import annotations

import smtplib
import sys
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import current_app

OUTBOX: list[EmailMessage] = []  # the "memory" backend's sent mail, for tests


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe (app.notifications)


def build_message(mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.body)
    for att in mail.attachments:
        maintype, subtype = att.mimetype.split("/", 1)
        msg.add_attachment(att.content, maintype=maintype, subtype=subtype, filename=att.filename)
    return msg


def send_mail(mail: Mail) -> EmailMessage:
    """Send now (call it from a Celery task for anything slow or bulk)."""
    msg = build_message(mail)
    backend = current_app.config.get("MAIL_BACKEND", "console")
    if backend == "memory":
        OUTBOX.append(msg)
    elif backend == "smtp":
        cfg = current_app.config
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
    else:
        print(
            f"----- e-mail -----\nTo: {msg['To']}\nSubject: {mail.subject}\n\n{mail.body}\n"
            f"[{len(mail.attachments)} attachment(s)]\n------------------",
            file=sys.stderr,
        )
    return msg
