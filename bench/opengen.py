"""Open-loop load generator of the capacity run (bench/capacity.py): arrivals at fixed moments, whatever the server does.

    python -m bench.opengen --port 5111 --rate 80 --donor-rate 1 --seconds 60 --start-at EPOCH --out FILE

Every arrival has its moment fixed in advance (`plan`): readers at `rate` per second spread evenly over the step
(i / rate), each one a public page in the proportions of READER_MIX; donors at `donor_rate` per second, each one a
pledge (GET /ung-ho, then the form POSTed back with its CSRF token and session cookie). At its moment an arrival is
started as its own task, so a request still in flight never delays the next one (open loop: the offered rate does
not fall when the server slows down). Latency is measured from the arrival's planned moment to the response's last
byte, so a generator that starts a request late charges the delay to the figure instead of hiding it; how late each
request was started is recorded too (`lag_ms`), as is the generator's own CPU time, to show it did not measure itself.

Each request opens its own connection and says `Connection: close` (a reader is a different browser each time; the
locust run does the same), and is written on a plain asyncio stream: no HTTP library, so the cost per request is a
connect, one write, one read to the end and a split of the status line and headers.
With `--shards N --shard K` a process takes every N-th arrival (K, K+N, ...) of the same plan.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

READER_MIX = (
    ("GET /", 2),
    ("GET /cong-khai", 2),
    ("GET /cong-khai/sao-ke", 3),
    ("GET /cong-khai/sao-ke?q=", 3),
)
READER_ROUTES = tuple(name for name, _ in READER_MIX)
PLEDGE = "pledge"  # a donor's arrival: GET /ung-ho then POST /ung-ho
SEARCHES = ("nguyen", "Trần", "cong ty", "Hộ bà", "500.000", "Lê Văn", "xay dung", "hoa", "minh", "phạm thị")
TOKEN = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
DONOR_PREFIX = "Hộ bà Tải Thử"
STEP_HEADER = "X-Bench-Step"  # names the step in gunicorn's access log (bench.capacity reads each step's lines)  # bench/load.py's count_rows finds the load run's pledges by it


@dataclass(frozen=True)
class Arrival:
    at: float  # seconds from the step's start
    route: str  # one of READER_ROUTES, or PLEDGE
    index: int  # position in the plan (sharding, search words)


def arrivals(rate: float, seconds: float) -> list[float]:
    """The moments of `rate × seconds` arrivals spread evenly over the step: 0, 1/rate, 2/rate, ..."""
    if rate <= 0 or seconds <= 0:
        return []
    return [i / rate for i in range(round(rate * seconds))]


def interleave(mix: tuple[tuple[str, int], ...], n: int) -> list[str]:
    """n names in the proportions of their weights, each spread out (smooth weighted round robin): a mix of 2:2:3:3
    gives every kind within any 10 consecutive arrivals instead of blocks of one kind."""
    total = sum(w for _, w in mix)
    current = {name: 0 for name, _ in mix}
    out = []
    for _ in range(n):
        for name, w in mix:
            current[name] += w
        best = max(current, key=lambda k: current[k])
        current[best] -= total
        out.append(best)
    return out


def plan(rate: float, donor_rate: float, seconds: float) -> list[Arrival]:
    """Every arrival of a step, in time order: readers at `rate`, donors' pledges at `donor_rate`."""
    readers = arrivals(rate, seconds)
    routes = interleave(READER_MIX, len(readers))
    # Donors start half an interval in, so that they do not coincide with a reader at every one of their arrivals.
    donors = [t + 0.5 / donor_rate for t in arrivals(donor_rate, seconds)] if donor_rate > 0 else []
    timed = [(t, r) for t, r in zip(readers, routes, strict=True)] + [
        (t, PLEDGE) for t in donors if t < seconds
    ]
    timed.sort(key=lambda x: x[0])
    return [Arrival(t, r, i) for i, (t, r) in enumerate(timed)]


def shard(items: list[Arrival], shards: int, k: int) -> list[Arrival]:
    return items[k::shards]


def target(arrival: Arrival) -> str:
    """The request line's target of a reader's arrival."""
    route = arrival.route.split(" ", 1)[1]
    if route.endswith("?q="):
        return route + quote(SEARCHES[arrival.index % len(SEARCHES)])
    return route


# ---------------------------------------------------------------------------- HTTP on a plain asyncio stream
@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), "")

    def cookies(self) -> str:
        return "; ".join(v.split(";", 1)[0] for k, v in self.headers if k == "set-cookie")


def parse_reply(raw: bytes) -> Reply:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return Reply(0)
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k.strip().lower(), v.strip()))
    return Reply(int(parts[1]), headers, body)


async def http(
    host: str, port: int, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> Reply:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Connection: close",
            "User-Agent: ct-opengen",
        ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        raw = await reader.read()  # to the end: the server closes after the response
    finally:
        writer.close()
    return parse_reply(raw)


Fetch = Callable[..., Awaitable[Reply]]


def pledge_form(page: bytes, units: list[tuple[int, int]], n: int) -> dict[str, str] | None:
    """What a donor types into the pledge form (a unique name), with the page's CSRF token."""
    match = TOKEN.search(page)
    if not match:
        return None
    token = uuid.uuid4().hex[:12]
    province, commune = units[n % len(units)] if units else (0, 0)
    return {
        "csrf_token": match.group(1).decode(),
        "donor_kind": "household",
        "name": f"{DONOR_PREFIX} {token}",
        "province_id": str(province),
        "commune_id": str(commune),
        "phone": "0905123456",
        "email": f"tai{token}@example.vn",
        "kind": "money",
        "amount": f"{(1, 2, 3, 5, 10)[n % 5] * 1_000_000:,}".replace(",", "."),
        "purpose": "housing",
        "earmark": "anywhere",
        "schedule": "now",
        "due_on": (datetime.now(UTC).date() + timedelta(days=7)).isoformat(),
        "payment_method": "bank_transfer",
        "display": "full_name",
    }


# ---------------------------------------------------------------------------- the open loop
@dataclass
class Outcome:
    records: list[list] = field(
        default_factory=list
    )  # [route, status, client_ms, lag_ms]; status 0: no answer
    acks: list[dict] = field(default_factory=list)
    started: int = 0
    dropped: int = 0  # arrivals not sent because max_in_flight requests were already open


async def drive(
    items: list[Arrival],
    fetch: Fetch,
    *,
    timeout: float = 10.0,
    max_in_flight: int = 5000,
    units: list[tuple[int, int]] | None = None,
    clock: Callable[[], float] = time.monotonic,
    origin: float | None = None,
    tag: str = "",
) -> Outcome:
    """Start every arrival at its moment (origin + at) as a task of its own, then wait for all of them.
    `fetch(method, path, headers=..., body=...)` does one HTTP exchange."""
    out = Outcome()
    tagged = {STEP_HEADER: tag} if tag else {}
    origin = clock() if origin is None else origin
    tasks: set[asyncio.Task] = set()

    async def one(a: Arrival) -> None:
        planned = origin + a.at
        lag_ms = (clock() - planned) * 1000
        status = 0
        try:
            async with asyncio.timeout(timeout):
                if a.route == PLEDGE:
                    status = await pledge(a)
                else:
                    status = (await fetch("GET", target(a), headers=tagged)).status
        except (TimeoutError, OSError):
            status = 0
        out.records.append([a.route, status, (clock() - planned) * 1000, lag_ms])

    async def pledge(a: Arrival) -> int:
        page = await fetch("GET", "/ung-ho", headers=tagged)
        form = pledge_form(page.body, units or [], a.index)
        if page.status != 200 or form is None:
            return page.status or 0
        reply = await fetch(
            "POST", "/ung-ho", headers={**tagged, "Cookie": page.cookies()}, body=urlencode(form).encode()
        )
        location = reply.header("location")
        if reply.status == 302 and "/ung-ho/" in location:
            out.acks.append(
                {
                    "token": form["name"].rsplit(" ", 1)[-1],
                    "reference": location.rstrip("/").rsplit("/", 1)[-1],
                }
            )
        return reply.status

    for a in items:
        delay = origin + a.at - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(tasks) >= max_in_flight:
            out.dropped += 1  # not sent, so not in records
            continue
        task = asyncio.create_task(one(a))
        out.started += 1
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    return out


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True, help="public page arrivals per second")
    ap.add_argument("--donor-rate", type=float, default=1.0, help="pledges per second")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument(
        "--start-at", type=float, required=True, help="wall-clock moment (epoch s) of the first arrival"
    )
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--shard", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument(
        "--units", default="[]", help="JSON list of [province_id, commune_id] for the pledge form"
    )
    ap.add_argument("--tag", default="", help=f"sent as {STEP_HEADER} with every request")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    items = shard(plan(args.rate, args.donor_rate, args.seconds), args.shards, args.shard)
    units = [tuple(u) for u in json.loads(args.units)]

    async def go() -> tuple[Outcome, float, float]:
        wait = args.start_at - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        cpu0, wall0 = cpu_seconds(), time.monotonic()

        async def fetch(
            method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
        ) -> Reply:
            return await http(args.host, args.port, method, path, headers, body)

        outcome = await drive(items, fetch, timeout=args.timeout, units=units, origin=wall0, tag=args.tag)
        return outcome, cpu_seconds() - cpu0, time.monotonic() - wall0

    outcome, cpu, wall = asyncio.run(go())
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(
            {
                "records": outcome.records,
                "acks": outcome.acks,
                "started": outcome.started,
                "dropped": outcome.dropped,
                "cpu_seconds": cpu,
                "wall_seconds": wall,
                "affinity": sorted(os.sched_getaffinity(0)),
            },
            fh,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
