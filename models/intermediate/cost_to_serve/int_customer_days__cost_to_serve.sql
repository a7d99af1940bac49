-- What serving each customer cost, per day, from the seed rates: order handling per sale order
-- (by its channel, on the order's date), return handling per returned line (by channel) and the
-- cost of each service interaction (by type). The handling rules live in handling_cost_ctes
-- (channel_mix reads them per channel); the profitability window and the monthly activity both
-- sum this model.
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

-- orders and returned lines per customer, day and channel, at their channel's rates (the rule's
-- one home, macros/cost_to_serve/handling_costs.sql), summed over the channels of each day
{{ handling_cost_ctes('sales', 'channel_rates') }},

daily_order_handling as (
    select
        customer_key,
        activity_date,
        sum(order_count) as order_count,
        sum(order_handling_cost) as order_handling_cost
    from order_handling
    group by customer_key, activity_date
),

daily_return_handling as (
    select
        customer_key,
        activity_date,
        sum(return_handling_cost) as return_handling_cost
    from return_handling
    group by customer_key, activity_date
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
    from daily_order_handling
    union
    select
        customer_key,
        activity_date
    from daily_return_handling
    union
    select
        customer_key,
        activity_date
    from interaction_costs
)

select
    customer_days.customer_key,
    customer_days.activity_date,
    coalesce(daily_order_handling.order_count, 0) as order_count,
    cast(coalesce(daily_order_handling.order_handling_cost, 0) as decimal(38, 2)) as order_handling_cost,
    cast(coalesce(daily_return_handling.return_handling_cost, 0) as decimal(38, 2)) as return_handling_cost,
    coalesce(interaction_costs.interaction_count, 0) as interaction_count,
    cast(coalesce(interaction_costs.interaction_cost, 0) as decimal(38, 2)) as interaction_cost
from customer_days
left join daily_order_handling
    on
        customer_days.customer_key = daily_order_handling.customer_key
        and customer_days.activity_date = daily_order_handling.activity_date
left join daily_return_handling
    on
        customer_days.customer_key = daily_return_handling.customer_key
        and customer_days.activity_date = daily_return_handling.activity_date
left join interaction_costs
    on
        customer_days.customer_key = interaction_costs.customer_key
        and customer_days.activity_date = interaction_costs.activity_date
