"""`flask bankfeed generate` writes a day of notifications (duplicates, reordering); `flask bankfeed replay` sends
it to a running server, signed at send time: every transaction recorded once, duplicates answered as such."""

from __future__ import annotations

import json
import threading

from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.bankfeed.cli import replay_file
from app.bankfeed.models import BankFeedTransaction
from app.contributions.models import Contribution
from tests.bankfeed.conftest import DIRECT_SECRET, SEPAY_KEY
from tests.payments.conftest import make_pledge


def test_generate_then_replay_against_a_running_server(feed_app, session, kh_setup, tmp_path):
    for _ in range(3):
        make_pledge(session, kh_setup["campaign"], 100_000_000, receiving=kh_setup["province"])
    runner = feed_app.test_cli_runner()
    for fmt in ("direct", "sepay"):
        out = tmp_path / f"{fmt}.jsonl"
        result = runner.invoke(
            args=["bankfeed", "generate", "--count", "60", "--out", str(out), "--format", fmt, "--seed", "3"]
        )
        assert result.exit_code == 0, result.output
        items = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(items) == 63  # 60 transactions and 5% duplicate deliveries
        assert {i["provider"] for i in items} == {fmt}
    direct = [json.loads(line) for line in (tmp_path / "direct.jsonl").read_text().splitlines()]
    ids = [i["body"]["id"] for i in direct]
    assert ids != sorted(ids)  # reordered
    assert any(kh_setup["campaign"].id and "VNN" in i["body"]["memo"] for i in direct)  # pledge references
    credits = {i["body"]["reference"] for i in direct if i["body"]["direction"] == "credit"}

    server = make_server("127.0.0.1", 0, feed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        session.commit()
        report = replay_file(
            tmp_path / "direct.jsonl",
            f"http://127.0.0.1:{server.server_port}",
            rate=0,
            secrets={"direct": DIRECT_SECRET, "sepay": SEPAY_KEY},
            workers=1,
        )
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
    assert report["sent"] == 63
    assert report["statuses"] == {"200": 60, "200 trùng": 3}
    session.expire_all()
    assert session.execute(select(func.count(BankFeedTransaction.id))).scalar_one() == 60
    refs = session.execute(select(Contribution.bank_txn_ref)).scalars().all()
    assert sorted(refs) == sorted(credits)  # each credit once, no debit
