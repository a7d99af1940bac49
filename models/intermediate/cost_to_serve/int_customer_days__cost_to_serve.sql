-- What serving each customer cost, per day, from the seed rates: order handling per sale order
-- (by its channel, on the order's date), return handling per returned line (by channel) and the
-- cost of each service interaction (by type). The one place the cost-to-serve rules live; the
-- profitability window and the monthly activity both sum it.
with

sales as (
    select * from {{ ref('int_sales__lines') }}
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

-- an order is one sale transaction; its channel and date are those of its lines (a line
-- delivered without a channel is charged the rates of the seed row 'unknown')
sale_orders as (
    select
        customer_key,
        transaction_id,
        min(transaction_date) as activity_date,
        coalesce(min(channel), 'unknown') as channel
    from sales
    where not is_return
    group by customer_key, transaction_id
),

order_handling as (
    select
        sale_orders.customer_key,
        sale_orders.activity_date,
        count(*) as order_count,
        sum(channel_rates.order_handling_cost) as order_handling_cost
    from sale_orders
    inner join channel_rates on sale_orders.channel = channel_rates.channel
    group by sale_orders.customer_key, sale_orders.activity_date
),

return_handling as (
    select
        sales.customer_key,
        sales.transaction_date as activity_date,
        sum(channel_rates.return_handling_cost) as return_handling_cost
    from sales
    inner join channel_rates on coalesce(sales.channel, 'unknown') = channel_rates.channel
    where sales.is_return
    group by sales.customer_key, sales.transaction_date
),

interaction_costs as (
    select
        identity_map.customer_key,
        interactions.interaction_date as activity_date,
        count(*) as interaction_count,
        sum(interaction_rates.cost_per_interaction) as interaction_cost
    from interactions
    inner join identity_map
        on
            interactions.source_system = identity_map.source_system
            and interactions.customer_id = identity_map.customer_id
    inner join interaction_rates on interactions.interaction_type = interaction_rates.interaction_type
    group by identity_map.customer_key, interactions.interaction_date
),

customer_days as (
    select
        customer_key,
        activity_date
    from order_handling
    union
    select
        customer_key,
        activity_date
    from return_handling
    union
    select
        customer_key,
        activity_date
    from interaction_costs
)

select
    customer_days.customer_key,
    customer_days.activity_date,
    coalesce(order_handling.order_count, 0) as order_count,
    cast(coalesce(order_handling.order_handling_cost, 0) as decimal(38, 2)) as order_handling_cost,
    cast(coalesce(return_handling.return_handling_cost, 0) as decimal(38, 2)) as return_handling_cost,
    coalesce(interaction_costs.interaction_count, 0) as interaction_count,
    cast(coalesce(interaction_costs.interaction_cost, 0) as decimal(38, 2)) as interaction_cost
from customer_days
left join order_handling
    on
        customer_days.customer_key = order_handling.customer_key
        and customer_days.activity_date = order_handling.activity_date
left join return_handling
    on
        customer_days.customer_key = return_handling.customer_key
        and customer_days.activity_date = return_handling.activity_date
left join interaction_costs
    on
        customer_days.customer_key = interaction_costs.customer_key
        and customer_days.activity_date = interaction_costs.activity_date
