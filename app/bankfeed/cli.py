"""`flask bankfeed generate` writes a day of feed notifications (JSON lines); `flask bankfeed replay` sends them to a
running server at a given rate, signed as the provider would sign them at send time, for demos and benchmarks.

A generated day: credits with and without a pledge reference in the memo (references of open pledges when the
database has some), a few debits, about 5% duplicate deliveries (the same notification again, or the same bank
reference under a second provider id) and reordered deliveries (neighbours swapped)."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
import requests
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.bankfeed.adapters import sign_direct
from app.core.i18n import VN_TZ, today_vn

bankfeed_cli = AppGroup(
    "bankfeed", help="Giao dịch ngân hàng trực tuyến: tạo và phát lại một ngày thông báo."
)

MEMOS = ["UNG HO QUY VI NGUOI NGHEO", "ung ho nguoi ngheo", "CHUYEN TIEN UNG HO", "MTTQ UNG HO", "Ung ho"]
NAMES = ["NGUYEN VAN AN", "TRAN THI BINH", "LE VAN CUONG", "PHAM THI DUNG", "HOANG VAN EM", ""]
AMOUNTS = [50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000]


def _body(provider: str, n: dict[str, Any]) -> dict[str, Any]:
    """One notification in the provider's payload format."""
    local = datetime.fromisoformat(n["time"]).astimezone(VN_TZ)
    if provider == "sepay":
        return {
            "id": n["id"],
            "gateway": n["bank"],
            "transactionDate": local.strftime("%Y-%m-%d %H:%M:%S"),
            "accountNumber": n["account_number"],
            "code": None,
            "content": n["memo"],
            "transferType": "in" if n["direction"] == "credit" else "out",
            "transferAmount": n["amount"],
            "accumulated": n["balance"],
            "subAccount": None,
            "referenceCode": n["reference"],
            "description": f"BankAPINotify {n['memo']}",
        }
    return n


def generate_day(
    count: int,
    account_number: str,
    bank: str,
    provider: str,
    references: list[str],
    seed: int = 17,
    duplicates: float = 0.05,
) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not a secret
    day = today_vn()
    start = datetime(day.year, day.month, day.day, 0, 0, tzinfo=VN_TZ)
    balance = 1_000_000_000
    items: list[dict[str, Any]] = []
    for i in range(count):
        credit = rng.random() > 0.03
        amount = rng.choice(AMOUNTS)
        balance += amount if credit else -amount
        memo = rng.choice(MEMOS)
        if credit and references and rng.random() < 0.4:
            memo = f"{memo} {rng.choice(references)}"
        n = {
            "id": f"{seed}-{i + 1:08d}" if provider == "direct" else seed * 10**8 + i + 1,
            "account_number": account_number,
            "reference": f"FT{day:%y%m%d}S{seed}N{i + 1:08d}",  # one day's references, distinct per seed
            "direction": "credit" if credit else "debit",
            "amount": amount,
            "time": (start + timedelta(seconds=int(86_399 * i / max(count, 1)))).isoformat(),
            "memo": f"{memo} {rng.choice(NAMES)}".strip(),
            "counterparty_name": rng.choice(NAMES),
            "counterparty_account": str(rng.randint(10**9, 10**12)),
            "balance": balance,
            "bank": bank,
        }
        items.append({"provider": provider, "body": _body(provider, n)})
    # duplicates: half the same delivery again, half the same bank reference under another provider id
    for _ in range(int(count * duplicates)):
        original = rng.choice(items[:count])
        copy = json.loads(json.dumps(original))
        if rng.random() < 0.5:
            copy["body"]["id"] = (
                f"dup{copy['body']['id']}" if provider == "direct" else -int(copy["body"]["id"])
            )
        items.insert(rng.randrange(len(items) + 1), copy)
    # reordered deliveries: neighbours swapped
    for i in range(0, len(items) - 1, 7):
        if rng.random() < 0.5:
            items[i], items[i + 1] = items[i + 1], items[i]
    return items


@bankfeed_cli.command("generate")
@click.option("--count", default=1000, show_default=True, help="Số giao dịch (chưa kể bản trùng).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "provider", type=click.Choice(["direct", "sepay"]), default="direct", show_default=True
)
@click.option("--account", default=None, help="Số tài khoản nhận (mặc định: tài khoản chính thức đầu tiên).")
@click.option("--seed", default=17, show_default=True)
def generate(count: int, out: Path, provider: str, account: str | None, seed: int) -> None:
    """Tạo một ngày thông báo giao dịch (JSON lines) để phát lại."""
    from app.banking.models import OfficialBankAccount
    from app.extensions import db
    from app.pledges.models import Pledge

    acc = db.session.execute(
        select(OfficialBankAccount)
        .where(OfficialBankAccount.account_number == account if account else OfficialBankAccount.is_active)
        .order_by(OfficialBankAccount.id)
    ).scalar()
    number = account or (acc.account_number if acc else "0000000000")
    references = list(db.session.execute(select(Pledge.reference).order_by(Pledge.id).limit(500)).scalars())
    items = generate_day(count, number, acc.bank_name if acc else "Vietcombank", provider, references, seed)
    with out.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    click.echo(f"{len(items)} thông báo ({count} giao dịch, tài khoản {number}) -> {out}")


def _read(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def replay_file(
    path: Path,
    url: str,
    rate: float,
    secrets: dict[str, str],
    workers: int = 8,
    answered: dict[str, float] | None = None,
) -> dict[str, Any]:
    """POST every notification of `path` to `url` at about `rate` per second (0: as fast as possible), each signed
    at send time. Returns the answers' status counts and latencies; `answered` (when given) receives, per bank
    reference, the wall-clock time (time.time()) of its first 2xx answer (the benchmark's visibility latency)."""
    items = list(_read(path))
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    http = threading.local()

    def send(item: dict[str, Any]) -> None:
        provider = item["provider"]
        body = json.dumps(item["body"], ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if provider == "sepay":
            headers["Authorization"] = f"Apikey {secrets.get('sepay', '')}"
        else:
            headers.update(sign_direct(body, secrets.get("direct", "")))
        if not hasattr(http, "s"):
            http.s = requests.Session()
        began = time.perf_counter()
        try:
            resp = http.s.post(
                f"{url.rstrip('/')}/api/bankfeed/{provider}", data=body, headers=headers, timeout=30
            )
            key = str(resp.status_code)
            if resp.ok and resp.json().get("duplicate"):
                key = f"{resp.status_code} trùng"
        except requests.RequestException as exc:
            key = type(exc).__name__
        done = time.time()
        reference = item["body"].get("reference") or item["body"].get("referenceCode")
        with lock:
            statuses[key] += 1
            latencies.append(time.perf_counter() - began)
            if answered is not None and key.startswith("2") and reference:
                answered[reference] = min(done, answered.get(reference, done))

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, item in enumerate(items):
            if rate > 0:
                delay = began + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            pool.submit(send, item)
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "sent": len(items),
        "seconds": round(elapsed, 2),
        "per_second": round(len(items) / elapsed, 1) if elapsed else None,
        "statuses": dict(statuses),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None,
    }


@bankfeed_cli.command("replay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rate", default=50.0, show_default=True, help="Số thông báo mỗi giây (0: nhanh nhất có thể).")
@click.option("--url", default=None, help="Địa chỉ máy chủ đang chạy (mặc định PUBLIC_BASE_URL).")
@click.option("--workers", default=8, show_default=True)
def replay(file: Path, rate: float, url: str | None, workers: int) -> None:
    """Phát lại một ngày thông báo tới máy chủ đang chạy, ký như nhà cung cấp."""
    secrets = {
        "sepay": current_app.config.get("BANKFEED_SEPAY_API_KEY") or "",
        "direct": current_app.config.get("BANKFEED_DIRECT_SECRET") or "",
    }
    result = replay_file(file, url or current_app.config["PUBLIC_BASE_URL"], rate, secrets, workers)
    click.echo(json.dumps(result, ensure_ascii=False))


def register(app: Flask) -> None:
    app.cli.add_command(bankfeed_cli)
