"""What we told whom, on which channel; each donor's channels; and every opt-out (issue 19.6)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, str_enum, utcnow
from app.extensions import Model


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


CHANNEL_LABELS = {Channel.EMAIL: "Thư điện tử", Channel.SMS: "Tin nhắn SMS"}


class Event(enum.StrEnum):
    PLEDGE_RECORDED = "pledge_recorded"
    MONEY_RECEIVED = "money_received"
    INSTALMENT_DUE = "instalment_due"
    CERTIFICATE_ISSUED = "certificate_issued"
    HOUSE_HANDED_OVER = "house_handed_over"


EVENT_LABELS = {
    Event.PLEDGE_RECORDED: "Đăng ký ủng hộ đã ghi nhận",
    Event.MONEY_RECEIVED: "Đã nhận tiền",
    Event.INSTALMENT_DUE: "Sắp đến hạn nộp",
    Event.CERTIFICATE_ISSUED: "Thư cảm ơn, giấy chứng nhận",
    Event.HOUSE_HANDED_OVER: "Nhà đã bàn giao",
}


class Status(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENT = "sent"  # the provider accepted it (eSMS CodeResult 100, the SMTP server took the mail)
    FAILED = "failed"  # given up: a permanent refusal or MAX_ATTEMPTS tries
    SKIPPED = "skipped"  # nothing to send any more (opted out meanwhile, the record it spoke of is gone)


STATUS_LABELS = {
    Status.PENDING: "Đang chờ gửi",
    Status.SENT: "Đã gửi",
    Status.FAILED: "Gửi không được",
    Status.SKIPPED: "Không gửi",
}


class Notification(Model):
    """One message on one channel to one address. Written by `notify()` in the caller's transaction (with the
    change it speaks of), delivered by the `notifications.deliver` task after the commit, retried with backoff."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    event: Mapped[Event] = mapped_column(str_enum(Event, "notification_event"), nullable=False)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "notification_channel"), nullable=False)
    address: Mapped[str] = mapped_column(
        String(255), nullable=False
    )  # an e-mail, or a phone number (0… / +…)
    # What the message is about (a pledge, a contribution, an instalment, a certificate, a need): the e-mail is
    # built from the record at delivery; an SMS's text is written here at once (body).
    subject_type: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    status: Mapped[Status] = mapped_column(
        str_enum(Status, "notification_status"), default=Status.PENDING, nullable=False
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(80))  # eSMS SMSID
    segments: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # The recipient's language, chosen by notify(): the SMS text and the e-mail are written in it.
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def event_label(self) -> str:
        return EVENT_LABELS[self.event]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]


class ChannelChoice(Model):
    """A donor's channels, as the donor chose them (pledge form, account page). No row: the default (e-mail when
    the donor gave an address, SMS when only a phone number). Staff never write it."""

    __tablename__ = "notification_channels"

    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sms: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class OptOut(Model):
    """An address that asked to hear nothing more on a channel (the link in a message, or the account page).
    Kept per address, not per donor: a pledge's contact e-mail and a merged donor's phone stay silent too."""

    __tablename__ = "notification_optouts"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_notification_optouts_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "notification_optout_channel"), nullable=False)
    address: Mapped[str] = mapped_column(String(255), nullable=False)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False)  # link | account
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
