-- The headline numbers: the profitability window's money, the live customers and the latest churn.
with profit as (
    select
        count(*) as customers_in_window,
        sum(revenue) as revenue,
        sum(gross_profit) as gross_profit,
        sum(cost_to_serve) as cost_to_serve,
        sum(net_profit) as net_profit,
        count(*) filter (where net_profit < 0) as loss_making_customers
    from marts.customer_profitability
),

lifecycle as (
    select
        count(*) as customers_with_purchases,
        count(*) filter (where lifecycle_stage in ('new', 'active', 'reactivated')) as live_customers
    from marts.customer_lifecycle
),

churn as (
    select
        churn_rate as latest_month_churn_rate,
        calendar_month as latest_month
    from marts.churn_summary
    order by calendar_month desc
    limit 1
),

resolved as (
    select count(*) as resolved_customers
    from marts.dim_customer
)

select
    resolved.resolved_customers,
    profit.customers_in_window,
    profit.revenue,
    profit.gross_profit,
    profit.cost_to_serve,
    profit.net_profit,
    profit.loss_making_customers,
    lifecycle.customers_with_purchases,
    lifecycle.live_customers,
    churn.latest_month_churn_rate,
    churn.latest_month
from resolved
cross join profit
cross join lifecycle
left join churn on true
