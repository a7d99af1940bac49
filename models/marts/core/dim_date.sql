-- One row per calendar day from date_spine_start to date_spine_end.
with

days as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('date_spine_start') ~ "' as date)",
        dbt.dateadd('day', 1, "cast('" ~ var('date_spine_end') ~ "' as date)")
    ) }}
),

dated as (
    select cast(date_day as date) as date_day
    from days
)

select
    date_day,
    cast(strftime(date_day, '%Y%m%d') as integer) as date_key,
    cast(extract(year from date_day) as integer) as year_number,
    cast(extract(quarter from date_day) as integer) as quarter_number,
    cast(extract(month from date_day) as integer) as month_number,
    strftime(date_day, '%Y-%m') as year_month,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
    cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end_date,
    cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
    cast(extract(isodow from date_day) as integer) as iso_day_of_week,
    extract(isodow from date_day) in (6, 7) as is_weekend,
    date_day = cast({{ dbt.last_day('date_day', 'month') }} as date) as is_month_end
from dated
