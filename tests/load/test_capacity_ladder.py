"""The capacity run's scheduling and ladder (bench/opengen.py, bench/capacity.py), without a server: arrivals at
evenly spread fixed moments, a request in flight never delays the next one, a step stops the ladder when the
server's p95 passes the bound or requests fail, and the capacity is the highest rate held."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

import pytest

from bench.capacity import Limits, Step, climb, fold, not_held, step_lines
from bench.opengen import PLEDGE, READER_ROUTES, Arrival, Reply, arrivals, drive, parse_reply, plan, shard


def run_in_own_loop(make):  # type: ignore[no-untyped-def]
    """asyncio.run(make()) in a thread of its own: the generator runs in its own process in the benchmark, and a test
    run may already have an event loop in the main thread (the browser tests' Playwright leaves one there)."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(make())
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_arrivals_are_spread_evenly_over_the_step() -> None:
    moments = arrivals(40, 60)
    assert len(moments) == 2400
    assert moments[0] == 0
    assert max(moments) < 60
    gaps = {round(b - a, 9) for a, b in zip(moments, moments[1:], strict=False)}
    assert gaps == {0.025}


def test_a_step_mixes_the_public_pages_two_two_three_three_and_spreads_each_kind() -> None:
    items = plan(50, 1, 60)
    readers = [a for a in items if a.route != PLEDGE]
    counts = Counter(a.route for a in readers)
    assert counts == {
        "GET /": 600,
        "GET /cong-khai": 600,
        "GET /cong-khai/sao-ke": 900,
        "GET /cong-khai/sao-ke?q=": 900,
    }
    # Not in blocks: any ten consecutive readers ask for every kind of page.
    for i in range(0, len(readers) - 10, 7):
        assert {a.route for a in readers[i : i + 10]} == set(READER_ROUTES)
    donors = [a for a in items if a.route == PLEDGE]
    assert len(donors) == 60
    assert [a.at for a in items] == sorted(a.at for a in items)


def test_generator_processes_share_the_plan_without_gaps_or_overlaps() -> None:
    items = plan(30, 1, 10)
    parts = [shard(items, 3, k) for k in range(3)]
    assert sorted((a for p in parts for a in p), key=lambda a: a.index) == items
    assert all(len(p) in (len(items) // 3, len(items) // 3 + 1) for p in parts)


def test_a_request_in_flight_does_not_delay_the_next_arrival() -> None:
    """Open loop: the server holds every request until all of them have arrived; a generator that waited for
    answers would never get there (the test would stop at its guard instead)."""
    items = [Arrival(i / 2000, READER_ROUTES[i % 4], i) for i in range(40)]
    in_flight = 0
    peak = 0
    everyone_here = asyncio.Event()

    async def server(method, path, headers=None, body=b""):  # type: ignore[no-untyped-def]
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == len(items):
            everyone_here.set()
        await everyone_here.wait()
        in_flight -= 1
        return Reply(200)

    async def go():  # type: ignore[no-untyped-def]
        async with asyncio.timeout(30):  # guard only: a closed loop would wait here forever
            return await drive(items, server)

    out = run_in_own_loop(go)
    assert peak == len(items)
    assert out.started == len(items)
    assert sorted(r[1] for r in out.records) == [200] * len(items)


def test_a_request_without_an_answer_is_counted_as_failed_and_stops_the_ladder() -> None:
    items = [Arrival(0, "GET /", 0), Arrival(0, "GET /cong-khai", 1)]

    async def server(method, path, headers=None, body=b""):  # type: ignore[no-untyped-def]
        if path == "/":
            await asyncio.Event().wait()  # never answers
        return Reply(200)

    out = run_in_own_loop(lambda: drive(items, server, timeout=0.05))
    statuses = {r[0]: r[1] for r in out.records}
    assert statuses == {"GET /": 0, "GET /cong-khai": 200}
    step = fold(
        Step(offered=2, seconds=1),
        [generator_output(out.records)],
        log(["GET / 40000", "GET /cong-khai 50000"]),
    )
    assert step.no_answer == 1
    assert step.ok == 1
    assert "1 unanswered" in str(not_held(step, Limits()))


def test_a_pledge_posts_the_form_back_with_its_token_and_cookie_and_records_the_acknowledgement() -> None:
    seen: dict[str, Any] = {}

    async def server(method, path, headers=None, body=b""):  # type: ignore[no-untyped-def]
        if method == "GET":
            return parse_reply(
                b"HTTP/1.1 200 OK\r\nSet-Cookie: session=abc; HttpOnly; Path=/\r\n\r\n"
                b'<input id="csrf_token" name="csrf_token" type="hidden" value="TOK123">'
            )
        seen.update(headers=headers, body=body)
        return Reply(302, [("location", "/ung-ho/CT-7K2M9")])

    out = run_in_own_loop(
        lambda: drive([Arrival(0, PLEDGE, 0)], server, units=[(56, 5601)], tag="primary-20")
    )
    assert out.acks and out.acks[0]["reference"] == "CT-7K2M9"
    assert seen["headers"]["Cookie"] == "session=abc"
    assert seen["headers"]["X-Bench-Step"] == "primary-20"
    assert b"csrf_token=TOK123" in seen["body"]
    assert out.records[0][:2] == [PLEDGE, 302]


def generator_output(records, cpu=1.0, wall=60.0):  # type: ignore[no-untyped-def]
    return {
        "records": records,
        "acks": [],
        "dropped": 0,
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "affinity": [1],
    }


def log(lines: list[str]) -> str:
    """One step's access log lines (bench.load's format: method, path, query, microseconds)."""
    return "\n".join("{} {} - {}".format(*line.split(" ")) for line in lines)


def held_step(rate: float, server_ms: float = 50) -> Step:
    records = [[READER_ROUTES[i % 4], 200, server_ms + 5, 1.0] for i in range(100)]
    step = fold(
        Step(offered=rate, seconds=1),
        [generator_output(records)],
        log([f"GET / {int(server_ms * 1000)}"] * 100),
    )
    return step


def test_a_step_is_held_only_below_the_bound_without_failures_and_with_every_pledge_once() -> None:
    assert not_held(held_step(10), Limits()) is None
    assert not_held(held_step(10, server_ms=450), Limits()) == "server p95 450 ms > 300 ms"
    errors = held_step(10)
    errors.errors = 3
    assert "3 failed requests" in str(not_held(errors, Limits()))
    lost = held_step(10)
    lost.pledges_acknowledged, lost.pledges_exactly_once, lost.pledges_found_by_reference = 5, 4, 5
    assert "not exactly once" in str(not_held(lost, Limits()))
    busy = held_step(10)
    busy.generator_cpu = 0.85
    assert "generator at 85%" in str(not_held(busy, Limits()))


def test_the_ladder_stops_at_the_first_step_not_held_and_reports_the_rate_before_it() -> None:
    asked = []

    def run(rate: float) -> Step:
        asked.append(rate)
        return held_step(rate, server_ms=120 if rate < 60 else 400)

    ladder = climb([80, 20, 40, 60, 100], run, Limits())
    assert asked == [20, 40, 60]  # increasing, and nothing after the first failure
    assert ladder.highest_held == 40
    assert ladder.stopped_because == "server p95 400 ms > 300 ms"

    assert climb([10, 20], lambda r: held_step(r), Limits()).highest_held == 20
    capped = climb([10, 20, 30], lambda r: held_step(r), Limits(), max_steps=2)
    assert (capped.highest_held, capped.stopped_because) == (20, None)
    assert climb([10, 20], lambda r: held_step(r, 900), Limits()).highest_held is None


def test_a_step_reads_only_its_own_lines_of_the_access_log() -> None:
    text = "\n".join(
        [
            "primary-20 GET /cong-khai - 20000",
            "primary-40 GET /cong-khai - 900000",  # a request of the next step
            "- GET /bench/hello - 100",  # no step (wait_up)
            "primary-20 POST /ung-ho - 80000",
        ]
    )
    assert step_lines(text, "primary-20") == "GET /cong-khai - 20000\nPOST /ung-ho - 80000"
    step = fold(
        Step(offered=20, seconds=1),
        [generator_output([["GET /cong-khai", 200, 25.0, 1.0]])],
        step_lines(text, "primary-20"),
    )
    assert step.server_ms == [20.0]
    assert step.pledge_server_ms == [80.0]


@pytest.mark.parametrize(
    ("raw", "status", "location"),
    [
        (b"HTTP/1.1 302 FOUND\r\nLocation: /ung-ho/AB12\r\n\r\n", 302, "/ung-ho/AB12"),
        (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 503, ""),
        (b"", 0, ""),
    ],
)
def test_replies_are_read_from_the_raw_bytes(raw: bytes, status: int, location: str) -> None:
    reply = parse_reply(raw)
    assert reply.status == status
    assert reply.header("Location") == location
