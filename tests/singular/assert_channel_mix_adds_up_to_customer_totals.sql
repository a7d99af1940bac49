-- The channel mix loses and invents nothing: per ABC class and lifecycle stage, its channels'
-- orders and handling costs add up to the customers of the cell in customer_profitability, and
-- so do revenue and gross profit up to rounding (line amounts may have sub-cent digits: the
-- mart rounds once per channel row, customer_profitability once per customer, each by at most
-- half a cent), and every cell of customers with a sale is in it. Returns the cells that do
-- not add up.
with

customers as (
    select
        segments.abc_class,
        lifecycle.lifecycle_stage,
        count(*) as cell_customer_count,
        sum(profitability.order_count) as order_count,
        sum(profitability.revenue) as revenue,
        sum(profitability.gross_profit) as gross_profit,
        sum(profitability.order_handling_cost) as order_handling_cost,
        sum(profitability.return_handling_cost) as return_handling_cost
    from {{ ref('customer_profitability') }} as profitability
    inner join {{ ref('customer_segments') }} as segments on profitability.customer_key = segments.customer_key
    inner join {{ ref('customer_lifecycle') }} as lifecycle on profitability.customer_key = lifecycle.customer_key
    group by segments.abc_class, lifecycle.lifecycle_stage
),

channels as (
    select
        abc_class,
        lifecycle_stage,
        max(cell_customer_count) as cell_customer_count,
        count(*) as channel_count,
        sum(order_count) as order_count,
        sum(revenue) as revenue,
        sum(gross_profit) as gross_profit,
        sum(order_handling_cost) as order_handling_cost,
        sum(return_handling_cost) as return_handling_cost
    from {{ ref('channel_mix') }}
    group by abc_class, lifecycle_stage
)

select
    customers.abc_class,
    customers.lifecycle_stage,
    customers.revenue,
    channels.revenue as channel_revenue
from customers
left join channels
    on customers.abc_class = channels.abc_class and customers.lifecycle_stage = channels.lifecycle_stage
where
    channels.abc_class is null
    or customers.cell_customer_count <> channels.cell_customer_count
    or customers.order_count <> channels.order_count
    or abs(customers.revenue - channels.revenue) > 0.005 * (customers.cell_customer_count + channels.channel_count)
    or abs(customers.gross_profit - channels.gross_profit)
    > 0.005 * (customers.cell_customer_count + channels.channel_count)
    or customers.order_handling_cost <> channels.order_handling_cost
    or customers.return_handling_cost <> channels.return_handling_cost
