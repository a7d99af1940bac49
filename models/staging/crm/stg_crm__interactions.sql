with

source as (
    select * from {{ source('crm', 'interactions') }}
),

renamed as (
    select
        {{ raw_row_key() }} as raw_row_key,
        trim(interaction_id) as interaction_id,
        trim(customer_id) as customer_id,
        lower(trim(source_system)) as source_system,
        interaction_at,
        lower(trim(interaction_type)) as interaction_type,
        _batch_id as batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select
    raw_row_key,
    interaction_id,
    customer_id,
    source_system,
    interaction_at,
    cast(interaction_at as date) as interaction_date,
    interaction_type,
    batch_id,
    source_file,
    source_row_number
from renamed
