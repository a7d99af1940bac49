-- The as-of date of the customer state, once for every model computed as of a date: the
-- as_of_date var, or the latest trusted transaction date when the var is not set. The
-- profitability window is the profitability_window_months months up to and including it.
-- An as-of date outside the trusted data (after its last day or before its first) would give
-- empty or misleading marts and could be recorded in the segment history for good, so the
-- build stops here with a message that names the date and the data's range.
with

sales as (
    select * from {{ ref('int_sales__lines') }}
),

data_range as (
    select
        min(transaction_date) as first_data_date,
        max(transaction_date) as last_data_date
    from sales
),

{%- set requested = 'last_data_date' if var('as_of_date') is none
    else "cast('" ~ var('as_of_date') ~ "' as date)" %}

chosen as (
    select
        first_data_date,
        last_data_date,
        {{ requested }} as requested_as_of_date
    from data_range
),

checked as (
    select
        first_data_date,
        last_data_date,
        case
            when requested_as_of_date > last_data_date
                then {{ raise_error(
                    "'as_of_date ' || cast(requested_as_of_date as " ~ type_text() ~ ")
                    || ' is after the last day of the trusted transactions ('
                    || cast(last_data_date as " ~ type_text() ~ ")
                    || '): the customer state can only be computed for days the data covers. '
                    || 'Use an as_of_date up to that day, or leave it unset for that day.'"
                ) }}
            when requested_as_of_date < first_data_date
                then {{ raise_error(
                    "'as_of_date ' || cast(requested_as_of_date as " ~ type_text() ~ ")
                    || ' is before the first day of the trusted transactions ('
                    || cast(first_data_date as " ~ type_text() ~ ")
                    || '): no customer had bought yet. Use an as_of_date from that day on.'"
                ) }}
            else requested_as_of_date
        end as as_of_date
    from chosen
)

select
    as_of_date,
    cast({{ dbt.dateadd('month', '-' ~ var('profitability_window_months'), 'as_of_date') }} as date)
        as window_start_exclusive,
    first_data_date,
    last_data_date
from checked
