-- The dates the segment history was recorded for, one row each: what a build is asked to
-- record (its as-of date; with the var record_history_month_ends, the month-ends it names,
-- which scripts/backfill_history.py sets) and was not recorded before. Append-only in business
-- time and never rewritten, not even by --full-refresh: a date before the latest recorded one,
-- after the data or missing from the state grid is refused (segment_history_dates_to_record).
-- The ledger of the history: it runs after the recorders (int_segment_history__state_changes,
-- int_segment_history__period_revenue), which plan the same dates against it, and records a
-- date only once both wrote it; when one fails, this is skipped and the date stays unrecorded
-- (segment_history_check_recorders refuses to record it when run on its own).
-- Incremental, append-only, kept by a full refresh: the config of models/intermediate/history/recorded/
-- in dbt_project.yml (on Spark, whose Parquet tables have no delete, a partition per date).
{{ config(partition_by=(['as_of_date'] if target.type == 'spark' else none)) }}
-- depends_on: {{ ref('int_segment_history__state_changes') }}
-- depends_on: {{ ref('int_segment_history__period_revenue') }}
-- On its first run after an upgrade from the snapshot history, it adopts the dates recorded there.
{%- set adopted = none if is_incremental() else segment_history_adopted_dates() %}
{%- set to_record = segment_history_dates_to_record(this if is_incremental() else adopted, announce=false) %}
{%- do segment_history_check_recorders(to_record) %}

with

planned as (
    {{ segment_history_dates_select(to_record) }}
)

select
    cast('{{ run_started_at }}' as timestamp) as recorded_at,
    as_of_date
from planned
{%- if adopted is not none %}
union all
select
    cast(adopted.recorded_at as timestamp) as recorded_at,
    adopted.as_of_date
from {{ adopted }} as adopted
{%- endif %}
