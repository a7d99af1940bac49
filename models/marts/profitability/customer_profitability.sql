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

-- money is rounded to cents once, and profits derive from the rounded amounts, so the
-- identities (gross = revenue - cogs, net = gross - cost to serve) hold to the cent
rounded as (
    select
        *,
        cast(round(revenue, 2) as decimal(38, 2)) as revenue_cents,
        cast(round(cogs, 2) as decimal(38, 2)) as cogs_cents,
        cast(round(order_handling_cost, 2) as decimal(38, 2)) as order_handling_cents,
        cast(round(return_handling_cost, 2) as decimal(38, 2)) as return_handling_cents,
        cast(round(interaction_cost, 2) as decimal(38, 2)) as interaction_cents
    from combined
),

costed as (
    select
        *,
        revenue_cents - cogs_cents as gross_profit_cents,
        order_handling_cents + return_handling_cents + interaction_cents as cost_to_serve_cents
    from rounded
)

select
    customer_key,
    as_of_date,
    revenue_cents as revenue,
    cogs_cents as cogs,
    cast(gross_profit_cents as decimal(38, 2)) as gross_profit,
    order_handling_cents as order_handling_cost,
    return_handling_cents as return_handling_cost,
    interaction_cents as interaction_cost,
    cast(cost_to_serve_cents as decimal(38, 2)) as cost_to_serve,
    cast(gross_profit_cents - cost_to_serve_cents as decimal(38, 2)) as net_profit,
    cast(order_count as bigint) as order_count,
    cast(sale_line_count as bigint) as sale_line_count,
    cast(return_line_count as bigint) as return_line_count,
    cast(interaction_count as bigint) as interaction_count,
    cast(distinct_product_count as bigint) as distinct_product_count,
    cast(1.0 * return_line_count / (sale_line_count + return_line_count) as double) as return_rate,
    last_sale_date,
    cast(
        ntile(10) over (order by gross_profit_cents - cost_to_serve_cents desc, customer_key asc) as integer
    ) as profit_decile
from costed
