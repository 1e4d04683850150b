"""Throwaway PostgreSQL servers: a primary, a streaming replica of it, base backups and point-in-time restores.

    python -m bench.pgcluster serve            # primary + replica, migrate, demo data, the app on :5000
    python -m bench.pgcluster start DIR        # primary + replica under DIR, prints the two URLs; stays up
    python -m bench.pgcluster stop DIR         # stops what `start DIR` started and deletes DIR
(`bash dev.sh replica` runs `serve`.)

Every server lives in a temporary directory of its own (data directory, Unix socket, log), listens on 127.0.0.1
on a free port, and is started and stopped by this module with the PostgreSQL binaries (`initdb`, `pg_ctl`,
`pg_basebackup`): the machine's own clusters (port 5432, /etc/postgresql) and their settings are never touched.
PostgreSQL refuses to run as root, so when we are root every server command runs as the `postgres` OS user
(`runuser`), and the directories are handed to it.

Used by the replica tests (tests/replica), the restore drill (bench/restore_drill.py) and `dev.sh replica`.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OS_USER = "postgres"


def pg_bin() -> Path | None:
    """The directory of the PostgreSQL server binaries: $PG_BIN, else the newest /usr/lib/postgresql/N/bin."""
    wanted = os.environ.get("PG_BIN")
    candidates = [Path(wanted)] if wanted else []
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists() and (c / "pg_basebackup").exists():
            return c
    return None


def unavailable_reason() -> str | None:
    """Why throwaway servers cannot be made here (None when they can)."""
    if pg_bin() is None:
        return "PostgreSQL server binaries not found (initdb, pg_ctl, pg_basebackup): set PG_BIN or install postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root but there is no OS user {OS_USER!r} to run PostgreSQL as"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    # PostgreSQL will not run as root: hand the command to the postgres OS user.
    return ["runuser", "-u", OS_USER, "--", *argv] if os.geteuid() == 0 else argv


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, OS_USER, OS_USER)


def make_dir(parent: Path | None = None, prefix: str = "ct-pg-") -> Path:
    """A new empty directory the server user owns (mode 0700, as PostgreSQL wants for a data directory)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    _own(path)
    return path


def run(argv: list[str], *, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a PostgreSQL binary as the server user; raise with its output when it fails."""
    binary = pg_bin()
    assert binary is not None, unavailable_reason()  # noqa: S101 - callers check unavailable_reason() first
    argv = [str(binary / argv[0]), *argv[1:]]
    proc = subprocess.run(  # noqa: S603 - fixed binaries, arguments from this module
        _as_server_user(argv), capture_output=True, text=True, timeout=timeout, check=False, cwd="/"
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout}"
        )
    return proc


def dir_size_mb(path: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                continue
    return round(total / 1024 / 1024, 1)


class Server:
    """One throwaway PostgreSQL server: `root` holds its data directory, socket and log."""

    def __init__(self, root: Path, port: int | None = None, name: str = "server"):
        self.root, self.name = root, name
        self.port = port or free_port()
        self.data = root / "data"
        self.log = root / "server.log"

    # ------------------------------------------------------------------ life cycle
    def initdb(self, *, settings: dict[str, object] | None = None) -> Server:
        run(
            [
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",  # loopback and its own socket only (listen_addresses below)
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        self.configure(settings or {})
        return self

    def configure(self, settings: dict[str, object]) -> None:
        """Append settings to postgresql.conf (a later line wins), always with this server's port and socket."""
        base: dict[str, object] = {
            "port": self.port,
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
            "shared_buffers": "64MB",
            "max_connections": 60,
        }
        lines = [f"{k} = {_conf_value(v)}" for k, v in {**base, **settings}.items()]
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as fh:
            fh.write("\n# bench/pgcluster.py\n" + "\n".join(lines) + "\n")

    def start(self, *, wait: float = 120) -> Server:
        run(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(int(wait)), "start"])
        return self

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"])

    def running(self) -> bool:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            os.kill(int(pid_file.read_text().split()[0]), 0)
        except (OSError, ValueError, IndexError):
            return False
        return True

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------------ access
    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        )

    def sql(self, query: str, params: tuple | None = None, database: str = "postgres") -> list[tuple]:
        with self.connect(database) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def one(self, query: str, params: tuple | None = None, database: str = "postgres"):  # type: ignore[no-untyped-def]
        return self.sql(query, params, database)[0][0]

    def create_database(self, name: str) -> str:
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def wait_until(self, query: str, *, timeout: float = 60, database: str = "postgres") -> None:
        """Poll until `query` returns true (e.g. a replica has replayed up to a point)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.one(query, database=database):
                    return
            except psycopg.OperationalError:
                pass  # still starting
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: still not true after {timeout} s: {query}")
            time.sleep(0.05)


def _conf_value(v: object) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, int | float):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


# ---------------------------------------------------------------------------- primary, replica, backup, restore
def make_primary(
    parent: Path | None = None, *, archive_dir: Path | None = None, fast: bool = False, **settings: object
) -> Server:
    """A new primary, started. With archive_dir, every finished WAL segment is copied there (WAL archiving).
    fast=True turns fsync off (tests: nothing to lose, and the shared machine's disk is spared)."""
    server = Server(make_dir(parent, "ct-primary-"), name="primary")
    conf: dict[str, object] = {"wal_level": "replica", "max_wal_senders": 10, "wal_keep_size": "256MB"}
    if archive_dir is not None:
        conf.update(
            archive_mode=True,
            # Never overwrite a segment already archived (the PostgreSQL manual's example command).
            archive_command=f"test ! -f {archive_dir}/%f && cp %p {archive_dir}/%f",
            archive_timeout=60,
        )
    if fast:
        conf.update(fsync=False, synchronous_commit=False)
    conf.update(settings)
    return server.initdb(settings=conf).start()


def make_replica(primary: Server, parent: Path | None = None, **settings: object) -> Server:
    """A hot standby streaming from `primary`: pg_basebackup -R copies it and writes the connection to it."""
    server = Server(make_dir(parent, "ct-replica-"), name="replica")
    server.data.mkdir()
    _own(server.data)
    server.data.chmod(0o700)
    run(
        [
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(server.data),
            "-R",  # standby.signal + primary_conninfo: start as a streaming replica
            "-X",
            "stream",
            "-c",
            "fast",
        ]
    )
    # The copy carries the primary's postgresql.conf: its own port and socket, and it archives nothing.
    server.configure({"archive_mode": False, "hot_standby": True, "hot_standby_feedback": True, **settings})
    server.start()
    server.wait_until("SELECT pg_is_in_recovery()")
    return server


def base_backup(primary: Server, dest: Path) -> Path:
    """pg_basebackup in plain format with the WAL needed to make it consistent (-X stream) and a manifest."""
    dest.mkdir(parents=True, exist_ok=True)
    _own(dest)
    dest.chmod(0o700)
    run(
        [
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(dest),
            "-X",
            "stream",
            "-c",
            "fast",
            "--label",
            "chungtay-drill",
        ]
    )
    return dest


def verify_backup(backup: Path) -> None:
    """pg_verifybackup: every file matches the backup manifest and the WAL it needs is there and parses."""
    run(["pg_verifybackup", str(backup)])


def restore(backup: Path, archive_dir: Path, target_time: str, parent: Path | None = None) -> Server:
    """A new server from a base backup, replaying the archived WAL up to `target_time` (recovery_target_time),
    then promoted. It never archives (a restored copy must not write into the production archive)."""
    server = Server(make_dir(parent, "ct-restore-"), name="restored")
    subprocess.run(  # noqa: S603 - copy the backup as the server user (cp -a keeps modes)
        _as_server_user(["cp", "-a", str(backup), str(server.data)]), check=True, cwd="/"
    )
    for leftover in ("postmaster.pid", "standby.signal"):
        (server.data / leftover).unlink(missing_ok=True)
    (server.data / "recovery.signal").touch()
    _own(server.data / "recovery.signal")
    server.configure(
        {
            "archive_mode": False,
            "restore_command": f"cp {archive_dir}/%f %p",
            "recovery_target_time": target_time,
            "recovery_target_inclusive": False,
            "recovery_target_action": "promote",
        }
    )
    server.start(wait=600)
    server.wait_until("SELECT NOT pg_is_in_recovery()", timeout=600)
    return server


def switch_and_archive(primary: Server) -> str:
    """Close the current WAL segment and wait until the archiver has copied it; returns its file name."""
    segment = primary.one("SELECT pg_walfile_name(pg_switch_wal())")
    primary.wait_until(
        f"SELECT last_archived_wal >= '{segment}' FROM pg_stat_archiver WHERE last_archived_wal IS NOT NULL",
        timeout=120,
    )
    return segment


@contextmanager
def primary_and_replica(
    parent: Path | None = None, **primary_settings: object
) -> Iterator[tuple[Server, Server]]:
    primary = make_primary(parent, **primary_settings)
    replica = None
    try:
        replica = make_replica(primary, parent)
        yield primary, replica
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


# ---------------------------------------------------------------------------- command line
STATE_FILE = "pgcluster.json"


def _migrate_and_load(primary_url: str, env: dict[str, str]) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([*flask, *step], cwd=ROOT, env=env, check=True)  # noqa: S603


def _up(workdir: Path, database: str) -> tuple[Server, Server, dict[str, str]]:
    primary = make_primary(workdir)
    replica = make_replica(primary, workdir)
    primary.create_database(database)
    replica.wait_until(f"SELECT count(*) = 1 FROM pg_database WHERE datname = '{database}'")
    env = {
        "DATABASE_URL": primary.url(database),
        "DATABASE_REPLICA_URL": replica.url(database),
    }
    (workdir / STATE_FILE).write_text(
        json.dumps({"primary": str(primary.root), "replica": str(replica.root), **env}), encoding="utf-8"
    )
    return primary, replica, env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="primary + replica + demo data + the app (Ctrl-C stops everything)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    start = sub.add_parser("start", help="primary + replica under DIR, left running")
    start.add_argument("dir")
    stop = sub.add_parser("stop", help="stop the servers `start DIR` made and delete DIR")
    stop.add_argument("dir")
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if reason and args.cmd != "stop":
        print(reason, file=sys.stderr)
        return 2
    if args.cmd == "stop":
        state = json.loads((Path(args.dir) / STATE_FILE).read_text(encoding="utf-8"))
        for key in ("replica", "primary"):
            Server(Path(state[key])).destroy()
        shutil.rmtree(args.dir, ignore_errors=True)
        return 0
    if args.cmd == "start":
        workdir = Path(args.dir)
        workdir.mkdir(parents=True, exist_ok=True)
        _own(workdir)
        _primary, _replica, env = _up(workdir, "chungtay")
        for k, v in env.items():
            print(f"export {k}={v}")
        return 0

    def interrupted(signum, frame):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    # Ctrl-C or a TERM (even when started in the background, where SIGINT comes ignored): stop and delete both.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    workdir = make_dir(prefix="ct-replica-dev-")
    primary = replica = app = None
    try:
        primary, replica, env = _up(workdir, "chungtay")
        env = {**os.environ, **env, "CHUNGTAY_ENV": "development", "FLASK_DEBUG": "0"}
        _migrate_and_load(env["DATABASE_URL"], env)
        print(
            f"primary {env['DATABASE_URL']}\nreplica {env['DATABASE_REPLICA_URL']}\n"
            f"public pages (/cong-khai, /api/v1) read from the replica; Ctrl-C stops both servers",
            file=sys.stderr,
        )
        app = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.port),
            ],
            cwd=ROOT,
            env=env,
        )
        app.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if app is not None and app.poll() is None:
            app.terminate()
            app.wait(timeout=10)
        for server in (replica, primary):
            if server is not None:
                server.destroy()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
