"""Demo needs: 25 households across Khánh Sơn, Tây Khánh Sơn, Khánh Vĩnh and Cam Lâm, at every stage.

The identifiers below are fictitious but shaped like real ones (CCCD starting 056 = Khánh Hòa; mobile numbers);
DEMO_IDENTIFIERS and DEMO_HEAD_NAMES are what the privacy tests look for on public pages.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.core import i18n
from app.core.actor import Actor
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.needs import construction, funding, limits, registry
from app.needs.models import NeedKind, NeedStatus, PovertyStatus, SourceKind, TrancheKind
from app.units.services import find_hamlet

P, NP, SH = PovertyStatus.POOR, PovertyStatus.NEAR_POOR, PovertyStatus.SPECIAL_HARDSHIP
NEW, REP = NeedKind.NEW_HOUSE, NeedKind.REPAIR

# (commune code, hamlet, head name, poverty, flags, kind, cost, state, own, target status, pool)
#  flags: m=merit family, e=ethnic minority, o=elderly alone, d=disability, s=single parent
#  pool: "ks" = money earmarked for Khánh Sơn, "tinh" = the province's housing pool, None = not funded
HOUSEHOLDS = [
    (
        22714,
        "Thôn Tà Lương",
        "Mấu Thị Hoa",
        P,
        "eo",
        NEW,
        80_000_000,
        0,
        20_000_000,
        NeedStatus.HANDED_OVER,
        "ks",
    ),
    (
        22714,
        "Thôn Tô Hạp",
        "Bo Bo Văn Thắng",
        P,
        "ed",
        NEW,
        90_000_000,
        20_000_000,
        10_000_000,
        NeedStatus.STARTED,
        "ks",
    ),
    (
        22714,
        "Thôn Dốc Gạo",
        "Pi Năng Thị Lành",
        NP,
        "es",
        REP,
        40_000_000,
        0,
        10_000_000,
        NeedStatus.COMPLETED,
        "ks",
    ),
    (
        22714,
        "Thôn Xóm Cỏ",
        "Katơr Văn Sáu",
        P,
        "e",
        NEW,
        75_000_000,
        0,
        15_000_000,
        NeedStatus.APPROVED,
        None,
    ),
    (
        22714,
        "Thôn Hòn Dung",
        "Cao Thị Nhung",
        P,
        "eos",
        NEW,
        70_000_000,
        0,
        10_000_000,
        NeedStatus.APPROVED,
        None,
    ),
    (
        22714,
        "Thôn Tà Lương",
        "Mấu Văn Rịa",
        NP,
        "e",
        REP,
        35_000_000,
        0,
        5_000_000,
        NeedStatus.PROPOSED,
        None,
    ),
    (22714, "Thôn Tô Hạp", "Bo Bo Thị Xuân", SH, "ed", REP, 30_000_000, 0, 0, NeedStatus.PROPOSED, None),
    (
        22720,
        "Thôn Ma O",
        "Pi Năng Văn Chiến",
        P,
        "em",
        NEW,
        85_000_000,
        15_000_000,
        10_000_000,
        NeedStatus.STARTED,
        "tinh",
    ),
    (22720, "Thôn Tà Gụ", "Mấu Thị Bích", P, "eo", NEW, 65_000_000, 0, 5_000_000, NeedStatus.FUNDED, "tinh"),
    (
        22720,
        "Thôn Suối Đá",
        "Cao Văn Lợi",
        NP,
        "e",
        REP,
        45_000_000,
        0,
        15_000_000,
        NeedStatus.APPROVED,
        None,
    ),
    (
        22720,
        "Thôn Ma O",
        "Katơr Thị Hiền",
        P,
        "es",
        NEW,
        70_000_000,
        0,
        10_000_000,
        NeedStatus.PROPOSED,
        None,
    ),
    (22720, "Thôn Suối Đá", "Bo Bo Văn Hùng", P, "e", NEW, 60_000_000, 0, 0, NeedStatus.REJECTED, None),
    (
        22609,
        "Thôn Đá Trắng",
        "Ma Văn Diệp",
        P,
        "e",
        NEW,
        75_000_000,
        0,
        15_000_000,
        NeedStatus.HANDED_OVER,
        "tinh",
    ),
    (
        22609,
        "Thôn Suối Lách",
        "Cao Thị Lệ",
        NP,
        "ed",
        REP,
        38_000_000,
        0,
        8_000_000,
        NeedStatus.STARTED,
        "tinh",
    ),
    (
        22609,
        "Thôn Cà Thêu",
        "Pi Năng Văn Tài",
        P,
        "em",
        NEW,
        80_000_000,
        10_000_000,
        10_000_000,
        NeedStatus.APPROVED,
        None,
    ),
    (22609, "Thôn Đá Trắng", "Ma Thị Út", SH, "eo", REP, 30_000_000, 0, 0, NeedStatus.APPROVED, None),
    (
        22609,
        "Thôn Suối Lách",
        "Mang Văn Quý",
        P,
        "ed",
        NEW,
        70_000_000,
        0,
        10_000_000,
        NeedStatus.PROPOSED,
        None,
    ),
    (
        22453,
        "Thôn Tân Xương 1",
        "Trần Văn Hậu",
        P,
        "md",
        NEW,
        95_000_000,
        20_000_000,
        15_000_000,
        NeedStatus.COMPLETED,
        "tinh",
    ),
    (
        22453,
        "Thôn Vĩnh Thái",
        "Nguyễn Thị Lựu",
        NP,
        "os",
        REP,
        42_000_000,
        0,
        12_000_000,
        NeedStatus.FUNDED,
        "tinh",
    ),
    (
        22453,
        "Thôn Quảng Đức",
        "Lê Văn Tám",
        P,
        "o",
        NEW,
        72_000_000,
        0,
        12_000_000,
        NeedStatus.APPROVED,
        None,
    ),
    (
        22453,
        "Thôn Bãi Giếng",
        "Phạm Thị Sen",
        NP,
        "s",
        REP,
        36_000_000,
        0,
        6_000_000,
        NeedStatus.APPROVED,
        None,
    ),
    (
        22453,
        "Thôn Tân Xương 2",
        "Võ Văn Bảy",
        P,
        "d",
        NEW,
        66_000_000,
        0,
        6_000_000,
        NeedStatus.APPROVED,
        None,
    ),
    (
        22453,
        "Thôn Quảng Đức",
        "Huỳnh Thị Mười",
        SH,
        "o",
        REP,
        32_000_000,
        0,
        2_000_000,
        NeedStatus.PROPOSED,
        None,
    ),
    (
        22453,
        "Thôn Vĩnh Thái",
        "Đỗ Văn Ngọc",
        NP,
        "",
        REP,
        34_000_000,
        0,
        4_000_000,
        NeedStatus.PROPOSED,
        None,
    ),
    (
        22453,
        "Thôn Bãi Giếng",
        "Nguyễn Văn Lành",
        P,
        "m",
        NEW,
        78_000_000,
        8_000_000,
        10_000_000,
        NeedStatus.REJECTED,
        None,
    ),
]

FLAG_NAMES = {
    "m": "merit_family",
    "e": "ethnic_minority",
    "o": "elderly_alone",
    "d": "disability",
    "s": "single_parent",
}


def citizen_id(i: int) -> str:
    """Fictitious CCCD: 056 (Khánh Hòa) + gender/century digit + 2-digit birth year + 6 digits ('7319' marks demo)."""
    return f"056{(i % 2) + 0}{60 + i:02d}7319{i:02d}"


def phone(i: int) -> str:
    return f"09357319{i:02d}"


def address(i: int, hamlet: str) -> str:
    return f"Nhà số {i + 11}, tổ {1 + i % 4}, {hamlet} (địa chỉ mẫu 7319)"


DEMO_HEAD_NAMES = [h[2] for h in HOUSEHOLDS]
DEMO_IDENTIFIERS = (
    [citizen_id(i) for i in range(len(HOUSEHOLDS))]
    + [phone(i) for i in range(len(HOUSEHOLDS))]
    + [address(i, h[1]) for i, h in enumerate(HOUSEHOLDS)]
)

SITUATIONS = {
    NEW: "Nhà tạm vách tre nứa, mái tôn thủng, nền đất; mùa mưa bão không đảm bảo an toàn.",
    REP: "Nhà xuống cấp: tường nứt, mái ngói dột, cần thay mái và gia cố tường.",
}


def load(session: Session, ctx: dict) -> None:
    campaign = ctx["campaign"]
    communes = ctx["communes"]
    province = ctx["province"]
    users = ctx["users"]
    commune_user = {
        22714: users["khanhson@khanhhoa.chungtay.vn"],
        22453: users["camlam@khanhhoa.chungtay.vn"],
    }
    reviewer = users["tinh@khanhhoa.chungtay.vn"]
    limits.seed_demo(session, province.id)  # 60 M build, 30 M repair; poverty standards 2022–2025, 2026–2030
    today = i18n.today_vn()
    approved_day = today - timedelta(days=160)
    needs = []
    for i, (code, hamlet_name, name, poverty, flags, kind, cost, state, own, target, pool) in enumerate(
        HOUSEHOLDS
    ):
        commune = communes[code]
        proposer = commune_user.get(code)
        actor = Actor(user_id=proposer.id if proposer else None, label=proposer.email if proposer else "demo")
        hamlet = find_hamlet(session, commune.id, hamlet_name)
        sources = []
        if state:
            sources.append(
                registry.SourceInput(SourceKind.STATE, "Chương trình xóa nhà tạm, nhà dột nát", state)
            )
        if own:
            sources.append(registry.SourceInput(SourceKind.OWN, "Hộ tự có và ngày công", own))
        requested = 60_000_000 if kind == NEW else 30_000_000
        data = registry.NeedInput(
            commune_id=commune.id,
            head_name=name,
            poverty_status=poverty,
            need_kind=kind,
            estimated_cost_vnd=cost,
            requested_vnd=min(requested, cost - state - own),
            hamlet_id=hamlet.id if hamlet else None,
            citizen_id=citizen_id(i),
            phone=phone(i),
            address=address(i, hamlet_name),
            household_size=2 + i % 5,
            poverty_list_year=2025,
            situation=SITUATIONS[kind],
            sources=sources,
            limit_override_reason="",
            **{FLAG_NAMES[f]: True for f in flags},
        )
        need = registry.create_need(session, actor, campaign, data)
        if proposer is None:
            need.proposed_by_id = None
        needs.append((need, target, pool, i))

    review_actor = Actor(user_id=reviewer.id, label=reviewer.email)
    for need, target, _, _ in needs:
        if target == NeedStatus.REJECTED:
            registry.reject_need(
                session,
                review_actor,
                reviewer,
                need.id,
                "Hộ đã được hỗ trợ nhà ở từ chương trình khác năm 2024; đề nghị xã rà soát lại.",
            )
        elif target != NeedStatus.PROPOSED:
            registry.approve_need(session, review_actor, reviewer, need.id, on=approved_day)

    # Fund some houses from the money the foundation demo received (Khánh Sơn's earmarked pool and the
    # province's housing pool), as an approved matching proposal would.
    fund_id = campaign.fund_id
    pools = {"ks": communes[22714].id, "tinh": province.id}
    system = Actor.system("demo")
    for need, target, pool, i in needs:
        if pool is None:
            continue
        draws = [ledger.PoolDraw(pools[pool], Purpose.HOUSING, need.requested_vnd)]
        txn = ledger.allocate(
            session,
            system,
            fund_id=fund_id,
            target_unit_id=need.commune_id,
            target_purpose=need.purpose,
            draws=draws,
            occurred_on=approved_day + timedelta(days=7),
            memo=f"Phân bổ mẫu cho hộ #{need.id}",
            source_type="demo_need",
            source_id=need.id,
        )
        funding.record_need_funding(session, review_actor, need, need.requested_vnd, draws, None, txn.id)
        if target in (NeedStatus.STARTED, NeedStatus.COMPLETED, NeedStatus.HANDED_OVER):
            # One house in each commune started long ago (late); the others recently.
            started = today - timedelta(days=120 if i in (1, 13) else 45 + i)
            if target != NeedStatus.STARTED:
                started = today - timedelta(days=130 - i)
            construction.advance_stage(session, system, need.id, NeedStatus.STARTED, started)
            funding.disburse_need(
                session,
                system,
                need.id,
                need.requested_vnd // 2,
                f"PC-{i + 1:03d}/2026",
                tranche=TrancheKind.ADVANCE,
                occurred_on=started,
                note="Tạm ứng 50% khi khởi công",
            )
            if target in (NeedStatus.COMPLETED, NeedStatus.HANDED_OVER):
                completed = started + timedelta(days=60)
                construction.advance_stage(session, system, need.id, NeedStatus.COMPLETED, completed)
                funding.disburse_need(
                    session,
                    system,
                    need.id,
                    need.requested_vnd - need.requested_vnd // 2,
                    f"PC-{i + 101:03d}/2026",
                    tranche=TrancheKind.FINAL,
                    occurred_on=completed,
                    note="Thanh toán phần còn lại khi nghiệm thu",
                )
                if target == NeedStatus.HANDED_OVER:
                    construction.advance_stage(
                        session, system, need.id, NeedStatus.HANDED_OVER, completed + timedelta(days=5)
                    )
    _demo_photos(session, [(n, t) for n, t, _, _ in needs])
    session.flush()
    ctx["needs"] = [n for n, _, _, _ in needs]
    _demo_transfer(session, campaign, province, communes[22714], users)


def _demo_transfer(session: Session, campaign: Any, province: Any, commune: Any, users: dict) -> None:
    """The province passes part of its housing pool down to Khánh Sơn: prepared by the province officer, approved
    by the province's approver and Khánh Sơn's officer (app.ledger.transfers), so the books and the reports'
    "Điều chuyển" line show a transfer between levels."""
    from app.ledger import transfers

    available = transfers.pool_balance(session, campaign.fund_id, province.id, Purpose.HOUSING)
    amount = min(30_000_000, available)
    if amount <= 0:
        return
    preparer = users["tinh@khanhhoa.chungtay.vn"]
    proposal = transfers.propose(
        session,
        Actor(user_id=preparer.id, label=preparer.email),
        preparer,
        fund_id=campaign.fund_id,
        from_unit_id=province.id,
        to_unit_id=commune.id,
        purpose=Purpose.HOUSING,
        amount_vnd=amount,
        note="Hỗ trợ xã Khánh Sơn xây nhà Đại đoàn kết cho hộ khó khăn (dữ liệu mẫu)",
    )
    for email in ("pheduyet@khanhhoa.chungtay.vn", "khanhson@khanhhoa.chungtay.vn"):
        user = users[email]
        transfers.approve(session, Actor(user_id=user.id, label=user.email), user, proposal.id)


class _Upload:
    """A minimal stand-in for an uploaded file (what Werkzeug's FileStorage offers read_upload)."""

    def __init__(self, data: bytes, filename: str) -> None:
        import io

        self.stream, self.filename = io.BytesIO(data), filename


def _house_png(stage: NeedStatus, seed: int) -> bytes:
    """A simple drawing of the house at its stage (demo only: no faces, no house numbers)."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 320), (198, 226, 245))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 250, 480, 320), fill=(120, 160, 90))
    if stage == NeedStatus.STARTED:
        d.rectangle((120, 220, 360, 250), fill=(150, 150, 150))  # foundation
        for x in range(130, 360, 45):
            d.rectangle((x, 130, x + 12, 220), fill=(170, 170, 170))  # columns
    else:
        wall = (230, 200 - seed % 3 * 15, 150)
        d.rectangle((120, 150, 360, 250), fill=wall)
        d.polygon([(100, 150), (240, 70), (380, 150)], fill=(178, 34, 34))
        d.rectangle((220, 190, 260, 250), fill=(110, 70, 40))
        d.rectangle((150, 170, 190, 205), fill=(240, 240, 255))
        d.rectangle((290, 170, 330, 205), fill=(240, 240, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _demo_photos(session: Session, needs: list) -> None:
    system = Actor.system("demo")
    captions = {
        NeedStatus.STARTED: "Đổ móng, dựng cột",
        NeedStatus.COMPLETED: "Nhà đã hoàn thành",
        NeedStatus.HANDED_OVER: "Lễ bàn giao nhà Đại đoàn kết",
    }
    for i, (need, target) in enumerate(needs):
        if target not in captions:
            continue
        stages = [NeedStatus.STARTED] + ([target] if target != NeedStatus.STARTED else [])
        for stage in stages:
            construction.add_photo(
                session,
                system,
                need,
                _Upload(_house_png(stage, i), "anh.png"),
                stage=stage,
                caption=captions[stage],
                taken_on=getattr(need, construction.STAGE_DATE[stage]),
                publishable=stage != NeedStatus.STARTED or i % 2 == 0,
            )
