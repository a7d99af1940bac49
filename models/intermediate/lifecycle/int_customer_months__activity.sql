-- Per customer and calendar month up to the as-of date: sale orders, revenue, gross profit,
-- cost to serve (order handling, return handling, interactions at the seed rates) and net
-- profit. The monthly counterpart of customer_profitability, for cohorts and churn.
with

sales as (
    select * from {{ ref('fct_sales') }}
),

interactions as (
    select * from {{ ref('stg_crm__interactions') }}
),

identity_map as (
    select * from {{ ref('int_customer_identity__resolved') }}
),

channel_rates as (
    select * from {{ ref('cost_to_serve_channel_rates') }}
),

interaction_rates as (
    select * from {{ ref('cost_to_serve_interaction_rates') }}
),

bounds as (
    select {{ as_of_date() }} as as_of_date
),

monthly_sales as (
    select
        sales.customer_key,
        cast({{ dbt.date_trunc('month', 'sales.transaction_date') }} as date) as activity_month,
        sales.transaction_id,
        sales.is_return,
        sales.channel,
        sales.net_revenue,
        sales.gross_profit
    from sales
    cross join bounds
    where sales.transaction_date <= bounds.as_of_date
),

sale_orders as (
    select
        customer_key,
        activity_month,
        transaction_id,
        min(channel) as channel
    from monthly_sales
    where not is_return
    group by customer_key, activity_month, transaction_id
),

order_costs as (
    select
        sale_orders.customer_key,
        sale_orders.activity_month,
        count(*) as order_count,
        sum(channel_rates.order_handling_cost) as order_handling_cost
    from sale_orders
    inner join channel_rates on sale_orders.channel = channel_rates.channel
    group by sale_orders.customer_key, sale_orders.activity_month
),

line_money as (
    select
        monthly_sales.customer_key,
        monthly_sales.activity_month,
        sum(monthly_sales.net_revenue) as revenue,
        sum(monthly_sales.gross_profit) as gross_profit,
        sum(case when monthly_sales.is_return then channel_rates.return_handling_cost else 0 end)
            as return_handling_cost
    from monthly_sales
    inner join channel_rates on monthly_sales.channel = channel_rates.channel
    group by monthly_sales.customer_key, monthly_sales.activity_month
),

interaction_costs as (
    select
        identity_map.customer_key,
        cast({{ dbt.date_trunc('month', 'interactions.interaction_date') }} as date) as activity_month,
        sum(interaction_rates.cost_per_interaction) as interaction_cost
    from interactions
    cross join bounds
    inner join identity_map
        on
            interactions.source_system = identity_map.source_system
            and interactions.customer_id = identity_map.customer_id
    inner join interaction_rates on interactions.interaction_type = interaction_rates.interaction_type
    where interactions.interaction_date <= bounds.as_of_date
    group by identity_map.customer_key, cast({{ dbt.date_trunc('month', 'interactions.interaction_date') }} as date)
),

customer_months as (
    select
        customer_key,
        activity_month
    from line_money
    union
    select
        customer_key,
        activity_month
    from interaction_costs
)

select
    customer_months.customer_key,
    customer_months.activity_month,
    coalesce(order_costs.order_count, 0) as order_count,
    coalesce(line_money.revenue, 0) as revenue,
    coalesce(line_money.gross_profit, 0) as gross_profit,
    coalesce(order_costs.order_handling_cost, 0)
    + coalesce(line_money.return_handling_cost, 0)
    + coalesce(interaction_costs.interaction_cost, 0) as cost_to_serve,
    coalesce(line_money.gross_profit, 0)
    - coalesce(order_costs.order_handling_cost, 0)
    - coalesce(line_money.return_handling_cost, 0)
    - coalesce(interaction_costs.interaction_cost, 0) as net_profit
from customer_months
left join order_costs
    on customer_months.customer_key = order_costs.customer_key
        and customer_months.activity_month = order_costs.activity_month
left join line_money
    on customer_months.customer_key = line_money.customer_key
        and customer_months.activity_month = line_money.activity_month
left join interaction_costs
    on customer_months.customer_key = interaction_costs.customer_key
        and customer_months.activity_month = interaction_costs.activity_month
