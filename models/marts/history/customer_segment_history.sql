-- Per customer and recorded as-of date: the segment values valid on that date (from the SCD2
-- snapshot), for BI timelines. A customer appears from the first recorded date after their
-- first purchase.

with

versions as (
    select * from {{ ref('customer_segments_snapshot') }}
),

periods as (
    select as_of_date from {{ source('segment_history', 'segment_history_periods') }}
)

select
    versions.customer_key,
    periods.as_of_date,
    versions.abc_class,
    versions.profit_decile,
    versions.rfm_segment,
    versions.lifecycle_stage,
    cast(versions.dbt_valid_from as date) as valid_from_date,
    cast(versions.dbt_valid_to as date) as valid_to_date
from periods
inner join versions
    on
        cast(periods.as_of_date as timestamp) >= versions.dbt_valid_from
        and (versions.dbt_valid_to is null or cast(periods.as_of_date as timestamp) < versions.dbt_valid_to)
