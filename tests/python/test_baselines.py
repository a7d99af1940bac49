"""The benchmark's baselines compute the same thing, so a ratio to either one means something."""

from __future__ import annotations

from conftest import DataSet
from crm_warehouse import baselines


def test_plain_sql_and_pandas_baselines_agree_row_for_row(small_data: DataSet) -> None:
    floor = baselines.plain_sql(small_data.path).fetchall()
    notebook = list(baselines.pandas_notebook(small_data.path).itertuples(index=False, name=None))
    assert len(floor) > 500
    assert [tuple(row) for row in notebook] == floor
    deciles = sorted({row[3] for row in floor})
    assert deciles == list(range(1, 11))
    classes = {row[4] for row in floor}
    assert classes == {"A", "B", "C"}
