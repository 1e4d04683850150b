"""Published roots, format 2 (issue 21 item 10): a public name enters its day's hash as a salted commitment. A name
changed legitimately after publication (erasure, a withdrawn consent, a merge: app.donors.services.rename_published)
keeps its day verifiable without its salt; a name changed behind the application's back still fails its day; days
published in format 1 verify as before."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import update

from app.contributions.models import Contribution
from app.core.i18n import VN_TZ
from app.donors.services import rename_published
from app.transparency import opendata, verify_export
from app.transparency.models import PublishedRoot
from tests.transparency.conftest import give


def _publish(session, kh) -> list[Contribution]:  # type: ignore[no-untyped-def]
    c = kh["campaign"]
    gifts = [
        give(session, c, 50_000_000, name="Nguyễn Văn A", receiving=kh["province"]),
        give(session, c, 20_000_000, name="Công ty Đường Biên Hòa", receiving=kh["khanh_son"]),
    ]
    opendata.publish_daily_root(session, datetime.now(VN_TZ).date())
    session.commit()
    return gifts


def _verify(client) -> list[verify_export.DayResult]:  # type: ignore[no-untyped-def]
    text = client.get("/cong-khai/du-lieu/dong-gop.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = [
        {k: verify_export.restore_cell(v) for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]
    roots = verify_export.roots_of(client.get("/cong-khai/du-lieu/goc-cong-bo.json").get_json())
    results, pending = verify_export.verify(rows, roots)
    assert pending == 0
    return results


def test_a_published_name_is_hashed_as_its_salted_commitment(client, session, kh):  # type: ignore[no-untyped-def]
    gifts = _publish(session, kh)
    root = session.query(PublishedRoot).one()
    assert root.format == verify_export.ROOT_FORMAT == 2
    for g in gifts:
        session.refresh(g)
        assert len(g.name_salt) == 32 and g.name_commitment == verify_export.name_commitment(
            g.name_salt, g.public_name
        )
    assert gifts[0].name_salt != gifts[1].name_salt
    # The export carries the salt and the commitment; the day verifies.
    assert [r.ok for r in _verify(client)] == [True]
    assert opendata.check_roots(session) == []


def test_a_name_changed_legitimately_keeps_its_day_verifiable_without_its_salt(client, session, kh):  # type: ignore[no-untyped-def]
    gifts = _publish(session, kh)
    commitment = gifts[0].name_commitment
    rename_published(gifts[0], "Nhà hảo tâm đã xóa dữ liệu #1")
    session.commit()
    session.refresh(gifts[0])
    assert gifts[0].name_salt is None and gifts[0].name_commitment == commitment

    (day,) = _verify(client)
    assert day.ok and "1 dòng đã đổi tên công khai sau ngày công bố" in day.message
    export = client.get("/cong-khai/du-lieu/dong-gop.csv").get_data(as_text=True)
    assert "Nguyễn Văn A" not in export and "Nhà hảo tâm đã xóa dữ liệu #1" in export
    assert opendata.check_roots(session) == []


def test_a_name_changed_behind_the_applications_back_fails_its_day(client, session, kh):  # type: ignore[no-untyped-def]
    gifts = _publish(session, kh)
    session.execute(
        update(Contribution).where(Contribution.id == gifts[1].id).values(public_name="Công ty Khác")
    )
    session.commit()
    (day,) = _verify(client)
    assert not day.ok and "có dòng bị sửa" in day.message
    assert [r.day.isoformat() for r in opendata.check_roots(session)] == [day.day]


def test_a_day_published_in_format_1_still_verifies(client, session, kh):  # type: ignore[no-untyped-def]
    _publish(session, kh)
    root = session.query(PublishedRoot).one()
    # As a root published before format 2 was: the name itself in the hash, no salts.
    session.execute(update(Contribution).values(name_salt=None, name_commitment=None))
    digest, count, _ = opendata.hash_range(session, root.first_id, root.last_id, 1)
    root.format, root.records_hash = 1, digest
    root.root = verify_export.chain(root.prev_root, digest)
    session.commit()
    assert [(r.ok, r.message) for r in _verify(client)] == [(True, f"khớp {count} dòng")]
    assert opendata.check_roots(session) == []
