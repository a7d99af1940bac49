-- Step 1 of the customer state: what each customer bought and cost in the profitability window
-- of each state date (the profitability_window_months months up to and including the date),
-- one row per customer with a line or a cost in the window. Exact decimal sums, not yet
-- rounded to cents (the grid does that once).
--
-- Everything per state date is additive over customer-days (an order counts on the day of its
-- first sale line, as for order handling and purchase counts), so a window is one range join
-- over customer-days. Distinct products, the one count that is not additive, is computed for
-- the as-of date only: month-end rows leave it null.
{{ config(partition_by=(['state_date'] if target.type == 'spark' else none)) }}

with

dates as (
    select * from {{ ref('int_customer_state__dates') }}
),

sales as (
    select * from {{ ref('int_sales__lines') }}
),

daily_costs as (
    select * from {{ ref('int_customer_days__cost_to_serve') }}
),

{{ customer_state_dates_to_build() }}

build_span as (
    select min(window_start_exclusive) as first_window_start
    from to_build
),

as_of_to_build as (
    select * from to_build
    where is_as_of_date
),

-- the lines any window to build can see
window_lines as (
    select
        sales.customer_key,
        sales.product_id,
        sales.transaction_date,
        sales.is_return,
        sales.net_revenue,
        sales.cogs
    from sales
    cross join build_span
    where sales.transaction_date > build_span.first_window_start
),

-- money and line counts per customer and day, sales and cost to serve together
day_amounts as (
    select
        customer_key,
        transaction_date as activity_date,
        sum(net_revenue) as revenue,
        sum(cogs) as cogs,
        {{ count_where('not is_return') }} as sale_line_count,
        {{ count_where('is_return') }} as return_line_count,
        0 as order_count,
        0 as order_handling_cost,
        0 as return_handling_cost,
        0 as interaction_count,
        0 as interaction_cost
    from window_lines
    group by customer_key, transaction_date
    union all
    select
        daily_costs.customer_key,
        daily_costs.activity_date,
        0 as revenue,
        0 as cogs,
        0 as sale_line_count,
        0 as return_line_count,
        daily_costs.order_count,
        daily_costs.order_handling_cost,
        daily_costs.return_handling_cost,
        daily_costs.interaction_count,
        daily_costs.interaction_cost
    from daily_costs
    cross join build_span
    where daily_costs.activity_date > build_span.first_window_start
),

-- money stays in 38 digits (line amounts up to the loader's limits add up past 64-bit decimals)
customer_days as (
    select
        customer_key,
        activity_date,
        sum(revenue) as revenue,
        sum(cogs) as cogs,
        cast(sum(sale_line_count) as bigint) as sale_line_count,
        cast(sum(return_line_count) as bigint) as return_line_count,
        cast(sum(order_count) as bigint) as order_count,
        sum(order_handling_cost) as order_handling_cost,
        sum(return_handling_cost) as return_handling_cost,
        cast(sum(interaction_count) as bigint) as interaction_count,
        sum(interaction_cost) as interaction_cost
    from day_amounts
    group by customer_key, activity_date
),

window_amounts as (
    select
        to_build.state_date,
        customer_days.customer_key,
        sum(customer_days.revenue) as revenue,
        sum(customer_days.cogs) as cogs,
        sum(customer_days.sale_line_count) as sale_line_count,
        sum(customer_days.return_line_count) as return_line_count,
        sum(customer_days.order_count) as order_count,
        sum(customer_days.order_handling_cost) as order_handling_cost,
        sum(customer_days.return_handling_cost) as return_handling_cost,
        sum(customer_days.interaction_count) as interaction_count,
        sum(customer_days.interaction_cost) as interaction_cost
    from customer_days
    inner join to_build
        on
            customer_days.activity_date > to_build.window_start_exclusive
            and customer_days.activity_date <= to_build.state_date
    group by to_build.state_date, customer_days.customer_key
),

-- distinct products bought in the window, for the as-of date only
as_of_products as (
    select
        as_of_to_build.state_date,
        window_lines.customer_key,
        count(distinct window_lines.product_id) as distinct_product_count
    from window_lines
    inner join as_of_to_build
        on
            window_lines.transaction_date > as_of_to_build.window_start_exclusive
            and window_lines.transaction_date <= as_of_to_build.state_date
    where not window_lines.is_return
    group by as_of_to_build.state_date, window_lines.customer_key
)

select
    window_amounts.state_date,
    window_amounts.customer_key,
    to_build.input_fingerprint,
    cast('{{ run_started_at }}' as timestamp) as state_computed_at,
    cast(window_amounts.revenue as decimal(38, 4)) as revenue,
    cast(window_amounts.cogs as decimal(38, 4)) as cogs,
    cast(window_amounts.order_handling_cost as decimal(38, 4)) as order_handling_cost,
    cast(window_amounts.return_handling_cost as decimal(38, 4)) as return_handling_cost,
    cast(window_amounts.interaction_cost as decimal(38, 4)) as interaction_cost,
    cast(window_amounts.order_count as bigint) as order_count,
    cast(window_amounts.sale_line_count as bigint) as sale_line_count,
    cast(window_amounts.return_line_count as bigint) as return_line_count,
    cast(window_amounts.interaction_count as bigint) as interaction_count,
    cast(as_of_products.distinct_product_count as bigint) as distinct_product_count
from window_amounts
inner join to_build on window_amounts.state_date = to_build.state_date
left join as_of_products
    on
        window_amounts.state_date = as_of_products.state_date
        and window_amounts.customer_key = as_of_products.customer_key
