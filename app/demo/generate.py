"""Synthetic national-scale data with a fixed seed: donors and contributions across all 34 provinces.

Rows are written with bulk INSERTs (not the ORM unit of work), and the ledger gets one aggregated
receipt per pool, so the books stay balanced and verify_ledger() passes on generated data.
"""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import create_campaign, scope_key
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.i18n import VN_TZ
from app.core.text import fold as _fold
from app.donors.models import ANONYMOUS_NAME, Donor, DonorKind, PublicDisplay
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.units.models import AdminUnit, UnitLevel
from app.units.services import import_units

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Xuân", "Thu", "Kim", "Công"]
GIVEN = ["An", "Anh", "Ánh", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng",
         "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
         "Tuấn", "Vy", "Yến", "Đường"]
BUSINESS = ["Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã"]
TRADE = ["Xây dựng", "Thủy sản", "Vận tải", "Thương mại", "Du lịch", "Nông sản", "Cơ khí", "Dược phẩm", "Điện máy"]
AMOUNTS = [50_000, 100_000, 200_000, 300_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 50_000_000]
PURPOSES = [Purpose.UNRESTRICTED] * 6 + [Purpose.HOUSING] * 3 + [Purpose.EDUCATION, Purpose.HEALTH, Purpose.LIVELIHOOD]


fold = functools.lru_cache(maxsize=200_000)(_fold)  # generated names repeat a lot


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def generate(session: Session, *, counts: dict[str, int], seed: int, chunk: int = 20_000) -> dict:
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    actor = Actor.system("generate")
    if not session.execute(select(func.count()).select_from(AdminUnit)).scalar_one():
        import_units(session)
    communes = list(session.execute(
        select(AdminUnit.id, AdminUnit.parent_id).where(AdminUnit.level == UnitLevel.COMMUNE)).tuples())
    fund = ledger.main_fund(session)
    campaign = session.execute(select(Campaign).where(Campaign.active_scope_key == scope_key(None))).scalar_one_or_none()
    if campaign is None:
        campaign = create_campaign(session, actor, year=2026, name="Ngày vì người nghèo năm 2026 (dữ liệu sinh)",
                                   fund_id=fund.id, slug=f"2026-generated-{seed}")
        campaign.status = CampaignStatus.ACTIVE
        campaign.active_scope_key = scope_key(None)
        session.flush()

    first_donor = (session.execute(select(func.max(Donor.id))).scalar() or 0) + 1
    donor_rows = []
    for i in range(counts.get("donors", 0)):
        commune_id, province_id = rng.choice(communes)
        if rng.random() < 0.2:
            kind, name = DonorKind.BUSINESS, f"{rng.choice(BUSINESS)} {rng.choice(TRADE)} {person_name(rng)}"
        else:
            kind, name = rng.choice([DonorKind.HOUSEHOLD, DonorKind.INDIVIDUAL]), person_name(rng)
        display = PublicDisplay.ANONYMOUS if rng.random() < 0.08 else PublicDisplay.FULL_NAME
        donor_rows.append(dict(id=first_donor + i, kind=kind, name=name, public_display=display, search_key=fold(name),
                               province_id=province_id, commune_id=commune_id, address="", contact_person="",
                               created_at=datetime.now(UTC)))
    for start in range(0, len(donor_rows), chunk):
        session.execute(Donor.__table__.insert(), donor_rows[start:start + chunk])
    donors = [(r["id"], r["kind"], ANONYMOUS_NAME if r["public_display"] == PublicDisplay.ANONYMOUS else r["name"],
               r["commune_id"], r["province_id"]) for r in donor_rows]

    first_c = (session.execute(select(func.max(Contribution.id))).scalar() or 0) + 1
    pools: dict[tuple[int | None, Purpose], int] = defaultdict(int)
    start_day = datetime(2026, 10, 17, 1, 0, tzinfo=UTC)
    rows = []
    total = counts.get("contributions", 0)
    for i in range(total):
        cid = first_c + i
        if donors and rng.random() < 0.5:
            donor_id, kind, name, commune_id, province_id = rng.choice(donors)
        else:
            donor_id, kind, name = None, DonorKind.HOUSEHOLD, person_name(rng)
            commune_id, province_id = rng.choice(communes)
        channel = rng.choices([Channel.BANK_TRANSFER, Channel.HOUSEHOLD_COLLECTION, Channel.CASH, Channel.CARD],
                              weights=[50, 35, 12, 3])[0]
        receiving = commune_id if channel in (Channel.HOUSEHOLD_COLLECTION, Channel.CASH) else province_id
        purpose = rng.choice(PURPOSES)
        earmark = commune_id if purpose == Purpose.HOUSING and rng.random() < 0.3 else None
        pool = earmark if earmark is not None else receiving
        amount = rng.choice(AMOUNTS)
        at = start_day + timedelta(seconds=rng.randrange(0, 32 * 86400))
        ref = f"FT{seed % 100:02d}{cid:010d}" if channel == Channel.BANK_TRANSFER else None
        receipt = f"G{cid:09d}"
        rows.append(dict(
            id=cid, campaign_id=campaign.id, fund_id=fund.id, donor_id=donor_id, channel=channel, donor_kind=kind,
            amount_vnd=amount, received_at=at, received_on=at.astimezone(VN_TZ).date(), receiving_unit_id=receiving,
            receiving_unit_key=str(receiving), earmark_unit_id=earmark, purpose=purpose, pool_unit_id=pool,
            public_name=name, is_anonymous=name == ANONYMOUS_NAME, receipt_no=receipt, bank_txn_ref=ref,
            source="generated", status=ContributionStatus.RECORDED, note="", created_at=at,
            search_key=" ".join(filter(None, [fold(name), (ref or "").lower(), receipt]))))
        pools[(pool, purpose)] += amount
        if len(rows) >= chunk:
            session.execute(Contribution.__table__.insert(), rows)
            rows = []
    if rows:
        session.execute(Contribution.__table__.insert(), rows)
    tx = None
    if pools:
        tx = ledger.record_receipts_bulk(session, actor, fund_id=fund.id,
                                         items=[(u, p, a) for (u, p), a in pools.items()], occurred_on=date(2026, 11, 18),
                                         memo=f"Dữ liệu sinh (seed {seed})", source_type="generated", source_id=seed)
        session.execute(
            Contribution.__table__.update()
            .where(Contribution.id >= first_c, Contribution.id < first_c + total)
            .values(ledger_transaction_id=tx.id))
    if session.get_bind().dialect.name == "postgresql":
        # The rows above carry explicit ids: move the sequences past them, or the next donor or contribution
        # saved by the application (a pledge, a staff entry) collides with a generated id.
        for table in ("donors", "contributions"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "  # noqa: S608 - fixed table names
                                 "HAVING max(id) IS NOT NULL"))
    session.flush()
    return {"campaign": campaign, "fund": fund, "seed": seed, "rng": rng, "communes": communes}
