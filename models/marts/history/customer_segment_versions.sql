-- The segment history as SCD2 versions, one row per customer and version: the tracked values
-- (segment_history_tracked_columns) valid from the recorded date they were first seen to the
-- recorded date they next changed. Derived from the recorded changes, which hold a row only
-- where a customer's values changed, so each row is a version; the same rule on every engine.
-- Only the dates the ledger recorded: a recorder's rows of a date whose recording failed
-- part-way are not history (the recorder's next run removes them).
with

recorded_dates as (
    select as_of_date from {{ ref('int_segment_history__recorded_dates') }}
),

changes as (
    select * from {{ ref('int_segment_history__state_changes') }}
    where as_of_date in (select recorded_dates.as_of_date from recorded_dates)
)

select
    customer_key,
    {%- for column in segment_history_tracked_columns() %}
    {{ column }},
    {%- endfor %}
    as_of_date as valid_from_date,
    lead(as_of_date) over (partition by customer_key order by as_of_date) as valid_to_date,
    lead(as_of_date) over (partition by customer_key order by as_of_date) is null as is_current_version,
    recorded_at
from changes
