-- Which sales channel serves which customers: one row per ABC class, lifecycle stage and channel
-- through which the class's customers of that stage bought in the profitability window, with
-- their orders, revenue, gross profit and the channel's cost to serve (order handling of the
-- orders placed through it and return handling of the lines returned through it), and each
-- channel's share of its cell (class and stage). The population and window are those of
-- customer_profitability, so the channels of a cell add up to its customers' orders, revenue
-- and handling costs. Service interactions belong to no sales channel: their cost stays in
-- customer_profitability and segment_economics.
with

as_of as (
    select * from {{ ref('int_customer_state__as_of') }}
),

state as (
    select * from {{ ref('int_customer_state__as_of_slice') }}
),

sales as (
    select * from {{ ref('int_sales__lines') }}
),

channel_rates as (
    select * from {{ ref('cost_to_serve_channel_rates') }}
),

{{ handling_cost_ctes('sales', 'channel_rates') }},

population as (
    select
        customer_key,
        abc_class,
        lifecycle_stage
    from state
    where is_in_window
),

window_lines as (
    select
        sales.customer_key,
        coalesce(sales.channel, 'unknown') as channel,
        sum(sales.net_revenue) as revenue,
        sum(sales.gross_profit) as gross_profit
    from sales
    cross join as_of
    where sales.transaction_date > as_of.window_start_exclusive and sales.transaction_date <= as_of.as_of_date
    group by sales.customer_key, coalesce(sales.channel, 'unknown')
),

window_orders as (
    select
        order_handling.customer_key,
        order_handling.channel,
        sum(order_handling.order_count) as order_count,
        sum(order_handling.order_handling_cost) as order_handling_cost
    from order_handling
    cross join as_of
    where
        order_handling.activity_date > as_of.window_start_exclusive
        and order_handling.activity_date <= as_of.as_of_date
    group by order_handling.customer_key, order_handling.channel
),

window_returns as (
    select
        return_handling.customer_key,
        return_handling.channel,
        sum(return_handling.return_line_count) as return_line_count,
        sum(return_handling.return_handling_cost) as return_handling_cost
    from return_handling
    cross join as_of
    where
        return_handling.activity_date > as_of.window_start_exclusive
        and return_handling.activity_date <= as_of.as_of_date
    group by return_handling.customer_key, return_handling.channel
),

customer_channels as (
    select
        customer_key,
        channel
    from window_lines
    union
    select
        customer_key,
        channel
    from window_orders
    union
    select
        customer_key,
        channel
    from window_returns
),

per_customer_channel as (
    select
        population.abc_class,
        population.lifecycle_stage,
        customer_channels.channel,
        customer_channels.customer_key,
        coalesce(window_orders.order_count, 0) as order_count,
        coalesce(window_lines.revenue, 0) as revenue,
        coalesce(window_lines.gross_profit, 0) as gross_profit,
        coalesce(window_orders.order_handling_cost, 0) as order_handling_cost,
        coalesce(window_returns.return_line_count, 0) as return_line_count,
        coalesce(window_returns.return_handling_cost, 0) as return_handling_cost
    from customer_channels
    inner join population on customer_channels.customer_key = population.customer_key
    left join window_lines
        on
            customer_channels.customer_key = window_lines.customer_key
            and customer_channels.channel = window_lines.channel
    left join window_orders
        on
            customer_channels.customer_key = window_orders.customer_key
            and customer_channels.channel = window_orders.channel
    left join window_returns
        on
            customer_channels.customer_key = window_returns.customer_key
            and customer_channels.channel = window_returns.channel
),

cells as (
    select
        abc_class,
        lifecycle_stage,
        channel,
        {{ count_where('order_count > 0') }} as customer_count,
        sum(order_count) as order_count,
        sum(revenue) as revenue,
        sum(gross_profit) as gross_profit,
        sum(order_handling_cost) as order_handling_cost,
        sum(return_line_count) as return_line_count,
        sum(return_handling_cost) as return_handling_cost
    from per_customer_channel
    group by abc_class, lifecycle_stage, channel
),

cell_totals as (
    select
        abc_class,
        lifecycle_stage,
        count(*) as cell_customer_count
    from population
    group by abc_class, lifecycle_stage
),

with_totals as (
    select
        cells.*,
        cell_totals.cell_customer_count,
        sum(cells.order_count) over (partition by cells.abc_class, cells.lifecycle_stage) as cell_order_count,
        sum(cells.revenue) over (partition by cells.abc_class, cells.lifecycle_stage) as cell_revenue
    from cells
    inner join cell_totals
        on cells.abc_class = cell_totals.abc_class and cells.lifecycle_stage = cell_totals.lifecycle_stage
)

select
    abc_class,
    lifecycle_stage,
    channel,
    (select as_of.as_of_date from as_of) as as_of_date,
    cast(customer_count as bigint) as customer_count,
    cast(cell_customer_count as bigint) as cell_customer_count,
    cast(customer_count as {{ type_double() }}) / cell_customer_count as customer_share,
    cast(order_count as bigint) as order_count,
    case when cell_order_count > 0 then cast(order_count as {{ type_double() }}) / cell_order_count end
        as order_share,
    cast(revenue as decimal(38, 2)) as revenue,
    case when cell_revenue <> 0 then cast(revenue as {{ type_double() }}) / cell_revenue end as revenue_share,
    cast(gross_profit as decimal(38, 2)) as gross_profit,
    cast(return_line_count as bigint) as return_line_count,
    cast(order_handling_cost as decimal(38, 2)) as order_handling_cost,
    cast(return_handling_cost as decimal(38, 2)) as return_handling_cost,
    cast(order_handling_cost + return_handling_cost as decimal(38, 2)) as cost_to_serve,
    {{ cents(
        'case when order_count > 0 then cast(order_handling_cost + return_handling_cost as '
        ~ type_double() ~ ') / order_count end',
        from_float=true
    ) }}
        as cost_to_serve_per_order,
    case when revenue <> 0 then cast(order_handling_cost + return_handling_cost as {{ type_double() }}) / revenue end
        as cost_to_serve_share_of_revenue
from with_totals
