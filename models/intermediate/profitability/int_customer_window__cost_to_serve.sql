-- Per customer, what serving them cost in the profitability window, from the seed rates:
-- order handling per sale order (by its channel), return handling per returned line (by
-- channel), and the cost of each service interaction (by type).
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
    select * from {{ ref('int_profitability__window') }}
),

windowed_sales as (
    select sales.*
    from sales
    cross join bounds
    where sales.transaction_date > bounds.window_start_exclusive and sales.transaction_date <= bounds.as_of_date
),

-- an order is one sale transaction; its channel is the channel of its lines
sale_orders as (
    select
        customer_key,
        transaction_id,
        min(channel) as channel
    from windowed_sales
    where not is_return
    group by customer_key, transaction_id
),

order_handling as (
    select
        sale_orders.customer_key,
        sum(channel_rates.order_handling_cost) as order_handling_cost
    from sale_orders
    inner join channel_rates on sale_orders.channel = channel_rates.channel
    group by sale_orders.customer_key
),

return_handling as (
    select
        windowed_sales.customer_key,
        sum(channel_rates.return_handling_cost) as return_handling_cost
    from windowed_sales
    inner join channel_rates on windowed_sales.channel = channel_rates.channel
    where windowed_sales.is_return
    group by windowed_sales.customer_key
),

interaction_costs as (
    select
        identity_map.customer_key,
        count(*) as interaction_count,
        sum(interaction_rates.cost_per_interaction) as interaction_cost
    from interactions
    cross join bounds
    inner join identity_map
        on
            interactions.source_system = identity_map.source_system
            and interactions.customer_id = identity_map.customer_id
    inner join interaction_rates on interactions.interaction_type = interaction_rates.interaction_type
    where
        interactions.interaction_date > bounds.window_start_exclusive
        and interactions.interaction_date <= bounds.as_of_date
    group by identity_map.customer_key
),

customers as (
    select customer_key from order_handling
    union
    select customer_key from return_handling
    union
    select customer_key from interaction_costs
)

select
    customers.customer_key,
    coalesce(order_handling.order_handling_cost, 0) as order_handling_cost,
    coalesce(return_handling.return_handling_cost, 0) as return_handling_cost,
    coalesce(interaction_costs.interaction_count, 0) as interaction_count,
    coalesce(interaction_costs.interaction_cost, 0) as interaction_cost
from customers
left join order_handling on customers.customer_key = order_handling.customer_key
left join return_handling on customers.customer_key = return_handling.customer_key
left join interaction_costs on customers.customer_key = interaction_costs.customer_key
