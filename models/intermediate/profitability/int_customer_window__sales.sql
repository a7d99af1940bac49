-- Per customer, the trusted lines in the profitability window: the
-- profitability_window_months months up to and including the as-of date.
with

sales as (
    select * from {{ ref('int_sales__lines') }}
),

bounds as (
    select * from {{ ref('int_customer_state__as_of') }}
),

windowed as (
    select
        sales.*,
        bounds.as_of_date
    from sales
    cross join bounds
    where sales.transaction_date > bounds.window_start_exclusive and sales.transaction_date <= bounds.as_of_date
)

select
    customer_key,
    max(as_of_date) as as_of_date,
    sum(net_revenue) as revenue,
    sum(cogs) as cogs,
    sum(gross_profit) as gross_profit,
    count(distinct case when not is_return then transaction_id end) as order_count,
    {{ count_where('not is_return') }} as sale_line_count,
    {{ count_where('is_return') }} as return_line_count,
    count(distinct case when not is_return then product_id end) as distinct_product_count,
    max(case when not is_return then transaction_date end) as last_sale_date
from windowed
group by customer_key
