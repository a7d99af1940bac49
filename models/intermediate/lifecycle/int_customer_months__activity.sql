-- Per customer and calendar month up to the as-of date: sale orders, revenue, gross profit,
-- cost to serve and net profit. The monthly counterpart of customer_profitability, for
-- cohorts and churn; cost to serve comes from the shared daily costs.
with

sales as (
    select * from {{ ref('int_sales__lines') }}
),

daily_costs as (
    select * from {{ ref('int_customer_days__cost_to_serve') }}
),

bounds as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

monthly_money as (
    select
        sales.customer_key,
        cast({{ dbt.date_trunc('month', 'sales.transaction_date') }} as date) as activity_month,
        sum(sales.net_revenue) as revenue,
        sum(sales.gross_profit) as gross_profit
    from sales
    cross join bounds
    where sales.transaction_date <= bounds.as_of_date
    group by sales.customer_key, cast({{ dbt.date_trunc('month', 'sales.transaction_date') }} as date)
),

monthly_costs as (
    select
        daily_costs.customer_key,
        cast({{ dbt.date_trunc('month', 'daily_costs.activity_date') }} as date) as activity_month,
        sum(daily_costs.order_count) as order_count,
        sum(
            daily_costs.order_handling_cost + daily_costs.return_handling_cost + daily_costs.interaction_cost
        ) as cost_to_serve
    from daily_costs
    cross join bounds
    where daily_costs.activity_date <= bounds.as_of_date
    group by daily_costs.customer_key, cast({{ dbt.date_trunc('month', 'daily_costs.activity_date') }} as date)
),

customer_months as (
    select
        customer_key,
        activity_month
    from monthly_money
    union
    select
        customer_key,
        activity_month
    from monthly_costs
)

select
    customer_months.customer_key,
    customer_months.activity_month,
    coalesce(monthly_costs.order_count, 0) as order_count,
    coalesce(monthly_money.revenue, 0) as revenue,
    coalesce(monthly_money.gross_profit, 0) as gross_profit,
    coalesce(monthly_costs.cost_to_serve, 0) as cost_to_serve,
    coalesce(monthly_money.gross_profit, 0) - coalesce(monthly_costs.cost_to_serve, 0) as net_profit
from customer_months
left join monthly_money
    on
        customer_months.customer_key = monthly_money.customer_key
        and customer_months.activity_month = monthly_money.activity_month
left join monthly_costs
    on
        customer_months.customer_key = monthly_costs.customer_key
        and customer_months.activity_month = monthly_costs.activity_month
