"""A local eSMS server speaking its published JSON (docs/NOTIFICATIONS.md), and the pledge world.

The fake checks what eSMS checks (ApiKey and SecretKey, a Brandname, a phone number, SmsType) and answers as it
does: {"CodeResult": "100", "SMSID": …} when accepted, another CodeResult with an ErrorMessage otherwise, "124"
for a RequestId it has already accepted. A test may queue the next answers (`fake.answers`) to play a provider
whose balance ran out, or one that is down (HTTP 503)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.pledges.conftest import world  # noqa: F401 - the pledge world, shared

API_KEY = "KHOA-API-THU"
SECRET_KEY = "KHOA-BI-MAT-THU"
BRANDNAME = "MTTQ_KH"
PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"


@dataclass
class FakeEsms:
    url: str = ""
    received: list[dict] = field(default_factory=list)  # every request body, accepted or not
    accepted: list[dict] = field(default_factory=list)
    answers: list[tuple[int, dict]] = field(default_factory=list)  # queued (HTTP status, JSON) answers
    request_ids: set[str] = field(default_factory=set)

    def answer(self, body: dict) -> tuple[int, dict]:
        self.received.append(body)
        if self.answers:
            return self.answers.pop(0)
        if body.get("ApiKey") != API_KEY or body.get("SecretKey") != SECRET_KEY:
            return 200, {"CodeResult": "101", "ErrorMessage": "Sai ApiKey hoặc SecretKey"}
        if str(body.get("SmsType")) != "2" or body.get("Brandname") != BRANDNAME:
            return 200, {"CodeResult": "104", "ErrorMessage": "Brandname không tồn tại"}
        phone = str(body.get("Phone", ""))
        if not (phone.isdigit() and 9 <= len(phone) <= 15):
            return 200, {"CodeResult": "108", "ErrorMessage": "Số điện thoại không đúng định dạng"}
        if body.get("RequestId") in self.request_ids:
            return 200, {"CodeResult": "124", "ErrorMessage": "Trùng RequestId"}
        self.request_ids.add(body.get("RequestId"))
        self.accepted.append(body)
        return 200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": uuid.uuid4().hex}


@pytest.fixture
def fake_esms(app) -> Iterator[FakeEsms]:  # type: ignore[no-untyped-def]
    fake = FakeEsms()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            if self.path != PATH or self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                self.send_response(404)
                self.end_headers()
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, payload = fake.answer(json.loads(raw.decode("utf-8")))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    app.config.update(
        SMS_BACKEND="esms",
        ESMS_URL=fake.url,
        ESMS_API_KEY=API_KEY,
        ESMS_SECRET_KEY=SECRET_KEY,
        ESMS_BRANDNAME=BRANDNAME,
    )
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()
