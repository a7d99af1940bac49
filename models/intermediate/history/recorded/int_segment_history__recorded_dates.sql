-- The dates the segment history was recorded for, one row each: what a build is asked to
-- record (its as-of date; with the var record_history_month_ends, the month-ends it names,
-- which scripts/backfill_history.py sets) and was not recorded before. Append-only in business
-- time and never rewritten, not even by --full-refresh: a date before the latest recorded one,
-- after the data or missing from the state grid is refused (segment_history_dates_to_record).
-- The recorders (int_segment_history__state_changes, int_segment_history__period_revenue)
-- write each new date's states after this model.
-- Incremental, append-only, kept by a full refresh: the config of models/intermediate/history/recorded/
-- in dbt_project.yml (on Spark, whose Parquet tables have no delete, a partition per date).
{{ config(partition_by=(['as_of_date'] if target.type == 'spark' else none)) }}
-- Recorded only once the state to record is built: when the grid or the tiers fail, this is
-- skipped with the recorders, so no date is recorded whose states were not written
-- depends_on: {{ ref('int_segment_history__states') }}
-- On its first run after an upgrade from the snapshot history, it adopts the dates recorded there.
{%- set adopted = segment_history_snapshot_table('segment_history_periods') %}
{%- set to_record = segment_history_dates_to_record(this if is_incremental() else adopted) %}

with

state_dates as (
    select state_date from {{ ref('int_customer_state__dates') }}
)

select
    cast('{{ run_started_at }}' as timestamp) as recorded_at,
    state_date as as_of_date
from state_dates
{%- if to_record %}
where state_date in ({% for day in to_record %}cast('{{ day }}' as date){{ ', ' if not loop.last }}{% endfor %})
{%- else %}
where false
{%- endif %}
{%- if adopted is not none %}
union all
select
    cast(recorded_at as timestamp) as recorded_at,
    as_of_date
from {{ adopted }}
{%- endif %}
