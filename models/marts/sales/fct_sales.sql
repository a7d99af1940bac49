-- One row per trusted transaction line, in the warehouse currency. Returns count negative in
-- revenue, cost of goods and profit. Cost of goods uses the product's current unit cost.
with

screened as (
    select * from {{ ref('int_transactions__screened') }}
),

products as (
    select * from {{ ref('int_products__latest') }}
),

trusted as (
    select * from screened
    where reason_count = 0
),

costed as (
    select
        trusted.*,
        products.unit_cost,
        cast(
            case when trusted.transaction_type = 'return' then -1 else 1 end * trusted.quantity * products.unit_cost
            as decimal(18, 4)
        ) as cogs
    from trusted
    inner join products on trusted.product_id = products.product_id
)

select
    {{ dbt.hash("transaction_id || '|' || cast(line_number as varchar)") }} as sales_line_key,
    transaction_id,
    line_number,
    customer_key,
    {{ dbt.hash('product_id') }} as product_key,
    product_id,
    transaction_date,
    transaction_at,
    channel,
    transaction_type,
    transaction_type = 'return' as is_return,
    quantity,
    unit_price,
    discount_amount,
    net_revenue,
    unit_cost,
    cogs,
    cast(net_revenue - cogs as decimal(18, 4)) as gross_profit,
    loaded_at,
    raw_row_key
from costed
