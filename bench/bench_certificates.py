"""Benchmarks for certificates: PDF rendering per core against a blank page, batch issuance end to end,
the ceremony PDF and verification.

    python -m bench.bench_certificates --size small            # under ~2 minutes
    python -m bench.bench_certificates --size national         # a 4 000-certificate batch (--batch 10000: the full
                                                               #   campaign-size batch, about twice as long)
    python -m bench.bench_certificates --database-url sqlite:////tmp/bench.sqlite3

Generates its own data with a fixed seed into the given database (default: PostgreSQL ct_issue6, whose schema
is dropped and migrated afresh). Prints one JSON object per benchmark on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

SIZES = {
    "small": {"render": 120, "batch": 300, "verify": 300},
    # National: 4 000 certificates keep the whole run within ~8 minutes on one core. Issuance goes by chunks of
    # 200 (one transaction each), so the rate per certificate does not depend on the batch size; --batch 10000
    # runs a full campaign-size batch.
    "national": {"render": 600, "batch": 4_000, "verify": 2_000},
}
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/ct_issue6"
SEED = 20261017
SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
]
WORDS = [
    "Yến Sào",
    "Đường Biên Hòa",
    "Thủy Sản",
    "Xây Dựng",
    "Du Lịch",
    "Điện Lực",
    "Cà Phê",
    "Muối",
    "Cảng",
    "Nông Sản",
    "Vận Tải",
    "Dệt May",
    "Khoáng Sản",
    "Thương Mại",
]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(
    name: str,
    figure: float,
    unit: str,
    baseline_name: str,
    baseline: float,
    target: float,
    rows: int,
    note: str = "",
) -> None:
    row = {
        "name": name,
        "figure": round(figure, 2),
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline": round(baseline, 2),
        "ratio": round(figure / baseline, 3) if baseline else None,
        "target": target,
        "peak_rss_mb": peak_rss_mb(),
        "rows": rows,
    }
    if note:
        row["note"] = note
    print(json.dumps(row, ensure_ascii=False), flush=True)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def company(rng: random.Random, i: int) -> str:
    kind = rng.choice(["Công ty Cổ phần", "Công ty TNHH", "Doanh nghiệp tư nhân"])
    return f"{kind} {rng.choice(WORDS)} {rng.choice(SURNAMES)} {i:05d}"


# ---------------------------------------------------------------------------------------- 1. PDF per core
def bench_render(n: int) -> float:
    """Single certificates (each its own PDF, with seal and signature) vs a blank page in the same font,
    interleaved so both see the same machine load. Returns the certificate rate for later baselines."""
    from app.certificates.demo import demo_seal_png, demo_signature_png
    from app.certificates.pdf import PrintData, render_blank, render_pdf

    rng = random.Random(SEED)
    base = PrintData(
        kind="acknowledgement",
        issuer_name="Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Khánh Hòa",
        recipient_name="",
        amount_vnd=0,
        place="Khánh Hòa",
        issued_on=date(2026, 10, 20),
        serial="",
        verify_url="",
        purpose_text="Nhà ở (nhà Đại đoàn kết)",
        campaign_name="Ngày vì người nghèo năm 2026 – tỉnh Khánh Hòa",
        signer_name="Nguyễn Khắc Hà",
        signer_title="Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa",
        seal_png=demo_seal_png(),
        signature_png=demo_signature_png(),
    )
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    items = [
        replace(
            base,
            recipient_name=company(rng, i),
            amount_vnd=rng.randrange(1, 5000) * 1_000_000,
            serial=f"TCT-56-2026-{i:06d}",
            kind=rng.choice(["acknowledgement", "giay_khen", "bang_khen"]),
            verify_url="https://chungtay.mttq.vn/xac-minh/"
            + "".join(rng.choice(alphabet) for _ in range(88)),
        )
        for i in range(n)
    ]
    render_pdf(items[0])
    render_blank()
    cert_s = blank_s = 0.0
    for item in items:
        t0 = time.perf_counter()
        render_pdf(item)
        t1 = time.perf_counter()
        render_blank("Trang trắng – Be Vietnam Pro")
        t2 = time.perf_counter()
        cert_s += t1 - t0
        blank_s += t2 - t1
    rate, floor = n / cert_s, n / blank_s
    emit(
        "certificates.single_pdf_per_core",
        rate,
        "certificates/s",
        "blank ReportLab page, same font (pages/s)",
        floor,
        0.5,
        n,
    )
    return rate


# ---------------------------------------------------------------------------------------- database
def make_app(url: str):  # type: ignore[no-untyped-def]
    os.environ.setdefault("CHUNGTAY_INSTANCE_DIR", str(Path("/tmp") / f"chungtay-bench-{os.getpid()}"))
    from app import create_app

    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=url,
        MAIL_BACKEND="memory",
        PUBLIC_BASE_URL="https://chungtay.mttq.vn",
    )


def fresh_schema(app) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.units.services import import_units

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            path = db.engine.url.database
            db.engine.dispose()
            if path and path != ":memory:" and Path(path).exists():
                Path(path).unlink()
        upgrade()
        import_units(db.session, [56])
        db.session.commit()


def seed_batch(app, n: int) -> int:  # type: ignore[no-untyped-def]
    """n businesses that each gave enough for a giấy khen; an approved batch of n candidates. Returns its id."""
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.campaigns.models import CampaignStatus
    from app.campaigns.services import create_campaign, set_status
    from app.certificates import services
    from app.certificates.demo import demo_seal_png, demo_signature_png
    from app.certificates.models import CertificateKind, IssuerLevel
    from app.contributions.models import Channel
    from app.contributions.services import NewContribution, record_contributions
    from app.core.actor import Actor
    from app.core.text import fold
    from app.donors.models import Donor, DonorKind
    from app.extensions import db
    from app.ledger.services import main_fund
    from app.units.models import AdminUnit, UnitLevel

    rng = random.Random(SEED)
    system = Actor.system("bench")
    with app.app_context():
        s = db.session
        kh = s.query(AdminUnit).filter_by(level=UnitLevel.PROVINCE, code=56).one()
        campaign = create_campaign(
            s,
            system,
            year=2026,
            name="Ngày vì người nghèo năm 2026 – tỉnh Khánh Hòa",
            fund_id=main_fund(s).id,
            scope_unit_id=kh.id,
        )
        set_status(s, system, campaign, CampaignStatus.ACTIVE)
        staff = create_user(
            s,
            system,
            email="tinh@bench.vn",
            full_name="Trần Thị Thu Hà",
            password="Bench-2026-x",
            role=Role.PROVINCE_STAFF,
            unit_id=kh.id,
            check_password=False,
        )
        approver = create_user(
            s,
            system,
            email="pheduyet@bench.vn",
            full_name="Nguyễn Khắc Hà",
            password="Bench-2026-x",
            role=Role.APPROVER,
            unit_id=kh.id,
            title="Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa",
            check_password=False,
        )
        services.save_profile(
            s,
            system,
            kh.id,
            signer_name=approver.full_name,
            signer_title=approver.title,
            seal_png=demo_seal_png(),
            signature_png=demo_signature_png(),
        )
        services.add_rule(
            s,
            system,
            campaign.id,
            donor_kind=DonorKind.BUSINESS,
            min_total_vnd=10_000_000,
            kind=CertificateKind.GIAY_KHEN,
            issuer_level=IssuerLevel.PROVINCE,
        )
        s.commit()
        at = datetime(2026, 10, 20, 3, tzinfo=UTC)
        for start in range(0, n, 1000):
            donors = []
            for i in range(start, min(n, start + 1000)):
                name = company(rng, i)
                donors.append(
                    Donor(
                        kind=DonorKind.BUSINESS,
                        name=name,
                        search_key=fold(name),
                        email=f"dn{i}@example.vn",
                        province_id=kh.id,
                    )
                )
            s.add_all(donors)
            s.flush()
            record_contributions(
                s,
                system,
                campaign,
                [
                    NewContribution(
                        amount_vnd=rng.randrange(10, 2000) * 1_000_000,
                        channel=Channel.BANK_TRANSFER,
                        donor=d,
                        received_at=at,
                        receiving_unit_id=kh.id,
                    )
                    for d in donors
                ],
                batch_source="bench",
            )
            s.commit()
        batch = services.propose_batch(s, Actor(user_id=staff.id, label=staff.email), campaign.id, kh.id)
        services.approve_batch(
            s,
            Actor(user_id=approver.id, label=approver.email),
            batch.id,
            decision_no="125/QĐ-MTTQ-BTT",
            decision_date=date(2026, 11, 18),
        )
        s.commit()
        return batch.id


def bench_batch(app, n: int, render_rate: float, note: str = "") -> None:  # type: ignore[no-untyped-def]
    """Issue + sign + render + e-mail a batch through the Celery tasks (eager: in this process, one core)."""
    from sqlalchemy import select

    from app.certificates import services, tasks
    from app.certificates.models import Certificate, CertificateBatch
    from app.core import mail
    from app.extensions import db

    log(f"seeding {n} donors and contributions …")
    batch_id = seed_batch(app, n)

    class CountingOutbox(list):
        """The in-memory mail backend's outbox, keeping a count rather than 10 000 PDFs in memory."""

        sent = 0

        def append(self, _msg) -> None:  # type: ignore[no-untyped-def]
            CountingOutbox.sent += 1

    with app.app_context():
        mail.OUTBOX = CountingOutbox()
        t0 = time.perf_counter()
        tasks.issue_batch.delay(batch_id)
        elapsed = time.perf_counter() - t0
        batch = db.session.get(CertificateBatch, batch_id)
        assert batch.issued_count == n and batch.emailed_count == n == CountingOutbox.sent, (
            batch.issued_count,
            batch.emailed_count,
            CountingOutbox.sent,
        )
        emit(
            "certificates.batch_issue_and_mail",
            n / elapsed,
            "certificates/s",
            "single certificate PDF render (certificates/s)",
            render_rate,
            0.8,
            n,
            note,
        )

        t0 = time.perf_counter()
        data = services.batch_pdf(db.session, batch)
        elapsed = time.perf_counter() - t0
        emit(
            "certificates.ceremony_pdf",
            n / elapsed,
            "pages/s",
            "single certificate PDF render (certificates/s)",
            render_rate,
            1.0,
            n,
            note,
        )
        log(f"ceremony PDF: {len(data) / 1e6:.1f} MB for {n} pages")

        codes = (
            db.session.execute(select(Certificate.code).where(Certificate.batch_id == batch_id))
            .scalars()
            .all()
        )
        return codes


def bench_verify(app, codes: list[str], n: int) -> None:  # type: ignore[no-untyped-def]
    from app.certificates import services, signing
    from app.certificates.models import Certificate
    from app.extensions import db

    rng = random.Random(SEED)
    sample = [rng.choice(codes) for _ in range(n)]
    with app.app_context():
        ids = [signing.parse_code(c)[0] for c in sample]
        db.session.expunge_all()
        t0 = time.perf_counter()
        for cid in ids:
            assert db.session.get(Certificate, cid) is not None
            db.session.expunge_all()  # a fresh lookup each time, as each page view would do
        lookup = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for code in sample:
            assert services.verify_code(db.session, code).valid
            db.session.expunge_all()
        full = n / (time.perf_counter() - t0)
    emit(
        "certificates.verify_code",
        full,
        "verifications/s",
        "primary-key lookup of the same certificates, no signature check (per s)",
        lookup,
        0.5,
        n,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--batch", type=int, help="certificates in the batch (default: by --size)")
    args = parser.parse_args()
    size = dict(SIZES[args.size])
    if args.batch:
        size["batch"] = args.batch
    note = (
        f"batch of {size['batch']:,} certificates (not the campaign's 10 000: see --batch)".replace(",", " ")
        if args.size == "national" and size["batch"] < 10_000
        else ""
    )
    os.environ.setdefault("CHUNGTAY_ENV", "testing")
    log(f"rendering {size['render']} certificates and blank pages …")
    rate = bench_render(size["render"])
    app = make_app(args.database_url)
    fresh_schema(app)
    codes = bench_batch(app, size["batch"], rate, note)
    bench_verify(app, codes, size["verify"])


if __name__ == "__main__":
    main()
