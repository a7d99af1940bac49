-- One row per trusted transaction line, in the warehouse currency: the line economics of
-- int_sales__lines (incremental) published as the public fact. A view, so the lines are
-- stored once; its contract and tests hold the public interface.
{{ config(materialized='view') }}

with

lines as (
    select * from {{ ref('int_sales__lines') }}
)

select
    sales_line_key,
    transaction_id,
    line_number,
    customer_key,
    product_key,
    product_id,
    transaction_date,
    transaction_at,
    channel,
    transaction_type,
    is_return,
    quantity,
    unit_price,
    discount_amount,
    net_revenue,
    unit_cost,
    cogs,
    gross_profit,
    loaded_at,
    batch_id,
    raw_row_key
from lines
