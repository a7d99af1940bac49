-- One row per raw transaction line: cleaned, typed, signed money, and flagged. Lines that
-- need other tables to judge (unknown customer or product, duplicate keys) are judged later.
with

source as (
    select * from {{ source('crm', 'transactions') }}
),

renamed as (
    select
        {{ raw_row_key() }} as raw_row_key,
        trim(transaction_id) as transaction_id,
        line_number,
        trim(customer_id) as customer_id,
        lower(trim(source_system)) as source_system,
        trim(product_id) as product_id,
        transaction_at,
        lower(trim(transaction_type)) as transaction_type,
        transaction_type <> lower(trim(transaction_type)) as is_transaction_type_recoded,
        quantity,
        unit_price,
        cast(coalesce(discount_amount, 0) as decimal(18, 4)) as discount_amount,
        lower(trim(channel)) as channel,
        loaded_at,
        _batch_id as batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select
    raw_row_key,
    transaction_id,
    line_number,
    customer_id,
    source_system,
    product_id,
    transaction_at,
    cast(transaction_at as date) as transaction_date,
    transaction_type,
    quantity,
    unit_price,
    discount_amount,
    {{ signed_line_amount('transaction_type', 'quantity', 'unit_price', 'discount_amount') }} as net_revenue,
    channel,
    loaded_at,
    transaction_type in ('sale', 'return') as is_valid_transaction_type,
    coalesce(is_transaction_type_recoded, false) as is_transaction_type_recoded,
    transaction_at is null as is_missing_transaction_at,
    coalesce(
        transaction_at > {{ dbt.dateadd('hour', var('future_timestamp_tolerance_hours'), 'loaded_at') }},
        false
    ) as is_future_transaction_at,
    coalesce(
        transaction_at < cast('{{ var("earliest_transaction_date") }}' as timestamp),
        false
    ) as is_before_earliest_transaction_at,
    coalesce(quantity <= 0, true) as is_non_positive_quantity,
    discount_amount < 0 as is_negative_discount,
    -- a discount larger than what the units cost before it would make a sale pay the customer
    coalesce(discount_amount > cast(quantity as decimal(38, 4)) * unit_price, false) as is_discount_above_gross,
    batch_id,
    source_file,
    source_row_number
from renamed
