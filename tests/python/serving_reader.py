"""A BI tool in miniature, run as its own process by test_publish.py.

Every --interval seconds it opens the serving copy read-only, reads the publication (id, as-of
date, row counts) and every mart, and checks that what it sees is one publication whole: each
mart's row count equals the count the publication recorded, and every as-of mart is at the
publication's as-of date. One JSON line per read (or per error) goes to --log, until the file
--stop exists.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

AS_OF_MARTS = (
    "customer_profitability",
    "customer_segments",
    "customer_lifecycle",
    "profitability_deciles",
    "whale_curve",
    "segment_economics",
    "economics_by_customer_type",
    "churn_summary",
    "cohort_retention",
    "customer_lifetime_value",
    "clv_model_parameters",
    "clv_calibration",
    "service_level_economics",
    "campaign_candidates",
    "campaign_assignments",
    "campaign_summary",
    "customer_loyalty_tiers",
)


def read_once(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        publication_id, as_of_date = con.execute("select publication_id, as_of_date from meta.publication").fetchone()
        recorded = dict(
            con.execute(
                "select table_name, row_count from meta.publication_tables where publication_id = ?", [publication_id]
            ).fetchall()
        )
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        problems = []
        if sorted(marts) != sorted(recorded):
            problems.append(f"marts {sorted(marts)} differ from the publication's {sorted(recorded)}")
        for name in marts:
            rows = con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            if rows != recorded.get(name):
                problems.append(f"{name}: {rows} rows, publication says {recorded.get(name)}")
            if name in AS_OF_MARTS:
                dates = {row[0] for row in con.execute(f'select distinct as_of_date from marts."{name}"').fetchall()}
                if dates - {as_of_date}:
                    problems.append(f"{name}: as-of dates {sorted(map(str, dates))}, publication {as_of_date}")
        return {
            "publication_id": publication_id,
            "as_of_date": str(as_of_date),
            "marts": len(marts),
            "problems": problems,
        }
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serving", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--stop", type=Path, required=True)
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()
    with args.log.open("a") as log:
        while not args.stop.exists():
            started = time.monotonic()
            try:
                entry = read_once(args.serving)
            except Exception as exc:  # every failure is what the test counts
                entry = {"error": f"{type(exc).__name__}: {exc}"}
            log.write(json.dumps(entry) + "\n")
            log.flush()
            time.sleep(max(0.0, args.interval - (time.monotonic() - started)))


if __name__ == "__main__":
    main()
