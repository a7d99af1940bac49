-- One row per customer and day with a sale line (a purchase day), over all trusted history:
-- the previous and next purchase day, the gap before it, and running counts up to it. The one
-- place the purchase-gap logic lives: the customer state reads the latest row on or before each
-- state date, and the churn summary reads the gaps. Rows look only backwards (lag, running
-- sums), so the state as of any date is the row of the last purchase day on or before it.
{{ config(materialized='table') }}

with

sales as (
    select * from {{ ref('int_sales__lines') }}
),

sale_lines as (
    select
        customer_key,
        transaction_id,
        transaction_date,
        net_revenue
    from sales
    where not is_return
),

-- an order (sale transaction) counts on the first day it has a sale line
order_first_days as (
    select
        customer_key,
        transaction_id,
        min(transaction_date) as first_sale_date
    from sale_lines
    group by customer_key, transaction_id
),

orders_per_day as (
    select
        customer_key,
        first_sale_date as purchase_date,
        count(*) as new_order_count
    from order_first_days
    group by customer_key, first_sale_date
),

days as (
    select
        customer_key,
        transaction_date as purchase_date,
        sum(net_revenue) as sale_revenue
    from sale_lines
    group by customer_key, transaction_date
),

sequenced as (
    select
        days.customer_key,
        days.purchase_date,
        days.sale_revenue,
        coalesce(orders_per_day.new_order_count, 0) as new_order_count,
        lag(days.purchase_date) over customer_days as previous_purchase_date,
        lead(days.purchase_date) over customer_days as next_purchase_date,
        min(days.purchase_date) over customer_days as first_purchase_date,
        row_number() over customer_days as purchase_day_number
    from days
    left join orders_per_day
        on
            days.customer_key = orders_per_day.customer_key
            and days.purchase_date = orders_per_day.purchase_date
    window customer_days as (partition by days.customer_key order by days.purchase_date)
),

gapped as (
    select
        *,
        {{ dbt.datediff('previous_purchase_date', 'purchase_date', 'day') }} as gap_days
    from sequenced
)

select
    customer_key,
    purchase_date,
    previous_purchase_date,
    next_purchase_date,
    first_purchase_date,
    cast(gap_days as integer) as gap_days,
    cast(purchase_day_number as bigint) as purchase_day_count,
    cast(sum(new_order_count) over customer_days as bigint) as purchase_count,
    cast(max(gap_days) over customer_days as integer) as longest_gap_days,
    cast(sale_revenue as decimal(38, 4)) as sale_revenue
from gapped
window customer_days as (
    partition by customer_key order by purchase_date rows between unbounded preceding and current row
)
