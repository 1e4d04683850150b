"""Retention periods applied by the beat task: expired contacts of pledges never paid are removed, once."""

from __future__ import annotations

from datetime import timedelta

from app.core.db import utcnow
from app.pledges.models import Pledge
from app.privacy.models import RetentionRule
from app.privacy.tasks import apply_retention
from config import Config


def test_the_task_removes_expired_contacts_and_is_idempotent(session, world):  # type: ignore[no-untyped-def]
    old = world.pledge(10_000_000)
    fresh = world.pledge(5_000_000)
    paid = world.pledge(3_000_000)
    world.receive(3_000_000, pledge=paid)
    for p in (old, fresh, paid):
        p.contact_email, p.registered_by, p.note = "ke.toan@example.vn", "Nguyễn Văn Lộc", "Gọi trước 9 giờ"
    rule = session.query(RetentionRule).filter_by(kind="pledge_contacts_unpaid").one()
    old.created_at = utcnow() - timedelta(days=rule.days + 1)
    paid.created_at = utcnow() - timedelta(days=rule.days + 1)
    session.commit()

    first = apply_retention.delay().get()
    assert first["pledge_contacts_unpaid"] == 1
    session.expire_all()
    old, fresh, paid = (session.get(Pledge, p.id) for p in (old, fresh, paid))
    assert (old.contact_email, old.registered_by, old.note) == (None, "", "")
    assert old.amount_vnd == 10_000_000  # the pledge itself stays
    assert fresh.contact_email == "ke.toan@example.vn"  # not expired
    assert paid.contact_email == "ke.toan@example.vn"  # paid: an accounting record's contact
    second = apply_retention.delay().get()
    assert second["pledge_contacts_unpaid"] == 0
    assert session.get(RetentionRule, rule.id).last_count == 0


def test_the_task_is_on_the_beat_schedule():  # type: ignore[no-untyped-def]
    tasks = {entry["task"] for entry in Config.CELERY["beat_schedule"].values()}
    assert "privacy.apply_retention" in tasks
