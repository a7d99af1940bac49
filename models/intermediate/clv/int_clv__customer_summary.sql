-- The inputs of the BG/NBD and Gamma-Gamma models, per customer, for two fits: `as_of` (all
-- purchases up to the as-of date; its parameters score customer_lifetime_value) and
-- `calibration` (purchases up to the as-of date minus clv_holdout_days; its predictions are
-- compared with what the customers then bought in the holdout, in clv_calibration).
-- A purchase is a purchase day (several orders on one day count once), read with its sale
-- revenue from int_customer_purchase_days, the one home of purchase days. Times are in units
-- of clv_time_unit_days days (default 7: weeks, the unit of the published CDNOW results):
--   frequency x = repeat purchase days (purchase days after the first),
--   recency t_x = first purchase day to last purchase day, age T = first purchase day to the
--   period end. Monetary value = mean revenue of the repeat purchase days (sale lines before
--   returns; the first purchase is left out, as Gamma-Gamma assumes).
{%- set unit_days = var('clv_time_unit_days') %}

with

days as (
    select * from {{ ref('int_customer_purchase_days') }}
),

as_of as (
    select * from {{ ref('int_customer_state__as_of') }}
),

periods as (
    select
        'as_of' as fit_period,
        as_of_date,
        as_of_date as period_end_date
    from as_of
    union all
    select
        'calibration' as fit_period,
        as_of_date,
        cast(as_of_date - {{ var('clv_holdout_days') }} as date) as period_end_date
    from as_of
),

purchase_days as (
    select
        customer_key,
        purchase_date,
        sale_revenue as revenue
    from days
),

in_period as (
    select
        periods.fit_period,
        periods.as_of_date,
        periods.period_end_date,
        purchase_days.customer_key,
        purchase_days.purchase_date,
        purchase_days.revenue,
        min(purchase_days.purchase_date) over (
            partition by periods.fit_period, purchase_days.customer_key
        ) as first_purchase_date
    from periods
    inner join purchase_days on periods.period_end_date >= purchase_days.purchase_date
),

summarised as (
    select
        fit_period,
        customer_key,
        -- one value per fit period
        max(as_of_date) as as_of_date,
        max(period_end_date) as period_end_date,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) - 1 as repeat_purchase_count,
        avg(revenue) filter (where purchase_date > first_purchase_date) as monetary_value
    from in_period
    group by fit_period, customer_key
),

-- purchase days in the holdout (after the calibration end, up to the as-of date)
holdout as (
    select
        purchase_days.customer_key,
        count(*) as holdout_purchase_count
    from purchase_days
    inner join periods
        on
            periods.fit_period = 'calibration'
            and purchase_days.purchase_date > periods.period_end_date
            and purchase_days.purchase_date <= periods.as_of_date
    group by purchase_days.customer_key
)

select
    summarised.fit_period,
    summarised.customer_key,
    summarised.as_of_date,
    summarised.period_end_date,
    summarised.first_purchase_date,
    summarised.last_purchase_date,
    cast(summarised.repeat_purchase_count as integer) as frequency,
    -- days as double before dividing: integer division truncates on some engines
    cast(
        {{ dbt.datediff('summarised.first_purchase_date', 'summarised.last_purchase_date', 'day') }}
        as {{ type_double() }}
    ) / {{ unit_days }} as recency,
    cast(
        {{ dbt.datediff('summarised.first_purchase_date', 'summarised.period_end_date', 'day') }}
        as {{ type_double() }}
    ) / {{ unit_days }} as age,
    cast(summarised.monetary_value as {{ type_double() }}) as monetary_value,
    case
        when summarised.fit_period = 'calibration' then coalesce(holdout.holdout_purchase_count, 0)
    end as holdout_purchase_count
from summarised
-- on the customer key alone: a condition on the kept side in the join (fit_period =
-- 'calibration') made DuckDB compare every pair of rows (a nested-loop join: 300 s at 20M
-- lines); the case above leaves the as_of rows null
left join holdout on summarised.customer_key = holdout.customer_key
