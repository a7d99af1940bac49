"""The benchmark's measurements of one step: its wall time, and its own peak memory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crm_warehouse.benchmark import run_measured

MIB = 1024 * 1024


def held(mib: int) -> bytearray:
    """`mib` MiB that count in this process's resident memory (every page written)."""
    block = bytearray(mib * MIB)
    for offset in range(0, len(block), 4096):
        block[offset] = 1
    return block


def test_a_steps_peak_memory_is_its_own_not_the_benchmarks(tmp_path: Path) -> None:
    """The kernel starts a child's peak memory from its parent's at the fork: a small step run
    from a benchmark process holding 400 MiB must still report its own few MiB, and a step that
    holds 200 MiB at least that."""
    ballast = held(400)
    _, small_peak = run_measured([sys.executable, "-c", "pass"], {}, tmp_path / "small.log")
    holding = f"b = bytearray({200 * MIB})\nfor i in range(0, len(b), 4096): b[i] = 1"
    _, large_peak = run_measured([sys.executable, "-c", holding], {}, tmp_path / "large.log")
    del ballast  # held until both steps are measured
    assert small_peak < 100, f"a bare Python start measured {small_peak:.0f} MiB: the benchmark's own memory"
    assert 200 <= large_peak < 400, f"a step holding 200 MiB measured {large_peak:.0f} MiB"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["large.log", "small.log"]


def test_a_failing_step_stops_the_benchmark_naming_its_log(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="failed with exit code 3; see .*failing.log"):
        run_measured([sys.executable, "-c", "raise SystemExit(3)"], {}, tmp_path / "failing.log")
    assert [p.name for p in tmp_path.iterdir()] == ["failing.log"]
