-- The profitability window as one row: the as-of date and the day before the window starts
-- (the window is the profitability_window_months months up to and including the as-of date).
with

configured as (
    select {{ as_of_date() }} as as_of_date
)

select
    as_of_date,
    cast({{ dbt.dateadd('month', '-' ~ var('profitability_window_months'), 'as_of_date') }} as date)
        as window_start_exclusive
from configured
