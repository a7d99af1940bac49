-- Per calendar month up to the as-of month: customers alive at the start, acquired, churned
-- (crossed churn_days without buying), reactivated (bought again after more than churn_days),
-- the churn rate, and the average lifetime of the customers who churned.
-- A customer churns on the first day their last purchase is more than churn_days old.
{%- set churn_days = var('churn_days') | int %}

with

purchase_days as (
    select * from {{ ref('int_customer_purchase_days') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

bounds as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

-- purchase days up to the as-of date; a purchase after it is not known yet
sequenced as (
    select
        purchase_days.customer_key,
        purchase_days.purchase_date,
        purchase_days.previous_purchase_date,
        case
            when purchase_days.next_purchase_date <= bounds.as_of_date then purchase_days.next_purchase_date
        end as next_purchase_date,
        purchase_days.first_purchase_date
    from purchase_days
    cross join bounds
    where purchase_days.purchase_date <= bounds.as_of_date
),

churn_events as (
    select
        sequenced.customer_key,
        cast({{ dbt.dateadd('day', churn_days + 1, 'sequenced.purchase_date') }} as date) as churn_date,
        {{ dbt.datediff('sequenced.first_purchase_date', 'sequenced.purchase_date', 'day') }} as lifetime_days
    from sequenced
    cross join bounds
    where
        (
            sequenced.next_purchase_date is null
            or {{ is_churn_gap(dbt.datediff('sequenced.purchase_date', 'sequenced.next_purchase_date', 'day')) }}
        )
        and {{ dbt.dateadd('day', churn_days + 1, 'sequenced.purchase_date') }} <= bounds.as_of_date
),

events as (
    select
        cast({{ dbt.date_trunc('month', 'first_purchase_date') }} as date) as event_month,
        'acquired' as event_type,
        cast(null as integer) as lifetime_days
    from sequenced
    where purchase_date = first_purchase_date
    union all
    select
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as event_month,
        'reactivated' as event_type,
        cast(null as integer) as lifetime_days
    from sequenced
    where {{ is_churn_gap(dbt.datediff('previous_purchase_date', 'purchase_date', 'day')) }}
    union all
    select
        cast({{ dbt.date_trunc('month', 'churn_date') }} as date) as event_month,
        'churned' as event_type,
        cast(lifetime_days as integer) as lifetime_days
    from churn_events
),

monthly as (
    select
        event_month,
        {{ count_where("event_type = 'acquired'") }} as acquired_customers,
        {{ count_where("event_type = 'reactivated'") }} as reactivated_customers,
        {{ count_where("event_type = 'churned'") }} as churned_customers,
        avg(lifetime_days) as avg_lifetime_days_of_churned
    from events
    group by event_month
),

months as (
    select calendar.month_start_date as calendar_month
    from calendar
    cross join bounds
    where
        calendar.date_day = calendar.month_start_date
        and calendar.month_start_date >= (select min(events.event_month) from events)
        and calendar.month_start_date <= bounds.as_of_date
),

filled as (
    select
        months.calendar_month,
        coalesce(monthly.acquired_customers, 0) as acquired_customers,
        coalesce(monthly.reactivated_customers, 0) as reactivated_customers,
        coalesce(monthly.churned_customers, 0) as churned_customers,
        monthly.avg_lifetime_days_of_churned
    from months
    left join monthly on months.calendar_month = monthly.event_month
),

counted as (
    select
        *,
        -- alive at the start of a month: every arrival minus every churn before it
        coalesce(sum(acquired_customers + reactivated_customers - churned_customers) over (
            order by calendar_month rows between unbounded preceding and 1 preceding
        ), 0) as customers_at_start
    from filled
)

select
    calendar_month,
    (select bounds.as_of_date from bounds) as as_of_date,
    cast(customers_at_start as bigint) as customers_at_start,
    cast(acquired_customers as bigint) as acquired_customers,
    cast(reactivated_customers as bigint) as reactivated_customers,
    cast(churned_customers as bigint) as churned_customers,
    cast(customers_at_start + acquired_customers + reactivated_customers - churned_customers as bigint)
        as customers_at_end,
    case when customers_at_start > 0 then cast(churned_customers as {{ type_double() }}) / customers_at_start end
        as churn_rate,
    cast(avg_lifetime_days_of_churned as {{ type_double() }}) as avg_lifetime_days_of_churned
from counted
