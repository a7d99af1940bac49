with

source as (
    select * from {{ source('crm', 'contact_permissions') }}
)

select
    {{ raw_row_key() }} as raw_row_key,
    trim(customer_id) as customer_id,
    lower(trim(source_system)) as source_system,
    lower(trim(channel)) as channel,
    lower(trim(permission)) as permission,
    recorded_at,
    _loaded_at as batch_loaded_at,
    coalesce(
        recorded_at > {{ dbt.dateadd('hour', var('future_timestamp_tolerance_hours'), '_loaded_at') }},
        false
    ) as is_future_recorded_at,
    _batch_id as batch_id,
    _source_file as source_file,
    _source_row_number as source_row_number
from source
