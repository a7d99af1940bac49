"""The README's Spark commands as written, on a copy of the repo with a small demo data set:
a Spark session of its own, so `make test-spark` runs this file beside test_spark.py (one
process each)."""

from __future__ import annotations

from pathlib import Path

from test_readme import run_section


def test_the_readme_commands_run_as_written(tmp_path: Path) -> None:
    commands, _ = run_section("Spark", tmp_path)
    assert any("--engine spark" in c for c in commands) and "--target spark" in commands[-1]
    assert (tmp_path / "repo" / "spark" / "warehouse").is_dir(), "the tables are in CRM_SPARK_DIR's default, spark/"
