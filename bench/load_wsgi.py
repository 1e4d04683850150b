"""The app as gunicorn serves it in the load run (bench/load.py), with the load run's configuration.

    LOAD_DATABASE_URL=postgresql+psycopg://... gunicorn bench.load_wsgi:app

Differences from wsgi.py, each deliberate and reported in BENCHMARKS.md:
- PLEDGE_RATE_LIMIT is raised (LOAD_PLEDGE_RATE_LIMIT, default 100000/minute): every simulated donor comes from
  127.0.0.1, so the per-address limit (20/minute in production) would otherwise refuse almost all of them.
- Celery queues on Redis (LOAD_BROKER_URL) instead of running tasks eagerly inside the request, as in production.
- A one-query route /bench/ping, the baseline of page throughput on the same gunicorn, and /bench/floor,
  the same behind a CSRF-checked POST of the pledge form (what any submission costs before its own work).
- Public pages are cached in Redis (LOAD_CACHE_URL, default the broker's database) as in production, where
  CACHE_REDIS_URL defaults to REDIS_URL; the development default would be a dictionary per process.
- Tasks are published after the commit by one thread per process (OUTBOX_PUBLISHER=thread), as in production.
- A bounded connection pool per process, so that the workers stay within PostgreSQL's max_connections.
- LOAD_REPLICA_URL, when set, is DATABASE_REPLICA_URL (bench/capacity.py's replica run: public pages read from a
  streaming replica, app/core/replica.py); unset, everything reads from the primary, whatever the environment says.
"""

from __future__ import annotations

import os

from flask import request
from sqlalchemy import text

from app import create_app
from app.extensions import db
from config import CONFIGS

_broker = os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/9")
app = create_app(
    "development",
    SQLALCHEMY_DATABASE_URI=os.environ["LOAD_DATABASE_URL"],
    SQLALCHEMY_ENGINE_OPTIONS={
        "pool_pre_ping": True,
        "pool_size": int(os.environ.get("LOAD_POOL_SIZE", "8")),
        "max_overflow": 2,
    },
    PLEDGE_RATE_LIMIT=os.environ.get("LOAD_PLEDGE_RATE_LIMIT", "100000 per minute"),
    CELERY={
        **CONFIGS["development"].CELERY,
        "broker_url": _broker,
        "task_always_eager": False,
        "task_eager_propagates": False,
    },
    MAIL_BACKEND="memory",
    OUTBOX_PUBLISHER="thread",  # as in production
    CACHE_TYPE="RedisCache",
    CACHE_REDIS_URL=os.environ.get("LOAD_CACHE_URL", _broker),
    DATABASE_REPLICA_URL=os.environ.get("LOAD_REPLICA_URL") or None,
)


@app.route("/bench/ping")
def ping():  # type: ignore[no-untyped-def]
    return {"ok": db.session.execute(text("SELECT 1")).scalar_one()}


@app.route("/bench/floor", methods=["POST"])
def floor():  # type: ignore[no-untyped-def]
    """What a POST of the pledge form costs before any of the pledge's own work: the request, its form body and the
    CSRF check (CSRFProtect, as on every form) and one query. A submission's rate cannot exceed this route's."""
    return {"ok": db.session.execute(text("SELECT 1")).scalar_one(), "fields": len(request.form)}


@app.route("/bench/hello")
def hello():  # type: ignore[no-untyped-def]
    return "ok"


# The Celery app of this configuration, for a worker: celery -A bench.load_wsgi:celery worker
celery = app.extensions["celery"]
