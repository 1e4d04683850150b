"""The backup and restore drill (bench/restore_drill.py) at its tiny size: base backup, WAL archive, point-in-time
restore into a throwaway server, and what a donor and the books would notice afterwards."""

from __future__ import annotations

import json

import pytest

from bench.restore_drill import drill, rows
from tests.replica.conftest import need_pg_binaries

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_point_in_time_restore_keeps_exactly_what_was_acknowledged_before_the_point():  # type: ignore[no-untyped-def]
    need_pg_binaries()
    result = drill("tiny", fsync=False, write_seconds=1.5)
    # Writes happened on both sides of the point, so both halves of the check mean something.
    assert result["pledges_before"] > 20 and result["contributions_before"] >= 1
    assert result["pledges_after"] >= 1 and result["contributions_after"] >= 1
    assert result["missing"] == []  # every pledge and payment acknowledged before the point came back
    assert result["duplicated"] == []  # once each
    assert result["resurrected"] == []  # nothing written after the point
    assert result["ledger_problems"] == []
    assert result["ok"] is True
    figures = {r["name"]: r for r in json.loads(json.dumps(rows(result)))}  # bench/run.py reads JSON lines
    assert figures["restore_drill.check"]["ok"] is True
    assert figures["restore_drill.base_backup"]["backup_mb"] > 0
    assert figures["restore_drill.restore_to_point_in_time"]["figure"] > 0
