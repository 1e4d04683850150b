"""A funded house from start to hand-over: construction stages and their photos."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from app.accounts.access import can_access_unit
from app.accounts.models import User
from app.audit.services import record
from app.core import outbox
from app.core.actor import Actor
from app.core.i18n import today_vn
from app.core.messages import N_
from app.core.text import nfc
from app.core.uploads import read_upload, store_bytes, strip_image_metadata
from app.needs.models import (
    HouseholdNeed,
    NeedPhoto,
    NeedStatus,
)
from app.needs.registry import NeedError, lock_need

STAGE_ORDER = {
    NeedStatus.FUNDED: NeedStatus.STARTED,
    NeedStatus.STARTED: NeedStatus.COMPLETED,
    NeedStatus.COMPLETED: NeedStatus.HANDED_OVER,
}


STAGE_DATE = {
    NeedStatus.STARTED: "started_on",
    NeedStatus.COMPLETED: "completed_on",
    NeedStatus.HANDED_OVER: "handed_over_on",
}


def advance_stage(
    session: Session, actor: Actor, need_id: int, stage: NeedStatus, on: date, *, user: User | None = None
) -> HouseholdNeed:
    """Move a funded need through construction: started → completed → handed over, with its date."""
    need = lock_need(session, need_id)
    if user is not None and not can_access_unit(user, need.commune):
        raise NeedError(N_("Hộ này không thuộc địa bàn của bạn."))
    expected = STAGE_ORDER.get(need.status)
    if expected is None or stage != expected:
        raise NeedError(
            N_("Giai đoạn: hộ đang “%(status)s”, không chuyển sang bước này được.", status=need.status_label)
        )
    if on > today_vn():
        raise NeedError(N_("Ngày: không được sau hôm nay."))
    previous = need.started_on if stage != NeedStatus.STARTED else need.approved_on
    if stage == NeedStatus.HANDED_OVER:
        previous = need.completed_on
    if previous is not None and on < previous:
        raise NeedError(N_("Ngày: không được trước ngày của giai đoạn trước."))
    old = need.status
    need.status = stage
    setattr(need, STAGE_DATE[stage], on)
    need.version += 1
    session.flush()
    record(
        session,
        actor,
        "need.stage",
        "household_need",
        need.id,
        old={"status": old},
        new={"status": stage, "on": on},
        unit_id=need.commune_id,
    )
    if stage == NeedStatus.HANDED_OVER:  # its funders are told after the commit (app.needs.tasks)
        outbox.enqueue(
            session, "needs.notify_handed_over", need.id, dedupe_key=f"needs.handed-over:{need.id}"
        )
    return need


PHOTO_SUBDIR = "needs/photos"


def add_photo(  # type: ignore[no-untyped-def]
    session: Session,
    actor: Actor,
    need: HouseholdNeed,
    file_storage,
    *,
    stage: NeedStatus,
    caption: str = "",
    taken_on: date | None = None,
    publishable: bool = False,
) -> NeedPhoto:
    """Store a PNG/JPEG (type sniffed, size limited) under UPLOAD_DIR, never under static, re-encoded with every
    metadata block dropped (EXIF GPS position and camera tags, XMP, ICC, comments): a house photo must not locate
    the household whose address we encrypt (issue 18.3)."""
    kind, data = read_upload(file_storage, allowed=("png", "jpeg"))
    data = strip_image_metadata(data, kind)
    stored = store_bytes(data, kind, getattr(file_storage, "filename", ""), PHOTO_SUBDIR)
    rel = stored.path.relative_to(Path(current_app.config["UPLOAD_DIR"])).as_posix()
    photo = NeedPhoto(
        need_id=need.id,
        stage=stage,
        path=rel,
        kind=kind,
        sha256=stored.sha256,
        size=stored.size,
        caption=(nfc(caption) or "")[:255],
        taken_on=taken_on,
        publishable=publishable,
        uploaded_by_id=actor.user_id,
    )
    session.add(photo)
    session.flush()
    record(
        session,
        actor,
        "need.photo_add",
        "household_need",
        need.id,
        new={"photo_id": photo.id, "stage": stage, "publishable": publishable},
        unit_id=need.commune_id,
    )
    return photo


def set_photo_publishable(session: Session, actor: Actor, photo: NeedPhoto, publishable: bool) -> None:
    photo.publishable = publishable
    need = session.get(HouseholdNeed, photo.need_id)
    session.flush()
    record(
        session,
        actor,
        "need.photo_publish",
        "household_need",
        photo.need_id,
        new={"photo_id": photo.id, "publishable": publishable},
        unit_id=need.commune_id if need else None,
    )


def photo_path(photo: NeedPhoto) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / photo.path).resolve()
    if root not in path.parents:
        raise NeedError(N_("Đường dẫn ảnh không hợp lệ."))
    return path
