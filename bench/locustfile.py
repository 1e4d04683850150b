"""Locust users of the load run (driven by bench/load.py; see its docstring).

Donors: GET /ung-ho, then POST the form with the page's CSRF token and a unique name; an acknowledged pledge is
a 302 to /ung-ho/<reference>: the reference and the unique name are recorded, to be counted against the rows.
Readers: the home page, the public overview and the public statement with searches.
Each user runs at a constant throughput (one task every 1/rate seconds), so the offered load does not fall
when the server slows down (as long as a response comes back within the interval).
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from datetime import UTC, datetime, timedelta

import gevent
from locust import FastHttpUser, constant_throughput, events, task

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" value="([^"]+)"')
ACKS: list[dict] = []
STATUS: dict[str, int] = {}
CONF = json.loads(os.environ.get("LOAD_CONF", "{}"))
SEARCHES = ["nguyen", "Trần", "cong ty", "Hộ bà", "500.000", "Lê Văn", "xay dung", "hoa", "minh", "phạm thị"]


# A reader or donor comes back after 20 s or more, long after gunicorn closed the idle connection (keep-alive 2 s):
# like a browser then, it opens a new one. (Reusing the stale connection made locust's client wait about 140 ms
# before reconnecting, which showed as server latency the access log did not have.)
NEW_CONNECTION = {"Connection": "close"}


class SpreadStart:
    """Each user's first request at a random moment within its own interval: the users' requests then arrive
    spread evenly at the nominal rate, instead of in waves of every user spawned in the same few seconds (which
    come back together at each interval and queue behind one another)."""

    rate = 1.0

    def on_start(self) -> None:
        gevent.sleep(random.uniform(0, 1 / self.rate))  # noqa: S311 - load timing


class Donor(SpreadStart, FastHttpUser):
    weight = CONF.get("donors", 200)
    rate = CONF.get("donor_rate", 0.02)
    wait_time = constant_throughput(rate)

    @task
    def pledge(self) -> None:
        data = form_data(self)
        if data is None:
            return
        with self.client.post(
            "/ung-ho",
            data=data,
            name="POST /ung-ho",
            allow_redirects=False,
            headers=NEW_CONNECTION,
            catch_response=True,
        ) as resp:
            location = resp.headers.get("Location", "") if resp.headers else ""
            if resp.status_code == 302 and "/ung-ho/" in location:
                ACKS.append(
                    {
                        "token": data["name"].rsplit(" ", 1)[-1],
                        "reference": location.rstrip("/").rsplit("/", 1)[-1],
                    }
                )
                resp.success()
            else:
                resp.failure(f"not acknowledged: {resp.status_code} {(resp.text or '')[:200]!r}")


def form_data(user: FastHttpUser) -> dict | None:
    """GET /ung-ho, then what a donor types into it (a unique name), with the page's CSRF token."""
    page = user.client.get("/ung-ho", name="GET /ung-ho")
    match = TOKEN.search(page.text or "")
    if not match:
        return None
    key = SUBMISSION_KEY.search(page.text or "")
    token = uuid.uuid4().hex[:12]
    amount = random.choice([1, 2, 3, 5, 10]) * 1_000_000  # noqa: S311 - load data
    province, commune = random.choice(CONF["units"])  # noqa: S311
    return {
        "csrf_token": match.group(1),
        # the page's idempotency key, as a browser sends it (without it the submission skips its deduplication)
        "submission_key": key.group(1) if key else "",
        "donor_kind": "household",
        "name": f"Hộ bà Tải Thử {token}",
        "province_id": str(province),
        "commune_id": str(commune),
        "phone": "0905123456",
        "email": f"tai{token}@example.vn",
        "kind": "money",
        "amount": f"{amount:,}".replace(",", "."),
        "purpose": "housing",
        "earmark": "anywhere",
        "schedule": "now",
        "due_on": (datetime.now(UTC).date() + timedelta(days=7)).isoformat(),
        "payment_method": "bank_transfer",
        "display": "full_name",
    }


class Reader(SpreadStart, FastHttpUser):
    weight = CONF.get("readers", 1000)
    rate = CONF.get("reader_rate", 0.05)
    wait_time = constant_throughput(rate)

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="GET /", headers=NEW_CONNECTION)

    @task(2)
    def overview(self) -> None:
        self.client.get("/cong-khai", name="GET /cong-khai", headers=NEW_CONNECTION)

    @task(3)
    def statement(self) -> None:
        self.client.get("/cong-khai/sao-ke", name="GET /cong-khai/sao-ke", headers=NEW_CONNECTION)

    @task(3)
    def search(self) -> None:
        q = random.choice(SEARCHES)  # noqa: S311
        self.client.get(
            "/cong-khai/sao-ke", params={"q": q}, name="GET /cong-khai/sao-ke?q=", headers=NEW_CONNECTION
        )


class Baseline(SpreadStart, FastHttpUser):
    """A light, fixed-rate probe of the minimal routes on the same gunicorn, under the same load."""

    weight = CONF.get("probes", 10)
    rate = CONF.get("probe_rate", 1.0)
    wait_time = constant_throughput(rate)

    @task
    def ping(self) -> None:
        self.client.get("/bench/ping", name="GET /bench/ping (baseline: one query)")

    @task
    def hello(self) -> None:
        self.client.get("/bench/hello", name="GET /bench/hello (baseline: no query)")


MODE = os.environ.get("LOAD_MODE", "")  # bench_gunicorn: one closed-loop user class at full speed


class Saturate(FastHttpUser):
    """bench_gunicorn's throughput phases: no wait, one route (LOAD_MODE = ping | hello | page | floor | submit)."""

    weight = 1 if MODE else 0
    wait_time = constant_throughput(1000)

    @task
    def one(self) -> None:
        if MODE in ("ping", "hello"):
            self.client.get(f"/bench/{MODE}", name=MODE)
        elif MODE == "page":
            self.client.get("/ung-ho", name="page")
        elif (
            MODE == "floor"
        ):  # the same GET and POST as a donor's, to a route that only checks CSRF and pings
            data = form_data(self)
            if data is not None:
                self.client.post("/bench/floor", data=data, name="floor", headers=NEW_CONNECTION)
        else:
            Donor.pledge(self)  # type: ignore[arg-type]


if MODE:  # only the saturating class runs
    Donor.weight = Reader.weight = Baseline.weight = 0


@events.request.add_listener
def count_status(name: str, response: object = None, **_: object) -> None:
    code = getattr(response, "status_code", None) or 0
    key = f"{name} {code}"
    STATUS[key] = STATUS.get(key, 0) + 1


@events.test_stop.add_listener
def dump_acks(**_: object) -> None:
    path = os.environ.get("LOAD_ACKS")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"acks": ACKS, "status": STATUS}, f)
