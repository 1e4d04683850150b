"""Fault tests: slow (they start processes, kill them, restart servers). Skipped unless RUN_SLOW=1.

    RUN_SLOW=1 TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> python -m pytest tests/faults -v

See docs/FAULTS.md for what each test proves.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="fault test: set RUN_SLOW=1 to run (see docs/FAULTS.md)")
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().parent == here:
            item.add_marker(skip)


# A fixed port, so that app_config markers can name it; FAULT_REDIS_PORT moves it when two engineers run the
# fault tests on one machine at once.
REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", "5119"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server on its own port (never the shared one), which a test may kill and restart."""

    def __init__(self, tmp: Path, port: int | None = None):
        self.port = port or free_port()
        self.dir = tmp
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        for _ in range(100):
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def own_redis(tmp_path: Path):  # type: ignore[no-untyped-def]
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path, REDIS_PORT)
    server.start()
    try:
        yield server
    finally:
        server.kill()
