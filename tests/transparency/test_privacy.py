"""Privacy scan: every public GET route, with the demo loaded, must not reveal personal data.

Looked for: donors' e-mails and phone numbers, staff-only contribution notes, the real names of donors who
chose anonymity, and — once the needs package provides them — the demo beneficiaries' citizen IDs, phones
and full names (DEMO_IDENTIFIERS).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlalchemy import select

from app.contributions.models import Channel, Contribution
from app.contributions.services import NewContribution, record_contribution
from app.donors.models import Donor, DonorKind, PublicDisplay
from app.transparency.models import PublishedRoot
from tests import factories as f

try:
    from app.needs.demo import DEMO_IDENTIFIERS
except ImportError:  # the needs package is not merged yet: the scan gets stronger when it is
    DEMO_IDENTIFIERS = ()

PRIVATE_PREFIXES = (
    "/can-bo",
    "/tai-khoan",
    "/dang-nhap",
    "/dang-xuat",
    "/dang-ky",
    "/mat-khau",
    "/static",
    "/nha-tai-tro",
    "/ho-so",
)
EXTRA_QUERIES = [
    "/cong-khai/sao-ke?q=hong",
    "/cong-khai/sao-ke?q=nha+hao+tam",
    "/api/v1/contributions?q=hong",
    "/cong-khai/sao-ke?sap_xep=ten",
    "/api/v1/units?tinh=56",
    "/cong-khai/du-lieu/dong-gop.csv?q=hong",
]


def _public_urls(app, session) -> list[str]:  # type: ignore[no-untyped-def]
    contribution_ids = [str(i) for i in session.execute(select(Contribution.id)).scalars()]
    receipts = list(session.execute(select(Contribution.receipt_no)).scalars())
    days = [r.day.isoformat() for r in session.execute(select(PublishedRoot)).scalars()]
    values = {
        "ref": contribution_ids + receipts,
        "contribution_id": contribution_ids,
        "day": days,
        "fmt": ["csv", "json"],
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(PRIVATE_PREFIXES):
            continue
        combos: list[dict] = [{}]
        for arg in rule.arguments:
            choices = values.get(arg) or ["1", "2", "3"]  # other packages' ids: the first demo rows
            combos = [{**c, arg: v} for c in combos for v in choices]
        for combo in combos:
            urls.append(re.sub(r"<(?:[\w()]+:)?(\w+)>", lambda m, c=combo: str(c[m.group(1)]), rule.rule))
    return urls + EXTRA_QUERIES


def test_no_personal_data_on_any_public_route(app, client, session, demo):
    campaign = demo
    # A donor with contact data and a staff note that quotes a phone number, as bank memos do.
    donor = Donor(
        kind=DonorKind.INDIVIDUAL,
        name="Võ Thị Riêng Tư",
        email="rieng.tu@example.vn",
        phone="0912345678",
        public_display=PublicDisplay.ANONYMOUS,
        search_key="vo thi rieng tu",
    )
    session.add(donor)
    session.flush()
    record_contribution(
        session,
        f.SYSTEM,
        campaign,
        NewContribution(
            amount_vnd=3_000_000,
            channel=Channel.BANK_TRANSFER,
            donor=donor,
            received_at=datetime.now(UTC),
            receiving_unit_id=campaign.scope_unit_id,
            masked_account="*********7788",
            note="ND: VO THI RIENG TU 0912345678 chuyen tien ung ho",
        ),
    )
    session.commit()

    donors = session.execute(select(Donor)).scalars().all()
    needles = {d.email for d in donors if d.email} | {d.phone for d in donors if d.phone}
    needles |= {c.note for c in session.execute(select(Contribution)).scalars() if c.note}
    needles |= {d.name for d in donors if d.public_display == PublicDisplay.ANONYMOUS}
    needles |= {str(x) for x in DEMO_IDENTIFIERS if str(x).strip()}
    assert "Nguyễn Thị Hồng" in needles and "rieng.tu@example.vn" in needles  # the scan looks for real things

    urls = _public_urls(app, session)
    assert "/cong-khai/sao-ke" in urls and "/api/v1/contributions" in urls and len(urls) > 20
    leaks = []
    seen_ok = 0
    for url in urls:
        resp = client.get(url)
        # Binary answers (published house photos) are scanned as bytes decoded leniently.
        body = resp.get_data().decode("utf-8", errors="replace")
        if resp.mimetype == "application/json":  # compare decoded text, not \\u escapes
            body = json.dumps(json.loads(body), ensure_ascii=False)
        seen_ok += resp.status_code == 200
        leaks += [(url, n) for n in needles if n in body]
    assert seen_ok > 15
    assert not leaks, leaks
    html = client.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert html.count("Nhà hảo tâm") >= 2  # both anonymous donors are listed, under that name only
