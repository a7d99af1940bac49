-- Each customer's window revenue on every recorded date of the segment history (customers with
-- a sale in the window only), so the segment migration can report the revenue of the
-- customers who moved. Written once per recorded date, before the ledger
-- (int_segment_history__recorded_dates) records it, and never rewritten once recorded (a full
-- refresh keeps it; backfill_history.py --rebuild clears it). Rows of a date the ledger did not
-- record (a run that failed part-way) are removed by the next run's pre-hook.
-- Incremental, append-only, kept by a full refresh: the config of models/intermediate/history/recorded/
-- in dbt_project.yml (on Spark, whose Parquet tables have no delete, a partition per date).
{{ config(
    partition_by=(['as_of_date'] if target.type == 'spark' else none),
    pre_hook="{{ segment_history_forget_unrecorded() }}",
) }}

with

dates_to_write as (
    {{ segment_history_dates_to_write() }}
),

states as (
    select * from {{ ref('int_segment_history__states') }}
)

select
    states.customer_key,
    states.revenue,
    states.as_of_date
from states
inner join dates_to_write on states.as_of_date = dates_to_write.as_of_date
where states.is_in_window
