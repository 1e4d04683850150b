"""Absolute links (e-mails, QR codes, verification addresses) point at the running server in development and at
the configured public address otherwise, never at the request's Host (production refusing to start without an
address: tests/security/test_production_config.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core import mail
from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parents[2]


def _links_in_a_fresh_process(tmp_path: Path, **env: str) -> dict:
    """What `bash dev.sh run` starts: create_app() in a new process with this environment (config.py reads the
    environment once, at import)."""
    script = (
        "import json\n"
        "from app import create_app\n"
        "from app.core.web import public_url\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    print(json.dumps({'base': app.config['PUBLIC_BASE_URL'], "
        "'verify': public_url('certificates.verify_form'), "
        "'receipt': public_url('transparency.contribution', ref=7)}))\n"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PORT", "PUBLIC_BASE_URL", "CHUNGTAY_ENV", "FLASK_ENV")
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "CHUNGTAY_INSTANCE_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_development_links_follow_the_port_the_server_runs_on(tmp_path):
    links = _links_in_a_fresh_process(tmp_path, PORT="5077")
    assert links == {
        "base": "http://127.0.0.1:5077",
        "verify": "http://127.0.0.1:5077/xac-minh",
        "receipt": "http://127.0.0.1:5077/cong-khai/sao-ke/7",
    }
    assert _links_in_a_fresh_process(tmp_path)["base"] == "http://127.0.0.1:5000"  # dev.sh's default port
    explicit = _links_in_a_fresh_process(tmp_path, PORT="5077", PUBLIC_BASE_URL="https://chungtay.example.vn")
    assert explicit["verify"] == "https://chungtay.example.vn/xac-minh"


@pytest.mark.app_config(PUBLIC_BASE_URL="http://127.0.0.1:5077")
def test_mails_link_to_the_public_address_not_the_requests_host(client, session):
    from app.accounts.models import Role
    from tests.factories import KHANH_SON, make_user, unit

    make_user(session, Role.COMMUNE_STAFF, unit(session, KHANH_SON), email="quen@test.vn")
    session.commit()
    forged = {"Host": "attacker.example"}  # the page and the post both come with a forged Host
    page = client.get("/quen-mat-khau", headers=forged).get_data(as_text=True)
    resp = client.post(
        "/quen-mat-khau", data={"email": "quen@test.vn", "csrf_token": csrf_from(page)}, headers=forged
    )
    assert resp.status_code in (200, 302)
    body = mail.OUTBOX[-1].get_content()
    assert "http://127.0.0.1:5077/dat-lai-mat-khau/" in body and "attacker.example" not in body


@pytest.mark.app_config(PUBLIC_BASE_URL="http://127.0.0.1:5077", PUBLIC_PAGE_CACHE_SECONDS=60)
def test_a_cached_public_page_never_carries_the_requests_host(client, session):
    from app.contributions.models import Channel
    from app.contributions.services import NewContribution, record_contribution
    from tests.factories import SYSTEM, make_campaign, province

    kh = province(session)
    c = record_contribution(
        session,
        SYSTEM,
        make_campaign(session, kh),
        NewContribution(amount_vnd=1_000_000, channel=Channel.CASH, receiving_unit_id=kh.id),
    )
    session.commit()
    first = client.get(f"/cong-khai/sao-ke/{c.id}", headers={"Host": "attacker.example"}).get_data(
        as_text=True
    )
    again = client.get(f"/cong-khai/sao-ke/{c.id}").get_data(as_text=True)
    for html in (first, again):
        assert f"http://127.0.0.1:5077/cong-khai/sao-ke/{c.id}" in html and "attacker.example" not in html
