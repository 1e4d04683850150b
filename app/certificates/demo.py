"""Demo data: thank-you letters for the demo's contributions, a commendation rule with a proposed batch,
a seal and signature for the province committee, and one revoked letter."""

from __future__ import annotations

import io
import math

from sqlalchemy.orm import Session

from app.certificates import services
from app.certificates.models import CertificateKind, IssuerLevel
from app.core.actor import Actor
from app.donors.models import DonorKind


def demo_seal_png(size: int = 300) -> bytes:
    """A stand-in seal (red ring, star, transparent background): clearly not any real committee's seal."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    red = (200, 20, 30, 200)
    d.ellipse((6, 6, size - 6, size - 6), outline=red, width=10)
    d.ellipse((40, 40, size - 40, size - 40), outline=red, width=4)
    cx = cy = size / 2
    pts = []
    for i in range(10):
        r = size * 0.22 if i % 2 == 0 else size * 0.085
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    d.polygon(pts, fill=red)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def demo_signature_png(width: int = 400, height: int = 200) -> bytes:
    """A stand-in handwritten signature: a blue flourish on a transparent background."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    pts = [
        (30 + x * 3.4, height / 2 + 45 * math.sin(x / 9) * math.exp(-x / 160) - x * 0.25) for x in range(100)
    ]
    d.line(pts, fill=(20, 40, 140, 255), width=6, joint="curve")
    d.line([(60, height - 50), (width - 40, height - 70)], fill=(20, 40, 140, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def load(session: Session, ctx: dict) -> None:
    actor = Actor.system("demo")
    campaign, province, users = ctx["campaign"], ctx["province"], ctx["users"]
    approver = users["pheduyet@khanhhoa.chungtay.vn"]
    staff = users["tinh@khanhhoa.chungtay.vn"]
    services.save_profile(
        session,
        actor,
        province.id,
        signer_name=approver.full_name,
        signer_title=approver.title,
        seal_png=demo_seal_png(),
        signature_png=demo_signature_png(),
    )
    # Letters for everything already received (and any pledge fulfilled by another package's demo).
    contributions, pledges = services.unacknowledged(session, limit=10_000)
    letters = [services.acknowledge_contribution(session, actor, cid) for cid in contributions]
    letters += [services.acknowledge_pledge(session, actor, pid) for pid in pledges]
    letters = [c for c in letters if c is not None]
    services.add_rule(
        session,
        actor,
        campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=200_000_000,
        kind=CertificateKind.BANG_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
        achievement="Đã có thành tích xuất sắc trong Cuộc vận động “Ngày vì người nghèo” năm 2026, "
        "ủng hộ xây dựng nhà Đại đoàn kết cho hộ nghèo tỉnh Khánh Hòa.",
    )
    # A candidate list prepared by the province officer, waiting for the approver (walk it through in the demo).
    services.propose_batch(
        session,
        Actor(user_id=staff.id, label=staff.email),
        campaign.id,
        province.id,
        "Bằng khen doanh nghiệp tiêu biểu – tháng cao điểm 2026",
    )
    if len(letters) >= 3:
        services.revoke(
            session,
            Actor(user_id=approver.id, label=approver.email),
            letters[2].id,
            "Cấp nhầm: khoản ủng hộ được ghi nhận trùng, đã cấp lại thư đúng số tiền.",
        )
    session.flush()
