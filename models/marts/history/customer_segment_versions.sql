-- The segment history as SCD2 versions, one row per customer and version: the tracked values
-- (segment_history_tracked_columns) valid from the recorded date they were first seen to the
-- recorded date they next changed. Derived from the recorded changes, which hold a row only
-- where a customer's values changed, so each row is a version; the same rule on every engine.
with

changes as (
    select * from {{ ref('int_segment_history__state_changes') }}
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
