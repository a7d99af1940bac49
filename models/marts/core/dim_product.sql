-- One row per product, with its current cost, price and margin.
with

products as (
    select * from {{ ref('int_products__latest') }}
)

select
    {{ dbt.hash('product_id') }} as product_key,
    product_id,
    product_name,
    category,
    unit_cost,
    list_price,
    cast(list_price - unit_cost as decimal(18, 4)) as list_margin,
    case when list_price > 0 then cast((list_price - unit_cost) / list_price as {{ type_double() }}) end
        as list_margin_share,
    is_priced_below_cost,
    updated_at
from products
