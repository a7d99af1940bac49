with

source as (
    select * from {{ source('crm', 'products') }}
),

renamed as (
    select
        {{ raw_row_key() }} as raw_row_key,
        trim(product_id) as product_id,
        nullif(trim(product_name), '') as product_name,
        {{ normalise_text('category') }} as category,
        unit_cost,
        list_price,
        updated_at,
        _batch_id as batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select
    raw_row_key,
    product_id,
    product_name,
    category,
    unit_cost,
    list_price,
    coalesce(list_price < unit_cost, false) as is_priced_below_cost,
    updated_at,
    batch_id,
    source_file,
    source_row_number
from renamed
