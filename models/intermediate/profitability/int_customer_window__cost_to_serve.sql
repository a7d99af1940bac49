-- Per customer, cost to serve in the profitability window (the
-- profitability_window_months months up to and including the as-of date).
with

daily_costs as (
    select * from {{ ref('int_customer_days__cost_to_serve') }}
),

bounds as (
    select * from {{ ref('int_customer_state__as_of') }}
)

select
    daily_costs.customer_key,
    sum(daily_costs.order_handling_cost) as order_handling_cost,
    sum(daily_costs.return_handling_cost) as return_handling_cost,
    sum(daily_costs.interaction_count) as interaction_count,
    sum(daily_costs.interaction_cost) as interaction_cost
from daily_costs
cross join bounds
where
    daily_costs.activity_date > bounds.window_start_exclusive
    and daily_costs.activity_date <= bounds.as_of_date
group by daily_costs.customer_key
