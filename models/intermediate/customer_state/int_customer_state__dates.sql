-- The dates the customer state is computed for: every month-end from history_start_date (or the
-- first month-end of the trusted data) to the last day of the data, plus the as-of date of this
-- build and the month-ends of the loyalty_tier_hold_months months up to it. Each date carries
-- its profitability window and a fingerprint of everything its state depends on (the settings,
-- and the trusted lines and daily costs up to that date), so the incremental state grid
-- re-states only the dates whose inputs changed.
{%- set history_start = var('history_start_date') %}

with

as_of as (
    select * from {{ ref('int_customer_state__as_of') }}
),

sales as (
    select * from {{ ref('int_sales__lines') }}
),

daily_costs as (
    select * from {{ ref('int_customer_days__cost_to_serve') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

tenure_bands as (
    select * from {{ ref('tenure_bands') }}
),

span as (
    select
        last_data_date,
        cast({{ dbt.date_trunc('month', 'first_data_date') }} as date) as first_data_month,
        {%- if history_start is none %}
        cast({{ dbt.date_trunc('month', 'first_data_date') }} as date) as first_history_month
        {%- else %}
        cast({{ dbt.date_trunc('month', "cast('" ~ history_start ~ "' as date)") }} as date) as first_history_month
        {%- endif %}
    from as_of
),

digits as (
    select ten.digit
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as ten (digit)
),

-- 0 to 9999 months after the data's first month: enough for any history
month_offsets as (
    select ones.digit + 10 * tens.digit + 100 * hundreds.digit + 1000 * thousands.digit as month_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
),

months as (
    select cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'span.first_data_month') }} as date) as date_month
    from month_offsets
    cross join span
    where month_offsets.month_offset <= {{ dbt.datediff('span.first_data_month', 'span.last_data_date', 'month') }}
),

-- from the history's first month, and always the month-ends of the loyalty tier's hold period
-- before the as-of date (a tier held on the as-of date depends on them)
month_ends as (
    select cast({{ dbt.last_day('months.date_month', 'month') }} as date) as state_date
    from months
    cross join span
    cross join as_of
    where
        (
            months.date_month >= span.first_history_month
            or (
                months.date_month >= cast({{ dbt.dateadd(
                    'month', 1 - (var('loyalty_tier_hold_months') | int), dbt.date_trunc('month', 'as_of.as_of_date')
                ) }} as date)
                and {{ dbt.last_day('months.date_month', 'month') }} <= as_of.as_of_date
            )
        )
        and {{ dbt.last_day('months.date_month', 'month') }} <= span.last_data_date
),

state_dates as (
    select state_date from month_ends
    union
    select as_of_date as state_date from as_of
),

-- every input row hashed and summed per day; a date's fingerprint sums the days up to it
day_fingerprints as (
    select
        transaction_date as activity_date,
        sum({{ row_fingerprint([
            'sales_line_key', 'customer_key', 'transaction_id', 'product_id', 'transaction_type',
            'transaction_date', 'net_revenue', 'cogs',
        ]) }}) as fingerprint
    from sales
    group by transaction_date
    union all
    select
        activity_date,
        sum({{ row_fingerprint([
            'customer_key', 'activity_date', 'order_count', 'order_handling_cost', 'return_handling_cost',
            'interaction_count', 'interaction_cost',
        ]) }}) as fingerprint
    from daily_costs
    group by activity_date
),

reference_fingerprint as (
    select
        coalesce((
            select sum({{ row_fingerprint(['recency_score', 'frequency_monetary_score', 'rfm_segment']) }})
            from rfm_segments
        ), 0)
        + coalesce((
            select sum({{ row_fingerprint(['tenure_band', 'min_tenure_months', 'max_tenure_months']) }})
            from tenure_bands
        ), 0) as fingerprint
),

data_fingerprints as (
    select
        state_dates.state_date,
        coalesce(sum(day_fingerprints.fingerprint), 0) as fingerprint
    from state_dates
    left join day_fingerprints on state_dates.state_date >= day_fingerprints.activity_date
    group by state_dates.state_date
)

select
    state_dates.state_date,
    cast({{ dbt.dateadd('month', '-' ~ var('profitability_window_months'), 'state_dates.state_date') }} as date)
        as window_start_exclusive,
    state_dates.state_date = cast({{ dbt.last_day('state_dates.state_date', 'month') }} as date) as is_month_end,
    state_dates.state_date = as_of.as_of_date as is_as_of_date,
    -- the as-of slice holds more than a month-end slice (distinct products): marked apart
    '{{ customer_state_config_fingerprint() }}-'
    || cast(data_fingerprints.fingerprint + reference_fingerprint.fingerprint as {{ type_text() }})
    || case when state_dates.state_date = as_of.as_of_date then '-as-of' else '' end as input_fingerprint
from state_dates
cross join as_of
cross join reference_fingerprint
inner join data_fingerprints on state_dates.state_date = data_fingerprints.state_date
