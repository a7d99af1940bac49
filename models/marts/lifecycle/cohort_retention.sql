-- Acquisition cohort (month of first purchase) x months since acquisition, up to the as-of
-- month: cohort size, customers who bought in that month, retention rate, and revenue and net
-- profit per cohort customer (of the month and cumulative). Month 0 retention is 1: every
-- customer bought in their acquisition month.
with

as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

lifecycle as (
    select * from {{ ref('customer_lifecycle') }}
),

activity as (
    select * from {{ ref('int_customer_months__activity') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

cohorts as (
    select
        acquisition_cohort_month,
        count(*) as cohort_size
    from lifecycle
    group by acquisition_cohort_month
),

cohort_months as (
    select
        cohorts.acquisition_cohort_month,
        cohorts.cohort_size,
        calendar.month_start_date as activity_month
    from cohorts
    cross join as_of
    inner join calendar
        on
            calendar.date_day = calendar.month_start_date
            and cohorts.acquisition_cohort_month <= calendar.month_start_date
            and as_of.as_of_date >= calendar.month_start_date
),

cohort_activity as (
    select
        lifecycle.acquisition_cohort_month,
        activity.activity_month,
        count(distinct case when activity.order_count > 0 then activity.customer_key end) as active_customers,
        sum(activity.revenue) as revenue,
        sum(activity.net_profit) as net_profit
    from activity
    inner join lifecycle on activity.customer_key = lifecycle.customer_key
    group by lifecycle.acquisition_cohort_month, activity.activity_month
),

filled as (
    select
        cohort_months.acquisition_cohort_month,
        cohort_months.activity_month,
        {{ whole_months_between('cohort_months.acquisition_cohort_month', 'cohort_months.activity_month') }}
            as months_since_acquisition,
        cohort_months.cohort_size,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        coalesce(cohort_activity.revenue, 0) as revenue,
        coalesce(cohort_activity.net_profit, 0) as net_profit
    from cohort_months
    left join cohort_activity
        on
            cohort_months.acquisition_cohort_month = cohort_activity.acquisition_cohort_month
            and cohort_months.activity_month = cohort_activity.activity_month
)

select
    acquisition_cohort_month,
    (select as_of.as_of_date from as_of) as as_of_date,
    cast(months_since_acquisition as integer) as months_since_acquisition,
    activity_month,
    cast(cohort_size as bigint) as cohort_size,
    cast(active_customers as bigint) as active_customers,
    cast(active_customers as {{ type_double() }}) / cohort_size as retention_rate,
    {{ cents('cast(revenue as ' ~ type_double() ~ ') / cohort_size', from_float=true) }} as revenue_per_cohort_customer,
    {{ cents('cast(net_profit as ' ~ type_double() ~ ') / cohort_size', from_float=true) }}
        as net_profit_per_cohort_customer,
    {% set cumulative_revenue -%}
        sum(revenue) over (
            partition by acquisition_cohort_month order by activity_month
            rows between unbounded preceding and current row
        )
    {%- endset -%}
    {{ cents('cast(' ~ cumulative_revenue ~ ' as ' ~ type_double() ~ ') / cohort_size', from_float=true) }}
        as cumulative_revenue_per_cohort_customer
from filled
