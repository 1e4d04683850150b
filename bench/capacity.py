"""Capacity: the highest rate of public readers the server holds for 60 s, on the primary and with a read replica.

    python -m bench.capacity --size small               # throwaway primary + replica (bench/pgcluster.py), both runs
    python -m bench.capacity --cluster DIR              # the servers of `python -m bench.pgcluster start DIR`
    python -m bench.capacity --modes primary --rates 20,40,60 --step-seconds 60

Each run starts gunicorn (bench.load_wsgi:app, as bench.load does) and steps the OFFERED rate of public readers
(/, /cong-khai, /cong-khai/sao-ke and its search, bench/opengen.py's READER_MIX) through `--rates`, each step held
`--step-seconds`, while donors keep pledging at `--donor-rate` pledges per second (GET /ung-ho, POST /ung-ho). The
generator is open-loop (bench/opengen.py: arrivals at fixed, evenly spread moments; a request in flight never delays
the next). A step is held when the server's p95 of the public pages (from gunicorn's access log, the lines of that
step) is at most `--bound-ms`, no request failed (5xx, 4xx, no answer within the timeout, or not sent) and every
pledge acknowledged in the step is in the database exactly once (bench.load.count_rows). The ladder stops at the first
step not held; the capacity is the highest rate held.

Core budget: gunicorn and the throwaway PostgreSQL servers are pinned to `--server-cores` (default 0), the generator
to `--generator-cores` (default 1); the generator's own CPU time per step is reported as a share of its cores, and a
step where it passed `--generator-max-cpu` (70 %) or started requests late is reported as not measured (the ladder
stops: the figure would be the generator's). Redis (the page cache and the Celery queue, database 3 by default) is the
machine's and is not pinned.

Runs: `primary` serves everything from the primary; `replica` sets DATABASE_REPLICA_URL (LOAD_REPLICA_URL) so that
public pages read from the streaming replica (app/core/replica.py), which shares the same server cores.
The table goes under "## Capacity" in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.load import (
    ACCESS_FORMAT,
    count_rows,
    gunicorn_command,
    percentile,
    server_times_of,
    unit_pairs,
    wait_up,
)
from bench.opengen import PLEDGE, READER_ROUTES, STEP_HEADER

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"tiny": 2_000, "small": 100_000, "national": 2_000_000}
# bench.load's access log format, after the step's name (the generator's X-Bench-Step header): a request that
# outlives its step (the client gave up) is still counted with its own step, never with the next.
TAGGED_FORMAT = f"%({{{STEP_HEADER.lower()}}}i)s {ACCESS_FORMAT}"
DEFAULT_RATES = (10, 20, 30, 45, 60, 80, 100, 130, 160, 200, 250, 320, 400)


# ---------------------------------------------------------------------------- one step, and the ladder
@dataclass
class Step:
    """What one step at an offered rate of public readers gave."""

    offered: float  # public page arrivals per second
    seconds: float
    sent: int = 0  # public page requests started
    ok: int = 0  # public page responses 2xx/3xx
    errors: int = 0  # public page or pledge responses 4xx/5xx
    no_answer: int = 0  # connection refused/reset or no answer within the timeout
    dropped: int = 0  # arrivals the generator did not send (too many in flight)
    server_ms: list[float] = field(default_factory=list, repr=False)  # public pages, from the access log
    client_ms: list[float] = field(
        default_factory=list, repr=False
    )  # public pages, planned moment → last byte
    pledge_server_ms: list[float] = field(default_factory=list, repr=False)
    lag_ms: list[float] = field(
        default_factory=list, repr=False
    )  # how late the generator started each request
    generator_cpu: float = 0.0  # share of the generator's cores its processes used during the step (0..1)
    pledges_acknowledged: int = 0
    pledges_exactly_once: int = 0
    pledges_found_by_reference: int = 0
    replica_xacts: int | None = None  # transactions the replica ran during the step (replica run)
    primary_xacts: int | None = None
    loadavg: tuple[float, float] = (0.0, 0.0)  # 1-min load average before and after

    @property
    def served(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def server_p(self, q: float) -> float | None:
        return percentile(self.server_ms, q)

    def client_p(self, q: float) -> float | None:
        return percentile(self.client_ms, q)

    @property
    def exactly_once(self) -> bool:
        return (
            self.pledges_exactly_once == self.pledges_acknowledged
            and self.pledges_found_by_reference == self.pledges_acknowledged
        )


@dataclass(frozen=True)
class Limits:
    bound_ms: float = 300.0  # server p95 of the public pages
    generator_max_cpu: float = 0.70
    max_lag_ms: float = 100.0  # p95 of how late the generator started its requests


def not_held(step: Step, limits: Limits) -> str | None:
    """Why the step does not count as held (None: held)."""
    p95 = step.server_p(0.95)
    if step.sent == 0 or p95 is None:
        return "no public page request was served"
    failed = step.errors + step.no_answer + step.dropped
    if failed:
        return f"{failed} failed requests ({step.errors} errors, {step.no_answer} unanswered, {step.dropped} not sent)"
    if p95 > limits.bound_ms:
        return f"server p95 {p95:.0f} ms > {limits.bound_ms:.0f} ms"
    if not step.exactly_once:
        return (
            f"pledges not exactly once ({step.pledges_exactly_once} of {step.pledges_acknowledged}, "
            f"{step.pledges_found_by_reference} references found)"
        )
    return generator_limited(step, limits)


def generator_limited(step: Step, limits: Limits) -> str | None:
    """The generator, not the server, would be measured: it used too much of its cores or started requests late."""
    if step.generator_cpu > limits.generator_max_cpu:
        return f"generator at {step.generator_cpu:.0%} of its cores (> {limits.generator_max_cpu:.0%}): not measured"
    lag = percentile(step.lag_ms, 0.95)
    if lag is not None and lag > limits.max_lag_ms:
        return f"generator started requests late (p95 {lag:.0f} ms): not measured"
    return None


@dataclass
class Ladder:
    steps: list[Step]
    stopped_because: str | None  # the first step not held, or None when every rate was held

    @property
    def highest_held(self) -> float | None:
        held = self.steps if self.stopped_because is None else self.steps[:-1]
        return max((s.offered for s in held), default=None)


def climb(
    rates: list[float], run_step: Callable[[float], Step], limits: Limits, max_steps: int | None = None
) -> Ladder:
    """Run the steps at increasing offered rates until one is not held (or max_steps were run: every step was held,
    and the capacity is at least the last rate)."""
    steps: list[Step] = []
    for rate in sorted(rates)[:max_steps]:
        step = run_step(rate)
        steps.append(step)
        reason = not_held(step, limits)
        if reason:
            return Ladder(steps, reason)
    return Ladder(steps, None)


def step_lines(log_text: str, tag: str) -> str:
    """The access log lines of one step (TAGGED_FORMAT), without their tag: bench.load's format."""
    prefix = tag + " "
    return "\n".join(line[len(prefix) :] for line in log_text.splitlines() if line.startswith(prefix))


def fold(step: Step, outputs: list[dict], log_text: str) -> Step:
    """Add the generator processes' outputs and the step's access log lines to `step`."""
    wall = max((o["wall_seconds"] for o in outputs), default=0.0)
    cores = max(1, max((len(o.get("affinity", [0])) for o in outputs), default=1))
    step.generator_cpu = sum(o["cpu_seconds"] for o in outputs) / wall / cores if wall else 0.0
    for o in outputs:
        step.dropped += o["dropped"]
        for route, status, client_ms, lag_ms in o["records"]:
            step.lag_ms.append(lag_ms)
            public = route in READER_ROUTES
            if status == 0:
                step.no_answer += 1
            elif status >= 400 or (route == PLEDGE and status != 302):
                step.errors += 1
            elif public:
                step.ok += 1
            if public:
                step.sent += 1
                if status:
                    step.client_ms.append(client_ms)
    times = server_times_of(log_text)
    for route in READER_ROUTES:
        step.server_ms += times.get(route, [])
    step.pledge_server_ms += times.get("POST /ung-ho", [])
    return step


# ---------------------------------------------------------------------------- processes and servers
def pin(pid: int, cores: set[int]) -> None:
    """Pin a process and every process below it (a PostgreSQL postmaster forks its backends from itself)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            os.sched_setaffinity(p, cores)
        except OSError:
            pass  # exited meanwhile
        todo += children.get(p, [])


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def xacts(url: str) -> int:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(
        host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True
    ) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


@dataclass
class Run:
    mode: str  # primary | replica
    primary_url: str
    replica_url: str | None
    ladder: Ladder | None = None
    note: str = ""
    started: str = ""  # dd/mm/yyyy HH:MM UTC
    load: list[float] = field(default_factory=list)  # 1- and 5-min load average before, then after
    command: str = ""


def save_runs(path: Path, runs: list[Run], context: dict) -> None:
    """The runs of this invocation, with those already in `path` (another mode, run under its own lock)."""
    kept = [r for r in load_runs(path)[0] if r.mode not in {x.mode for x in runs}]
    data = {
        "context": context,
        "runs": [{**asdict(r), "ladder": asdict(r.ladder) if r.ladder else None} for r in [*kept, *runs]],
    }
    path.write_text(json.dumps(data), encoding="utf-8")


def load_runs(path: Path) -> tuple[list[Run], dict]:
    if not path.exists():
        return [], {}
    data = json.loads(path.read_text(encoding="utf-8"))
    runs = []
    for r in data["runs"]:
        ladder = r.pop("ladder")
        run = Run(**r)
        if ladder:
            steps = [Step(**{**s, "loadavg": tuple(s["loadavg"])}) for s in ladder["steps"]]
            run.ladder = Ladder(steps, ladder["stopped_because"])
        runs.append(run)
    return runs, data.get("context", {})


def run_mode(run: Run, args: argparse.Namespace, engine, units: list[tuple[int, int]], work: Path) -> Run:  # type: ignore[no-untyped-def]
    """gunicorn for this run, then the ladder; gunicorn stopped at the end."""
    import redis

    redis.Redis.from_url(
        args.redis_url
    ).flushdb()  # the page cache and the queue of the run before: cold start
    log = work / f"{run.mode}-access.log"
    env = {
        **os.environ,
        "LOAD_DATABASE_URL": run.primary_url,
        "LOAD_REPLICA_URL": run.replica_url or "",
        "LOAD_BROKER_URL": args.redis_url,
        "LOAD_CACHE_URL": args.redis_url,
        "PYTHONPATH": str(ROOT),
        "CHUNGTAY_INSTANCE_DIR": str(work / "instance"),
    }
    server_cores = cores(args.server_cores)
    gunicorn = subprocess.Popen(  # noqa: S603
        gunicorn_command(args.port, args.workers, args.threads, log, TAGGED_FORMAT),
        cwd=ROOT,
        env=env,
        stdout=(work / f"{run.mode}-gunicorn.out").open("w"),
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: os.sched_setaffinity(0, server_cores),  # noqa: PLW1509 - before exec, no threads
    )
    try:
        wait_up(f"http://127.0.0.1:{args.port}", gunicorn)
        pin(gunicorn.pid, server_cores)
        # Warm-up (not recorded): every worker imports its templates and opens its connections.
        generate(args, min(args.rates_list), 5, units, work / "warmup", "warmup")

        def step(rate: float) -> Step:
            s = one_step(rate, args, run, log, engine, units, work)
            print(
                report_line(run.mode, s, Limits(args.bound_ms, args.generator_max_cpu)),
                file=sys.stderr,
                flush=True,
            )
            return s

        run.ladder = climb(
            args.rates_list, step, Limits(args.bound_ms, args.generator_max_cpu), args.max_steps
        )
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    return run


def cores(spec: str) -> set[int]:
    return {int(c) for c in spec.split(",") if c.strip()}


def generate(
    args: argparse.Namespace,
    rate: float,
    seconds: float,
    units: list[tuple[int, int]],
    prefix: Path,
    tag: str,
) -> list[dict]:
    start_at = time.time() + 1.0
    gen_cores = ",".join(str(c) for c in sorted(cores(args.generator_cores)))
    procs = []
    for k in range(args.generator_procs):
        out = prefix.with_name(f"{prefix.name}-{k}.json")
        cmd = [
            "taskset",
            "-c",
            gen_cores,
            sys.executable,
            "-m",
            "bench.opengen",
            "--port",
            str(args.port),
            "--rate",
            str(rate),
            "--donor-rate",
            str(args.donor_rate),
            "--seconds",
            str(seconds),
            "--start-at",
            str(start_at),
            "--shards",
            str(args.generator_procs),
            "--shard",
            str(k),
            "--timeout",
            str(args.timeout),
            "--units",
            json.dumps(units),
            "--tag",
            tag,
            "--out",
            str(out),
        ]
        procs.append((subprocess.Popen(cmd, cwd=ROOT), out))  # noqa: S603
    outputs = []
    for proc, out in procs:
        proc.wait(timeout=seconds + args.timeout + 60)
        outputs.append(json.loads(out.read_text(encoding="utf-8")))
    return outputs


def one_step(rate: float, args, run: Run, log: Path, engine, units, work: Path) -> Step:  # type: ignore[no-untyped-def]
    step = Step(offered=rate, seconds=args.step_seconds)
    offset = log.stat().st_size
    load1 = os.getloadavg()[0]
    before = (xacts(run.primary_url), xacts(run.replica_url) if run.replica_url else None)
    tag = f"{run.mode}-{rate:g}"
    outputs = generate(args, rate, args.step_seconds, units, work / tag, tag)
    time.sleep(1.0)  # the workers' last access log lines
    with log.open("rb") as fh:
        fh.seek(offset)
        text_ = fh.read().decode("utf-8", errors="replace")
    fold(step, outputs, step_lines(text_, tag))
    step.primary_xacts = xacts(run.primary_url) - before[0]
    if run.replica_url and before[1] is not None:
        step.replica_xacts = xacts(run.replica_url) - before[1]
    acks = [a for o in outputs for a in o["acks"]]
    counts = (
        count_rows(engine, acks) if acks else {"acknowledged": 0, "exactly_once": 0, "references_found": 0}
    )
    step.pledges_acknowledged = counts["acknowledged"]
    step.pledges_exactly_once = counts["exactly_once"]
    step.pledges_found_by_reference = counts["references_found"]
    step.loadavg = (load1, os.getloadavg()[0])
    return step


# ---------------------------------------------------------------------------- report
def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def report_line(mode: str, s: Step, limits: Limits) -> str:
    return (
        f"[{mode}] offered {s.offered:g}/s served {s.served:.1f}/s server p50/p95 {_ms(s.server_p(0.5))}/"
        f"{_ms(s.server_p(0.95))} ms client p50/p95 {_ms(s.client_p(0.5))}/{_ms(s.client_p(0.95))} ms "
        f"errors {s.errors} unanswered {s.no_answer} dropped {s.dropped} pledges {s.pledges_exactly_once}/"
        f"{s.pledges_acknowledged} generator cpu {s.generator_cpu:.0%} lag p95 {_ms(percentile(s.lag_ms, 0.95))} ms "
        f"replica xacts {s.replica_xacts} primary xacts {s.primary_xacts} load {s.loadavg[0]:.1f}->{s.loadavg[1]:.1f}"
        f" -> {not_held(s, limits) or 'held'}"
    )


def table(runs: list[Run], limits: Limits) -> list[str]:
    lines = [
        "| run | offered /s | served /s | server p50 ms | server p95 ms | client p50 ms | client p95 ms | errors "
        "| pledges exactly once | pledge POST server p95 ms | generator CPU | replica / primary transactions "
        "| load avg | held |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        if run.ladder is None:
            continue
        for s in run.ladder.steps:
            reason = not_held(s, limits)
            failed = s.errors + s.no_answer + s.dropped
            split = (
                f"{s.replica_xacts:,} / {s.primary_xacts:,}"
                if s.replica_xacts is not None
                else f"– / {s.primary_xacts:,}"
            )
            lines.append(
                f"| {run.mode} | {s.offered:g} | {s.served:.1f} | {_ms(s.server_p(0.5))} | {_ms(s.server_p(0.95))} "
                f"| {_ms(s.client_p(0.5))} | {_ms(s.client_p(0.95))} | {failed} | "
                f"{s.pledges_exactly_once} of {s.pledges_acknowledged} | {_ms(percentile(s.pledge_server_ms, 0.95))} "
                f"| {s.generator_cpu:.0%} | {split} | {s.loadavg[0]:.1f}→{s.loadavg[1]:.1f} "
                f"| {'yes' if not reason else 'no: ' + reason} |"
            )
    return lines


# ---------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--size", choices=sorted(SIZES), default="small", help="contributions generated in new servers"
    )
    ap.add_argument(
        "--cluster", help="use the servers of `python -m bench.pgcluster start DIR` (not deleted)"
    )
    ap.add_argument("--modes", default="primary,replica")
    ap.add_argument("--rates", default=",".join(str(r) for r in DEFAULT_RATES), help="offered public pages/s")
    ap.add_argument("--step-seconds", type=float, default=60)
    ap.add_argument("--donor-rate", type=float, default=1.0, help="pledges per second during every step")
    ap.add_argument("--bound-ms", type=float, default=300)
    ap.add_argument(
        "--max-steps",
        type=int,
        help="steps per run at most (a locked run must stay short): then a lower bound",
    )
    ap.add_argument("--generator-max-cpu", type=float, default=0.70)
    ap.add_argument(
        "--timeout", type=float, default=10.0, help="a request without an answer by then has failed"
    )
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--port", type=int, default=5113)
    ap.add_argument("--server-cores", default="0")
    ap.add_argument("--generator-cores", default="1")
    ap.add_argument("--generator-procs", type=int, default=1)
    ap.add_argument("--redis-url", default=os.environ.get("CAPACITY_REDIS_URL", "redis://127.0.0.1:6379/3"))
    ap.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the table, leave BENCHMARKS.md alone")
    ap.add_argument(
        "--results",
        default=str(Path(tempfile.gettempdir()) / "bench-capacity-runs.json"),
        help="the runs are kept there; the table shows every mode in it (each mode can run under its own lock)",
    )
    args = ap.parse_args(argv)
    args.rates_list = [float(r) for r in args.rates.split(",") if r.strip()]
    limits = Limits(args.bound_ms, args.generator_max_cpu)
    sys.path.insert(0, str(ROOT))

    from sqlalchemy import create_engine, text

    from bench import pgcluster
    from bench.load import prepare
    from bench.run import machine

    os.sched_setaffinity(0, cores(args.server_cores))  # the servers started from here inherit it
    work = Path(tempfile.mkdtemp(prefix="bench-capacity-"))
    made: list[pgcluster.Server] = []
    if args.cluster:
        state = json.loads((Path(args.cluster) / pgcluster.STATE_FILE).read_text(encoding="utf-8"))
        primary_url, replica_url = state["DATABASE_URL"], state["DATABASE_REPLICA_URL"]
        data_dirs = [Path(state["primary"]) / "data", Path(state["replica"]) / "data"]
    else:
        primary = pgcluster.make_primary(work, max_connections=120)
        made.append(primary)
        primary_url = primary.create_database("chungtay")
        replica = pgcluster.make_replica(primary, work, max_connections=120)
        made.append(replica)
        replica_url = replica.url("chungtay")
        data_dirs = [primary.data, replica.data]
    try:
        prepare(primary_url, SIZES[args.size])
        for d in data_dirs:
            pin(postmaster_pid(d), cores(args.server_cores))
        engine = create_engine(primary_url)
        with engine.connect() as conn:
            contributions = int(conn.execute(text("SELECT count(*) FROM contributions")).scalar() or 0)
        units = unit_pairs(engine)
        # The replica has replayed the data before the replica run reads it.
        runs = []
        started = datetime.now(UTC)
        load0 = os.getloadavg()
        for mode in args.modes.split(","):
            run = Run(
                mode, primary_url, replica_url if mode == "replica" else None, command=command_line(args)
            )
            run.started = datetime.now(UTC).strftime("%d/%m/%Y %H:%M UTC")
            before = os.getloadavg()
            runs.append(run_mode(run, args, engine, units, work))
            after = os.getloadavg()
            run.load = [before[0], before[1], after[0], after[1]]
        load1 = os.getloadavg()
    finally:
        for server in reversed(made):
            server.destroy()
    context = {
        "started": started.strftime("%d/%m/%Y %H:%M UTC"),
        "load": [load0[0], load0[1], load1[0], load1[1]],
        "contributions": contributions,
        "command": command_line(args),
    }
    save_runs(Path(args.results), runs, context)
    every, _ = load_runs(Path(args.results))
    order = {"primary": 0, "replica": 1}
    every.sort(key=lambda r: order.get(r.mode, 2))
    body = section(args, every, limits, started, load0, load1, contributions, machine())
    print(body)
    if not args.no_write:
        from bench.report import write_section

        write_section(Path(args.output), "Capacity", body)
    print(
        json.dumps(
            [{"mode": r.mode, "highest_held": r.ladder.highest_held if r.ladder else None} for r in runs]
        )
    )
    return 0


def command_line(args: argparse.Namespace) -> str:
    cmd = "python -m bench.capacity" + (" --cluster DIR" if args.cluster else "")
    defaults = {"size": "small", "modes": "primary,replica", "step_seconds": 60.0, "donor_rate": 1.0}
    for key, default in defaults.items():
        value = getattr(args, key)
        if value != default:
            cmd += (
                f" --{key.replace('_', '-')} {value:g}"
                if isinstance(value, float)
                else f" --{key.replace('_', '-')} {value}"
            )
    if args.max_steps:
        cmd += f" --max-steps {args.max_steps}"
    if args.rates != ",".join(str(r) for r in DEFAULT_RATES):
        cmd += f" --rates {args.rates}"
    return cmd


def section(
    args: argparse.Namespace,
    runs: list[Run],
    limits: Limits,
    started: datetime,
    load0: tuple[float, float, float],
    load1: tuple[float, float, float],
    contributions: int,
    machine_: str,
) -> str:
    held = {r.mode: (r.ladder.highest_held if r.ladder else None) for r in runs}
    lines = [
        f"Machine: {machine_}; the machine is shared with other work (load averages below, on its 2 cores).",
        "",
    ]
    for r in runs:
        load = (
            ", ".join(f"{x:.1f}" for x in r.load[:2])
            + " before and "
            + ", ".join(f"{x:.1f}" for x in r.load[2:])
        )
        lines.append(
            f"- {r.mode}: `flock /work/notes/bench.lock {r.command}` on {r.started}; load average (1, 5 min) {load} after."
        )
    lines += [
        "",
        f"Throwaway PostgreSQL primary and streaming replica (bench/pgcluster.py) with {contributions:,} contributions; "
        f"gunicorn `bench.load_wsgi:app` ({args.workers} workers × {args.threads} threads) and both PostgreSQL servers "
        f"pinned to core(s) {args.server_cores}, the open-loop generator (bench/opengen.py, {args.generator_procs} "
        f"asyncio process(es)) to core(s) {args.generator_cores}; Redis (page cache, Celery queue) not pinned. Each "
        f"step offers public page arrivals spread evenly at the rate shown (/, /cong-khai, /cong-khai/sao-ke, search "
        f"in the proportions 2:2:3:3), for {args.step_seconds:g} s, while donors pledge at {args.donor_rate:g}/s "
        "(GET /ung-ho then POST). Served = 2xx public responses ÷ step length. Server percentiles: gunicorn's access "
        "log (request read → last byte) for the public pages of that step; client: from the planned arrival moment to "
        "the last byte (a late start counts against it). A step is held when the server p95 ≤ "
        f"{limits.bound_ms:.0f} ms, no request failed (4xx/5xx, no answer in {args.timeout:g} s) and every "
        "acknowledged pledge is in the database exactly once; the ladder stops at the first step not held. A step "
        f"where the generator used more than {limits.generator_max_cpu:.0%} of its core or started requests late "
        "(p95 > 100 ms) is not counted.",
        "",
        *table(runs, limits),
        "",
    ]
    for r in runs:
        stop = r.ladder.stopped_because if r.ladder else "not run"
        lines.append(
            f"- **{r.mode}**: highest rate held for {args.step_seconds:g} s: **{_held(held[r.mode])}** public pages/s"
            f" (+ {args.donor_rate:g} pledges/s); "
            + (
                f"stopped at {r.ladder.steps[-1].offered:g}/s: {stop}."
                if stop
                else "every rate offered was held (a lower bound: the ladder ended before the server's limit)."
            )
            if r.ladder and r.ladder.steps
            else f"- **{r.mode}**: not run."
        )
    return "\n".join(lines)


def _held(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


if __name__ == "__main__":
    raise SystemExit(main())
