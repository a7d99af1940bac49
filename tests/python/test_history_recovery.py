"""Segment history: a recorder that failed on its own catches up, and never loses a recorded date."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import NO_TESTS, Warehouse, plain

Built = tuple[Warehouse, subprocess.CompletedProcess]
# the state computed as of a date, the recorders and the history marts
TO_RECORD = "tag:customer_state+,+segment_migration"
FORGET = tuple(
    f"drop table intermediate.int_segment_history__{name}"
    for name in ("recorded_dates", "state_changes", "period_revenue")
)
CHANGES = "select * exclude (recorded_at) from intermediate.int_segment_history__state_changes"
# two as-of dates that are not month-ends: the state grid keeps each only while it is the as-of date
FIRST, SECOND = "2025-11-14", "2025-11-21"


def build_as_of(warehouse: Warehouse, as_of: str) -> subprocess.CompletedProcess:
    return warehouse.dbt("build", "--select", TO_RECORD, "--exclude", *NO_TESTS, vars={"as_of_date": as_of})


def test_a_recorder_that_failed_writes_its_dates_later_or_stops_the_run(built_warehouse: Built, tmp_path: Path) -> None:
    """The state changes of a recorded as-of date are lost by a failed recorder run (planted:
    the date's rows deleted). A later build that can still see that date's state writes them;
    once the as-of date has moved on, the build stops with an error that names the date and the
    command that builds its state again, and after that command the history is whole."""
    warehouse = built_warehouse[0].copy_to(tmp_path)
    warehouse.execute(*FORGET)
    assert (
        warehouse.scalar("select cast(last_data_date as varchar) from intermediate.int_customer_state__as_of") > SECOND
    )
    first = build_as_of(warehouse, FIRST)
    assert first.returncode == 0, plain(first)[-3000:]
    written = warehouse.query(f"{CHANGES} where as_of_date = date '{FIRST}' order by all")
    assert len(written) > 100

    # the recorder "failed" after the date was recorded; the same as-of date still has its state
    warehouse.execute(f"delete from intermediate.int_segment_history__state_changes where as_of_date = date '{FIRST}'")
    again = build_as_of(warehouse, FIRST)
    assert again.returncode == 0, plain(again)[-3000:]
    assert warehouse.query(f"{CHANGES} where as_of_date = date '{FIRST}' order by all") == written

    # failed again, and then the as-of date moved on: the grid no longer holds that date
    warehouse.execute(f"delete from intermediate.int_segment_history__state_changes where as_of_date = date '{FIRST}'")
    stopped = build_as_of(warehouse, SECOND)
    assert stopped.returncode != 0
    message = " ".join(plain(stopped).split())
    assert f"int_segment_history__state_changes has not written the recorded date {FIRST}" in message
    assert f"dbt build --vars '{{as_of_date: {FIRST}}}'" in message
    # nothing was written past the missing date, which would have skipped it for good
    assert warehouse.scalar("select count(*) from intermediate.int_segment_history__state_changes") == 0

    # the command the error gives writes the missing date (the later one waits for its state) ...
    recovered = build_as_of(warehouse, FIRST)
    assert recovered.returncode == 0, plain(recovered)[-3000:]
    assert f"{SECOND} and later follow once their customer state is built again" in " ".join(plain(recovered).split())
    assert warehouse.query(f"{CHANGES} where as_of_date = date '{FIRST}' order by all") == written
    # ... and the next build as of the later date writes that one
    latest = build_as_of(warehouse, SECOND)
    assert latest.returncode == 0, plain(latest)[-3000:]
    recorded = "select cast(as_of_date as varchar) from intermediate.int_segment_history__recorded_dates order by 1"
    assert [day for (day,) in warehouse.query(recorded)] == [FIRST, SECOND]
    for recorder in ("state_changes", "period_revenue"):
        held = (
            f"select distinct cast(as_of_date as varchar) from intermediate.int_segment_history__{recorder} order by 1"
        )
        assert [day for (day,) in warehouse.query(held)] == [FIRST, SECOND]
