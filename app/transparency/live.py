"""Live public figures (issues 20.8 and 17.2): the newest credits and the received total, as a small JSON document
that the statement and overview pages poll every few seconds (app/static/js/live.js).

Cache-friendly by construction: the document depends only on its URL (the statement's filters, no per-reader
cursor: the script keeps what it has already shown) and on the money version (app.core.page_cache), which the
ledger renews after every commit that moved money. So every reader of the same page asks the same URL; the answer is
kept in the cache's backend under (version, URL) and served to all of them until money moves again, and its ETag is
the version, so a reader whose copy is current gets a bodiless 304 (also from any HTTP cache in between:
Cache-Control public, a few seconds). A reader's page itself stays in the page cache as before.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign
from app.contributions.models import Contribution
from app.core.money import format_vnd
from app.ledger import services as ledger
from app.ledger.models import Fund
from app.transparency.overview import figures_at
from app.transparency.statement import (
    PUBLIC_COLUMNS,
    StatementQuery,
    add_arrival_details,
    province_units,
    public_record,
    statement_filters,
)
from app.transparency.units import scope_unit_ids, unit_map

LIVE_ITEMS = 20  # the newest credits in one answer; a reader who missed more is told to reload
POLL_SECONDS = 5  # how often the script asks (stated in the page's data attribute)
CACHE_SECONDS = 3  # how long an HTTP cache may keep an answer without asking again

LIVE_FIELDS = (
    "id",
    "ngay_nhan",
    "thoi_diem",
    "thoi_diem_vn",
    "ten_hien_thi",
    "so_tien_vnd",
    "kenh",
    "kenh_ten",
    "muc_dich_ten",
    "dia_ban",
    "tai_khoan",
    "tai_khoan_nhan",
    "don_vi_nhan",
    "chua_xac_dinh",
    "so_bien_nhan",
    "ma_dang_ky",
    "ma_giao_dich",
)


def etag(version: str, full_path: str) -> str:
    return hashlib.sha256(f"{version}\n{full_path}".encode()).hexdigest()[:32]


def newest_credits(session: Session, query: StatementQuery, limit: int = LIVE_ITEMS) -> list[dict[str, Any]]:
    """The newest contributions the statement with these filters lists (by id: the order they were recorded in,
    whatever their value date), as the statement publishes them."""
    rows = session.execute(
        select(*PUBLIC_COLUMNS)
        .where(*statement_filters(session, query, with_text=False))
        .order_by(Contribution.id.desc())
        .limit(limit)
    ).all()
    units = unit_map(session, {u for r in rows for u in (r.earmark_unit_id, r.pool_unit_id) if u})
    records = add_arrival_details(session, [public_record(r, units) for r in rows])
    return [{k: rec.get(k) for k in LIVE_FIELDS} for rec in records]


def received_total(session: Session, query: StatementQuery) -> int | None:
    """The ledger's received money for the filtered area: for a campaign (?chien_dich=), exactly the overview's
    "Đã nhận" (its fund and scope); else for the chosen province or commune of the main fund."""
    if query.campaign_id:
        campaign = session.get(Campaign, query.campaign_id)
        if campaign is None:
            return None
        return figures_at(
            session, campaign.fund_id, scope_unit_ids(session, campaign.scope_unit)
        ).received_vnd
    fund_id = session.execute(select(Fund.id).where(Fund.code == ledger.MAIN_FUND_CODE)).scalar_one_or_none()
    if fund_id is None:
        return 0
    if query.commune_id:
        ids: list[int | None] | None = [query.commune_id]
    elif query.province_id:
        ids = province_units(session, query)
    else:
        ids = None
    return figures_at(session, fund_id, ids).received_vnd


def live_document(session: Session, query: StatementQuery, version: str) -> dict[str, Any]:
    items = newest_credits(session, query)
    for item in items:
        item["so_tien"] = format_vnd(item["so_tien_vnd"])
    received = received_total(session, query)
    return {
        "version": version,
        "latest_id": items[0]["id"] if items else 0,
        "received_vnd": received,
        "received": format_vnd(received) if received is not None else "",
        "items": items,
        "poll_seconds": POLL_SECONDS,
    }
