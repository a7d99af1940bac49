-- Transaction lines that cannot be trusted, one row per raw line, with every delivered column,
-- the reason (by precedence) and all reasons that apply. Nothing is dropped silently.
with

screened as (
    select * from {{ ref('int_transactions__screened') }}
)

select
    raw_row_key,
    reason_code,
    reason_codes,
    reason_count,
    transaction_id,
    line_number,
    customer_id,
    source_system,
    customer_key,
    product_id,
    transaction_at,
    transaction_type,
    quantity,
    unit_price,
    discount_amount,
    net_revenue,
    channel,
    loaded_at,
    batch_id,
    source_file,
    source_row_number
from screened
where reason_count > 0
