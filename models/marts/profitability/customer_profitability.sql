-- One row per customer with a sale in the profitability window: revenue, cost of goods,
-- gross profit, cost to serve, net profit, and the profitability decile (1 = most profitable).
with

window_sales as (
    select * from {{ ref('int_customer_window__sales') }}
),

cost_to_serve as (
    select * from {{ ref('int_customer_window__cost_to_serve') }}
),

combined as (
    select
        window_sales.customer_key,
        window_sales.as_of_date,
        window_sales.revenue,
        window_sales.cogs,
        window_sales.gross_profit,
        coalesce(cost_to_serve.order_handling_cost, 0) as order_handling_cost,
        coalesce(cost_to_serve.return_handling_cost, 0) as return_handling_cost,
        coalesce(cost_to_serve.interaction_cost, 0) as interaction_cost,
        coalesce(cost_to_serve.interaction_count, 0) as interaction_count,
        window_sales.order_count,
        window_sales.sale_line_count,
        window_sales.return_line_count,
        window_sales.distinct_product_count,
        window_sales.last_sale_date
    from window_sales
    left join cost_to_serve on window_sales.customer_key = cost_to_serve.customer_key
    where window_sales.order_count > 0
),

costed as (
    select
        *,
        order_handling_cost + return_handling_cost + interaction_cost as cost_to_serve
    from combined
)

select
    customer_key,
    as_of_date,
    cast(revenue as decimal(18, 2)) as revenue,
    cast(cogs as decimal(18, 2)) as cogs,
    cast(gross_profit as decimal(18, 2)) as gross_profit,
    cast(order_handling_cost as decimal(18, 2)) as order_handling_cost,
    cast(return_handling_cost as decimal(18, 2)) as return_handling_cost,
    cast(interaction_cost as decimal(18, 2)) as interaction_cost,
    cast(cost_to_serve as decimal(18, 2)) as cost_to_serve,
    cast(gross_profit - cost_to_serve as decimal(18, 2)) as net_profit,
    cast(order_count as bigint) as order_count,
    cast(sale_line_count as bigint) as sale_line_count,
    cast(return_line_count as bigint) as return_line_count,
    cast(interaction_count as bigint) as interaction_count,
    cast(distinct_product_count as bigint) as distinct_product_count,
    cast(1.0 * return_line_count / (sale_line_count + return_line_count) as double) as return_rate,
    last_sale_date,
    cast(ntile(10) over (order by gross_profit - cost_to_serve desc, customer_key asc) as integer) as profit_decile
from costed
