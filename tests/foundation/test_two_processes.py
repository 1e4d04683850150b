"""Two app processes on one PostgreSQL database: sessions, CSRF tokens and the books hold across them.

This is the property the scale-out plan (docs/SCALE-OUT.md) relies on: any gunicorn host may serve any
request, because every piece of state lives in PostgreSQL (money, locks, sequences), in the signed session
cookie, or in Redis — never in a process.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from app.accounts.models import Role
from app.ledger import services as ledger
from tests.factories import KHANH_SON, make_campaign, make_user, province, receive, unit

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import sys
from werkzeug.serving import make_server
from app import create_app
app = create_app("testing", SQLALCHEMY_DATABASE_URI=sys.argv[1])
server = make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True)
print("ready", flush=True)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_servers(app):  # type: ignore[no-untyped-def]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    procs, bases = [], []
    env = {**os.environ, "CHUNGTAY_ENV": "testing", "PYTHONPATH": str(ROOT)}
    for _ in range(2):
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        procs.append(proc)
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for proc, base in zip(procs, bases, strict=True):
            assert proc.stdout.readline().strip() == "ready"
            for _ in range(100):
                try:
                    requests.get(base + "/", timeout=5)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_a_session_and_its_csrf_token_work_on_either_process(app, session, two_servers):
    user = make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="hai@test.vn")
    a, b = two_servers
    browser = requests.Session()
    token = _token(browser.get(a + "/dang-nhap").text)
    resp = browser.post(
        b + "/dang-nhap",
        data={"csrf_token": token, "email": user.email, "password": "Matkhau-2026"},
        allow_redirects=False,
    )
    assert resp.status_code == 302
    desk = browser.get(a + "/can-bo")
    assert desk.status_code == 200 and "Xã Khánh Sơn" in desk.text


def test_the_same_reversal_sent_to_both_processes_at_once_happens_once(app, session, two_servers):
    kh = province(session)
    campaign = make_campaign(session, kh)
    c = receive(session, campaign, 40_000_000, receiving=kh)
    approver = make_user(session, Role.APPROVER, kh, email="duyet@test.vn")
    tx_id, fund_id = c.ledger_transaction_id, campaign.fund_id
    a, b = two_servers
    browsers = []
    for base in (a, b):
        s = requests.Session()
        token = _token(s.get(base + "/dang-nhap").text)
        s.post(
            base + "/dang-nhap",
            data={"csrf_token": token, "email": approver.email, "password": "Matkhau-2026"},
        )
        browsers.append((s, base, _token(s.get(base + "/can-bo/so-quy/").text)))
    barrier = threading.Barrier(len(browsers) * 3)
    codes: list[int] = []

    def reverse(s: requests.Session, base: str, token: str) -> None:
        barrier.wait()
        r = s.post(
            f"{base}/can-bo/so-quy/but-toan/{tx_id}/dao",
            data={"csrf_token": token, "reason": "Trùng"},
            allow_redirects=False,
        )
        codes.append(r.status_code)

    threads = [threading.Thread(target=reverse, args=item) for item in browsers * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert codes == [302] * 6  # every request answered (one reversed, the others told it was already done)
    session.expire_all()
    assert ledger.totals(session, fund_id).received_vnd == 0  # reversed exactly once, not twice
    assert ledger.verify_ledger(session) == []
