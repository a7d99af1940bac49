-- One row per product: its most recently updated version (later batches win ties).
with

products as (
    select * from {{ ref('stg_crm__products') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by product_id
            order by updated_at desc nulls last, batch_id desc, source_row_number desc
        ) as version_rank
    from products
)

select
    product_id,
    product_name,
    category,
    unit_cost,
    list_price,
    is_priced_below_cost,
    updated_at
from ranked
where version_rank = 1
