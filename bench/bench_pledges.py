"""Benchmarks for pledges.

    python -m bench.bench_pledges --size small       (well under 2 minutes)
    python -m bench.bench_pledges --size national    (200 000 existing pledges behind the staff list)

Through the Flask test client (one process, no network), each figure against a trivial route that runs one
query (`SELECT 1`), measured in the same run on the same app and database:
1. pledge_page: GET /ung-ho (the public form with the province and commune lists) — requests per second.
2. pledge_submit: POST /ung-ho, a household pledge in three instalments (validation, donor, unique reference,
   instalments, audit, the confirmation e-mail queued for Celery as in production) — pledges per second.
3. staff_list_overdue: a province officer's pledge list filtered to overdue pledges, with N pledges in the
   database — pages per second.
Data is generated with a fixed seed; the database (PostgreSQL by default, your own) is wiped and migrated first.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta

DEFAULT_DB = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ct_issue3a")
SIZES = {
    "small": {"pledges": 5_000, "page_requests": 300, "submits": 200, "list_requests": 100},
    "national": {"pledges": 200_000, "page_requests": 1_000, "submits": 1_000, "list_requests": 200},
}
SEED = 20261127


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(**kw: object) -> None:
    print(json.dumps(kw, ensure_ascii=False), flush=True)


def setup(database_url: str):  # type: ignore[no-untyped-def]
    os.environ.setdefault("CHUNGTAY_INSTANCE_DIR", tempfile.mkdtemp(prefix="bench-pledges-"))
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from config import CONFIGS

    # As in production, the confirmation and staff e-mails are queued (here on Celery's in-memory broker),
    # not sent inside the request.
    celery = {**CONFIGS["testing"].CELERY, "task_always_eager": False}
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
        CELERY=celery,
        UPLOAD_DIR=os.path.join(os.environ["CHUNGTAY_INSTANCE_DIR"], "uploads"),
    )

    @app.route("/bench/ping")
    def ping():  # type: ignore[no-untyped-def]
        return {"ok": db.session.execute(text("SELECT 1")).scalar_one()}

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


def seed(app, n_pledges: int):  # type: ignore[no-untyped-def]
    """Khánh Hòa, a campaign, official accounts, a province officer and n pledges (bulk-inserted)."""
    from sqlalchemy import insert, select

    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.banking.models import OfficialBankAccount
    from app.campaigns.models import CampaignStatus
    from app.campaigns.services import create_campaign, set_status
    from app.core.actor import Actor
    from app.core.text import fold
    from app.donors.models import Donor, DonorKind
    from app.extensions import db
    from app.ledger.models import Purpose
    from app.ledger.services import main_fund
    from app.pledges.models import Pledge, PledgeInstalment, PledgeSchedule, PledgeStatus
    from app.pledges.references import new_reference
    from app.units.models import AdminUnit, UnitLevel
    from app.units.services import import_units

    rng = random.Random(SEED)
    actor = Actor.system("bench")
    with app.app_context():
        s = db.session
        import_units(s, [56])
        province = s.execute(select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE)).scalar_one()
        communes = list(s.execute(select(AdminUnit.id).where(AdminUnit.parent_id == province.id)).scalars())
        fund = main_fund(s)
        campaign = create_campaign(
            s,
            actor,
            year=2026,
            name="Ngày vì người nghèo 2026 (bench)",
            fund_id=fund.id,
            scope_unit_id=province.id,
        )
        set_status(s, actor, campaign, CampaignStatus.ACTIVE)
        s.add(
            OfficialBankAccount(
                unit_id=province.id,
                fund_id=fund.id,
                bank_bin="970436",
                bank_name="Vietcombank",
                account_number="0061001234567",
                account_name="UY BAN MTTQ TINH KHANH HOA",
            )
        )
        create_user(
            s,
            actor,
            email="tinh@bench.vn",
            full_name="Cán bộ tỉnh",
            password="Matkhau-2026",
            role=Role.PROVINCE_STAFF,
            unit_id=province.id,
        )
        s.commit()
        today = datetime.now(UTC).date()
        batch = 5_000
        refs: set[str] = set()
        for start in range(0, n_pledges, batch):
            count = min(batch, n_pledges - start)
            donor_rows = [
                {
                    "kind": DonorKind.HOUSEHOLD.value,
                    "name": f"Hộ ông Nguyễn Văn {start + i}",
                    "search_key": fold(f"Hộ ông Nguyễn Văn {start + i}"),
                    "address": "",
                    "contact_person": "",
                    "public_display": "full_name",
                    "created_at": datetime.now(UTC),
                }
                for i in range(count)
            ]
            donor_ids = list(s.execute(insert(Donor).returning(Donor.id), donor_rows).scalars())
            pledge_rows = []
            for did in donor_ids:
                ref = new_reference()
                while ref in refs:
                    ref = new_reference()
                refs.add(ref)
                instalments = rng.random() < 0.3
                pledge_rows.append(
                    {
                        "reference": ref,
                        "campaign_id": campaign.id,
                        "donor_id": did,
                        "amount_vnd": rng.choice([500_000, 1_000_000, 2_000_000, 5_000_000, 50_000_000]),
                        "receiving_unit_id": province.id,
                        "earmark_unit_id": rng.choice(communes),
                        "purpose": rng.choice(list(Purpose)).value,
                        "status": PledgeStatus.PLEDGED.value,
                        "is_anonymous": False,
                        "note": "",
                        "created_at": datetime.now(UTC),
                        "schedule": (PledgeSchedule.INSTALMENTS if instalments else PledgeSchedule.NOW).value,
                        "due_on": None if instalments else today + timedelta(days=rng.randint(-60, 60)),
                        "contact_email": f"ho{did}@example.vn",
                    }
                )
            pledge_ids = list(
                s.execute(
                    insert(Pledge).returning(Pledge.id, Pledge.schedule, Pledge.amount_vnd), pledge_rows
                ).all()
            )
            inst_rows = []
            for pid, schedule, amount in pledge_ids:
                if schedule == PledgeSchedule.INSTALMENTS:
                    first = today + timedelta(days=rng.randint(-60, 30))
                    inst_rows += [
                        {"pledge_id": pid, "seq": 1, "due_on": first, "amount_vnd": amount // 2},
                        {
                            "pledge_id": pid,
                            "seq": 2,
                            "due_on": first + timedelta(days=30),
                            "amount_vnd": amount - amount // 2,
                        },
                    ]
            if inst_rows:
                s.execute(insert(PledgeInstalment), inst_rows)
            s.commit()
        if db.engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum keeps them in production
            from sqlalchemy import text

            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        return province.id, communes


def paired_rates(fn, baseline_fn, n: int, rounds: int = 5) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Rates of fn and of the baseline, measured in alternating rounds so that a busy machine slows both
    alike (the ratio is what to compare between runs)."""
    fn()
    baseline_fn()  # warm-up
    spent = {"fn": 0.0, "base": 0.0}
    per_round = max(1, n // rounds)
    for _ in range(rounds):
        for key, f in (("base", baseline_fn), ("fn", fn)):
            started = time.perf_counter()
            for _ in range(per_round):
                f()
            spent[key] += time.perf_counter() - started
    done = per_round * rounds
    return done / spent["fn"], done / spent["base"]


def login(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.post("/dang-nhap", data={"email": "tinh@bench.vn", "password": "Matkhau-2026"})
    assert resp.status_code == 302, resp.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    args = parser.parse_args()
    size = SIZES[args.size]
    app = setup(args.database_url)
    province_id, communes = seed(app, size["pledges"])

    from app.core import mail

    client = app.test_client()
    ping = lambda: client.get("/bench/ping")  # noqa: E731

    def page() -> None:
        resp = client.get("/ung-ho")
        assert resp.status_code == 200

    figure, baseline = paired_rates(page, ping, size["page_requests"])
    emit(
        name="pledge_page",
        figure=round(figure, 1),
        unit="requests/s",
        baseline_name="one_query_route",
        baseline=round(baseline, 1),
        ratio=round(figure / baseline, 3),
        target=">= 0.2 of the one-query route",
        peak_rss_mb=peak_rss_mb(),
        rows=size["pledges"],
    )

    rng = random.Random(SEED + 1)
    today = datetime.now(UTC).date()

    def submit() -> None:
        amount = rng.choice([3, 6, 9]) * 1_000_000
        data = {
            "donor_kind": "household",
            "name": f"Hộ bà Trần Thị {rng.randint(1, 10**6)}",
            "province_id": str(province_id),
            "commune_id": str(rng.choice(communes)),
            "phone": "0905123456",
            "email": "ho@example.vn",
            "kind": "money",
            "amount": f"{amount:,}".replace(",", "."),
            "purpose": "housing",
            "earmark": "anywhere",
            "schedule": "instalments",
            "payment_method": "bank_transfer",
            "display": "full_name",
        }
        for i in range(3):
            data[f"instalments-{i}-due_on"] = (today + timedelta(days=10 + 30 * i)).isoformat()
            data[f"instalments-{i}-amount"] = str(amount // 3)
        # Each pledge from a new visitor (a fresh cookie jar): the test client does not follow the redirect to
        # the confirmation page, so one client would pile every "thank you" flash message into one session
        # cookie (tens of kB after a few hundred pledges), which no browser sends.
        resp = app.test_client().post("/ung-ho", data=data)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        mail.OUTBOX.clear()

    figure, baseline = paired_rates(submit, ping, size["submits"])
    emit(
        name="pledge_submit",
        figure=round(figure, 1),
        unit="pledges/s",
        baseline_name="one_query_route",
        baseline=round(baseline, 1),
        ratio=round(figure / baseline, 3),
        target=">= 5 pledges/s per process",
        peak_rss_mb=peak_rss_mb(),
        rows=size["submits"],
    )

    staff = app.test_client()
    login(staff)

    def overdue_list() -> None:
        resp = staff.get("/can-bo/dang-ky-ung-ho?overdue=1")
        assert resp.status_code == 200

    staff_ping = lambda: staff.get("/bench/ping")  # noqa: E731
    figure, staff_baseline = paired_rates(overdue_list, staff_ping, size["list_requests"])
    emit(
        name="staff_list_overdue",
        figure=round(figure, 1),
        unit="pages/s",
        baseline_name="one_query_route",
        baseline=round(staff_baseline, 1),
        ratio=round(figure / staff_baseline, 3),
        target=">= 2 pages/s with the national number of pledges",
        peak_rss_mb=peak_rss_mb(),
        rows=size["pledges"],
    )


if __name__ == "__main__":
    main()
