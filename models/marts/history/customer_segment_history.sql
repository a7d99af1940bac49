-- Per customer and recorded as-of date: the segment values valid on that date (the customer's
-- SCD2 version that covers it), for BI timelines. A customer appears from the first recorded
-- date after their first purchase.
with

recorded_dates as (
    select as_of_date from {{ ref('int_segment_history__recorded_dates') }}
),

versions as (
    select * from {{ ref('customer_segment_versions') }}
)

select
    versions.customer_key,
    recorded_dates.as_of_date,
    {%- for column in segment_history_tracked_columns() %}
    versions.{{ column }},
    {%- endfor %}
    versions.valid_from_date,
    versions.valid_to_date
from recorded_dates
inner join versions
    on
        recorded_dates.as_of_date >= versions.valid_from_date
        and (versions.valid_to_date is null or recorded_dates.as_of_date < versions.valid_to_date)
