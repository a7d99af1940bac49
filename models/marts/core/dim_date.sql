-- One row per calendar day of every year that has a trusted transaction line, from 1 January
-- of the first to 31 December of the last: the range follows the data, whatever its period
-- (a year around today when there is no trusted line yet). Quarantined lines do not stretch
-- it: a line stamped 9999-12-31 is a defect, not a reason for eight thousand years of days.
{#- The span is queried when the model runs; `dbt compile` or `dbt docs generate` on a new
    warehouse, before the screened lines exist, plans with the current year instead. #}
{%- set screened = ref('int_transactions__screened') %}
{%- set lines = screened if execute and load_relation(screened) is not none
    else '(select current_date as transaction_date, 0 as reason_count)' %}
{%- set trusted_years %}
    select
        cast({{ dbt.date_trunc('year', 'coalesce(min(transaction_date), current_date)') }} as date) as first_day,
        cast(
            {{ dbt.dateadd('year', 1, dbt.date_trunc('year', 'coalesce(max(transaction_date), current_date)')) }}
            as date
        ) as day_after_last
    from {{ lines }} as trusted_lines
    where reason_count = 0
{%- endset %}

with

days as (
    {{ dbt.date_spine(
        'day',
        "(select first_day from (" ~ trusted_years ~ ") as bounds)",
        "(select day_after_last from (" ~ trusted_years ~ ") as bounds)"
    ) }}
),

dated as (
    select cast(date_day as date) as date_day
    from days
)

select
    date_day,
    -- dates written as text are YYYY-MM-DD on every engine
    cast(replace(cast(date_day as {{ dbt.type_string() }}), '-', '') as integer) as date_key,
    cast(extract(year from date_day) as integer) as year_number,
    cast(extract(quarter from date_day) as integer) as quarter_number,
    cast(extract(month from date_day) as integer) as month_number,
    left(cast(date_day as {{ dbt.type_string() }}), 7) as year_month,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
    cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end_date,
    cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
    cast({{ iso_day_of_week('date_day') }} as integer) as iso_day_of_week,
    {{ iso_day_of_week('date_day') }} in (6, 7) as is_weekend,
    date_day = cast({{ dbt.last_day('date_day', 'month') }} as date) as is_month_end
from dated
