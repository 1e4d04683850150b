"""Reconciling a national day: one account's N feed transactions against that day's statement file (issue 17).

    python -m bench.bench_reconcile --size small        (20 000 transactions)
    python -m bench.bench_reconcile --size national     (400 000 transactions; target: import + reconciliation
                                                         of the file in at most 60 s, no false difference)

Data (fixed seed): the day's feed credits are recorded the way the feed records them — one receive() call per
chunk (MoneyIn items as app.bankfeed.services builds them, idempotency key bankfeed:<account>:<reference>,
COPY inside receive()) and the bank_feed_transactions rows inserted beside them in bulk. The statement file is a
Vietcombank CSV (the layout of app/payments/samples) of the same day: half of the lines carry the feed's bank
reference, half another document number (matched by amount, day and memo), every memo wrapped onto a continuation
row, and PLANTED lines of each kind of difference: lines missing from the feed, feed rows missing from the file,
amounts that differ (same reference).

Timed: import_statement of that file (parse, match against the feed and store, proposals, recording) plus day_report
(the reconciliation page's data); the differences found must be exactly the planted ones. Baseline in the same run:
parsing the same file alone (stream_statement, every line read). Ratio = baseline ÷ figure (a time)."""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from bench.bench_payments import emit, make_world, peak_rss_mb, setup

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/ct_recon_bench"
SIZES = {"small": 20_000, "national": 400_000}
PLANTED = 5  # of each kind of difference
SEED = 20261207
DAY = date(2026, 10, 17)
AMOUNTS = (50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000)
HEADER = [
    "Ngày GD/TNX Date",
    "Số CT/Doc No",
    "Số tiền ghi nợ/Debit",
    "Số tiền ghi có/Credit",
    "Số dư/Balance",
    "Nội dung chi tiết/Transactions in detail",
]
CHUNK = 20_000


def dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def day_data(
    n: int, rng: random.Random
) -> tuple[list[dict], list[tuple[str, int, str, str]], dict[str, set]]:
    """The feed's transactions and the statement's lines (reference, amount, first memo row, continuation)."""
    from app.core.i18n import VN_TZ

    start = datetime.combine(DAY, dtime(0), tzinfo=VN_TZ).astimezone(UTC)
    feeds: list[dict] = []
    lines: list[tuple[str, int, str, str]] = []
    planted: dict[str, set] = {"file_only": set(), "feed_only": set(), "amount": set()}
    picks = rng.sample(range(n), 3 * PLANTED)
    feed_only, amount_differs, file_extra = (set(picks[i * PLANTED : (i + 1) * PLANTED]) for i in range(3))
    for i in range(n):
        amount = rng.choice(AMOUNTS) * rng.randint(1, 3)
        ref = f"FT26290{i:08d}"
        name = f"NGUYEN VAN {rng.randrange(10**6)}"
        memo = f"MBVCB.{rng.randrange(10**9)}.{i} {name} ung ho nguoi ngheo"
        at = start + timedelta(seconds=i * 86_000 // n)
        feeds.append({"i": i, "ref": ref, "amount": amount, "memo": memo, "at": at, "name": name})
        if i in feed_only:
            planted["feed_only"].add(ref)
            continue
        doc = ref if i % 2 == 0 or i in amount_differs else f"5390.{i}"
        line_amount = amount + 1_000 if i in amount_differs else amount
        if i in amount_differs:
            planted["amount"].add(ref)
        cut = len(memo) // 2
        lines.append((doc, line_amount, memo[:cut].upper(), memo[cut:]))  # wrapped onto a second row
        if i in file_extra:  # a transfer the feed never notified, booked next to this one
            extra = f"5391.{i}"
            planted["file_only"].add(extra)
            lines.append((extra, 300_000, f"TRAN THI {i} CHUYEN TIEN", "ung ho dong bao"))
    return feeds, lines, planted


def statement_csv(lines: list[tuple[str, int, str, str]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"])
    w.writerow(["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT", "", "Số TK: 0061001234567"])
    w.writerow(HEADER)
    balance = 0
    for k, (doc, amount, first, rest) in enumerate(lines):
        balance += amount
        last = k == len(lines) - 1
        w.writerow([DAY.strftime("%d/%m/%Y"), doc, "", dots(amount), dots(balance) if last else "", first])
        w.writerow(["", "", "", "", "", rest])
    return out.getvalue().encode("utf-8")


def record_feed(
    db, acc_id: int, account_number: str, unit_id: int, campaign_id: int, feeds: list[dict]
) -> None:  # type: ignore[no-untyped-def]
    """The feed's day recorded as app.bankfeed.services records a credit (receive(), one call per chunk)."""
    from sqlalchemy import insert, select

    from app.bankfeed.models import BankFeedTransaction, FeedStatus
    from app.bankfeed.services import money_key
    from app.contributions.models import Channel
    from app.contributions.receive import MoneyIn, receive
    from app.core.actor import Actor

    s = db.session
    actor = Actor.system("bankfeed-sepay")
    for k in range(0, len(feeds), CHUNK):
        chunk = feeds[k : k + CHUNK]
        s.execute(
            insert(BankFeedTransaction),
            [
                {
                    "provider": "sepay",
                    "provider_txn_id": str(f["i"]),
                    "bank_reference": f["ref"],
                    "account_number": account_number,
                    "bank_account_id": acc_id,
                    "is_credit": True,
                    "amount_vnd": f["amount"],
                    "txn_at": f["at"],
                    "memo": f["memo"],
                    "counterparty_name": f["name"],
                    "counterparty_account": "",
                    "raw_payload": {},
                    "status": FeedStatus.PENDING,
                    "note": "",
                }
                for f in chunk
            ],
        )
        rows = s.execute(
            select(BankFeedTransaction).where(
                BankFeedTransaction.provider_txn_id.in_([str(f["i"]) for f in chunk])
            )
        ).scalars()
        txns = sorted(rows, key=lambda t: int(t.provider_txn_id))
        made = receive(
            s,
            actor,
            [
                MoneyIn(
                    amount_vnd=t.amount_vnd,
                    channel=Channel.BANK_TRANSFER,
                    received_at=t.txn_at,
                    receiving_unit_id=unit_id,
                    bank_account_id=acc_id,
                    display_name=t.counterparty_name,
                    bank_txn_ref=t.bank_reference,
                    source=f"bankfeed:{t.id}",
                    idempotency_key=money_key(t),
                    campaign_id=campaign_id,
                )
                for t in txns
            ],
            batch_source=f"bench-feed:{k}",
        )
        for r in made:
            t = txns[r.index]
            if t.contribution_id is None:
                t.contribution_id = r.id
                t.status = FeedStatus.RECEIVED
        s.commit()
        s.expunge_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--n", type=int, default=0, help="transactions (default: the size's)")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument(
        "--again",
        action="store_true",
        help="reuse the database of a finished run (its feed, its file): the import undone, the tables vacuumed, "
        "the same file imported again; the differences must be the ones that run found (its own were checked "
        "against the planted ones). Saves the setup (21 min for 400 000 on a loaded machine).",
    )
    args = parser.parse_args()
    if args.again:
        again(args.database_url)
        return
    n = args.n or SIZES[args.size]
    app, db = setup(args.database_url)
    rng = random.Random(SEED)
    campaign, acc, _pledges = make_world(db, 100, rng)

    from sqlalchemy import func, select

    from app.banking.models import OfficialBankAccount
    from app.contributions.models import Contribution
    from app.core.actor import Actor
    from app.payments.importing import create_statement

    t0 = time.perf_counter()
    feeds, lines, planted = day_data(n, rng)
    data = statement_csv(lines)
    acc_id = acc.id
    record_feed(db, acc_id, acc.account_number, acc.unit_id, campaign.id, feeds)
    setup_s = time.perf_counter() - t0
    del feeds
    s = db.session
    before = s.execute(select(func.count(Contribution.id), func.sum(Contribution.amount_vnd))).one()

    actor = Actor.system("bench")
    acc = s.get_one(OfficialBankAccount, acc_id)
    create_statement(s, actor, account=acc, kind="csv", data=data, original_name="sao-ke.csv", preview=False)
    s.commit()
    del data

    timed(
        db, actor, acc_id, data_lines=len(lines), planted=planted, before=tuple(before), setup_s=setup_s, n=n
    )


def again(database_url: str) -> None:
    """The import of a finished run undone (lines, statement, feed links; VACUUM FULL), its file imported again;
    then the floor of that import (copy_floor)."""
    import tempfile
    from pathlib import Path

    from flask_migrate import upgrade
    from sqlalchemy import delete, func, select, text, update

    from app import create_app
    from app.bankfeed.models import BankFeedTransaction
    from app.bankfeed.reconcile import day_report
    from app.banking.models import OfficialBankAccount
    from app.contributions.models import Contribution
    from app.extensions import db
    from app.payments.models import BankStatement, StatementImportProgress, StatementLine

    os.environ.setdefault("CHUNGTAY_INSTANCE_DIR", tempfile.mkdtemp(prefix="bench-payments-"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, WTF_CSRF_ENABLED=False)
    app.app_context().push()
    upgrade()  # the branch's migrations, if any, on the run's schema
    s = db.session
    t0 = time.perf_counter()
    stmt = s.execute(select(BankStatement).order_by(BankStatement.id.desc()).limit(1)).scalar_one()
    acc_id = stmt.bank_account_id
    app.config["UPLOAD_DIR"] = str(Path(stmt.file_path).parent.parent)
    data = Path(stmt.file_path).read_bytes()
    account = s.get_one(OfficialBankAccount, acc_id)
    found: dict[str, set] = {"file_only": set(), "feed_only": set(), "amount": set()}
    for d in day_report(s, account, DAY).differences:
        found[d.kind].add(d.reference)
    s.execute(delete(StatementLine))
    s.execute(delete(StatementImportProgress))
    s.execute(delete(BankStatement))
    s.execute(
        update(BankFeedTransaction)
        .where(BankFeedTransaction.statement_line_id.is_not(None))
        .values(statement_line_id=None)
    )
    s.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL ANALYZE bank_feed_transactions, statement_lines"))
    before = s.execute(select(func.count(Contribution.id), func.sum(Contribution.amount_vnd))).one()
    from app.core.actor import Actor
    from app.payments.importing import create_statement

    actor = Actor.system("bench")
    stmt = create_statement(
        s, actor, account=account, kind="csv", data=data, original_name="sao-ke.csv", preview=False
    )
    s.commit()
    lines = sum(1 for _ in _stream(stmt))
    timed(
        db,
        actor,
        acc_id,
        data_lines=lines,
        planted=found,
        before=tuple(before),
        setup_s=time.perf_counter() - t0,
        n=lines - len(found["file_only"]) + len(found["feed_only"]),
        floor=True,
    )


def _stream(stmt):  # type: ignore[no-untyped-def]
    from app.payments.importing import stream_statement

    return stream_statement(stmt)[1]


def timed(
    db: Any,
    actor: Any,
    acc_id: int,
    *,
    data_lines: int,
    planted: dict,
    before: tuple,
    setup_s: float,
    n: int,
    floor: bool = False,
) -> None:
    """The timed part: parse alone (baseline), then import_statement + day_report, checked."""
    from sqlalchemy import func, select

    from app.bankfeed.models import BankFeedTransaction
    from app.bankfeed.reconcile import day_report
    from app.banking.models import OfficialBankAccount
    from app.contributions.models import Contribution
    from app.payments.importing import import_statement, stream_statement
    from app.payments.models import BankStatement, StatementLine

    s = db.session
    stmt = s.execute(select(BankStatement).order_by(BankStatement.id.desc()).limit(1)).scalar_one()
    lines = range(data_lines)
    t0 = time.perf_counter()
    result, stream = stream_statement(stmt)
    parsed = sum(1 for _ in stream)
    baseline_s = time.perf_counter() - t0
    assert parsed == len(lines), (parsed, len(lines))

    t0 = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        prof = cProfile.Profile()
        summary = prof.runcall(import_statement, s, actor, stmt)
        prof.dump_stats(os.environ["BENCH_PROFILE"])
    else:
        summary = import_statement(s, actor, stmt)
    s.commit()
    import_s = time.perf_counter() - t0
    account = s.get_one(OfficialBankAccount, acc_id)
    report = day_report(s, account, DAY)
    total_s = time.perf_counter() - t0

    found: dict[str, set] = {"file_only": set(), "feed_only": set(), "amount": set()}
    for d in report.differences:
        found[d.kind].add(d.reference)
    after = s.execute(select(func.count(Contribution.id), func.sum(Contribution.amount_vnd))).one()
    linked = s.execute(
        select(func.count(BankFeedTransaction.id)).where(BankFeedTransaction.statement_line_id.is_not(None))
    ).scalar_one()
    unrecorded = s.execute(
        select(func.count(StatementLine.id)).where(StatementLine.contribution_id.is_(None))
    ).scalar_one()
    ok = found == planted and tuple(after) == before and summary.lines_total == len(lines)
    emit(
        name="bankfeed.reconcile_day",
        figure=round(total_s, 2),
        unit="s",
        baseline_name="parsing the same file alone",
        baseline=round(baseline_s, 2),
        ratio=round(baseline_s / total_s, 3),
        target="≤ 60 s at 400 000 transactions, differences exactly the planted ones",
        rows=n,
        seconds=round(total_s, 2),
        import_s=round(import_s, 2),
        day_report_s=round(total_s - import_s, 2),
        setup_s=round(setup_s, 1),
        lines=len(lines),
        linked=linked,
        unrecorded_lines=unrecorded,
        differences=len(report.differences),
        planted=sum(len(v) for v in planted.values()),
        false_differences=sum(len(found[k] - planted[k]) for k in found),
        missed_differences=sum(len(planted[k] - found[k]) for k in planted),
        ok=ok,
        database=db.engine.dialect.name,
        peak_rss_mb=peak_rss_mb(),
        note=f"{n:,} feed transactions vs the day's file".replace(",", " "),
    )
    assert ok, (found, planted, before, tuple(after))
    if floor:
        floor_s = copy_floor(db, stmt.id)
        emit(
            name="bankfeed.reconcile_day.floor",
            figure=round(floor_s, 2),
            unit="s",
            baseline_name="the import + day report above",
            baseline=round(total_s, 2),
            ratio=round(floor_s / total_s, 3),
            target="the least an import writing each line once can cost",
            rows=len(lines),
            note="parse + fingerprint + COPY of the same lines alone (rolled back)",
        )


def copy_floor(db: Any, statement_id: int) -> float:
    """The floor of an import: the same file parsed, each line fingerprinted and COPYed once (bulk_insert_lines,
    the unique index included, occurrences shifted so the lines just imported do not collide), nothing else;
    rolled back."""
    from itertools import batched

    from app.payments.bulk import bulk_insert_lines
    from app.payments.importing import IMPORT_CHUNK, stream_statement
    from app.payments.models import BankStatement, LineStatus
    from app.payments.statements.parsing import fingerprint_digest

    s = db.session
    stmt = s.get_one(BankStatement, statement_id)
    account_id = stmt.bank_account_id
    t0 = time.perf_counter()
    _result, stream = stream_statement(stmt)
    occurrences: dict[bytes, int] = {}
    for chunk in batched(stream, IMPORT_CHUNK):
        rows = []
        for line in chunk:
            digest = fingerprint_digest(line)
            n = occurrences[digest] = occurrences.get(digest, 0) + 1
            rows.append((digest.hex(), 1_000_000 + n, line, LineStatus.UNMATCHED, None, None, "", None))
        bulk_insert_lines(s, account_id, statement_id, rows)
    floor_s = time.perf_counter() - t0
    s.rollback()
    return floor_s


if __name__ == "__main__":
    main()
