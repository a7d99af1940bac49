-- Customer rows that are not the version of their record in use, and why; nothing of a
-- customer record is dropped silently. The attributes themselves stay in raw (find the row by
-- batch, file and row number): this mart carries no personal data.
with

superseded as (
    select * from {{ ref('int_customers__superseded_versions') }}
)

select
    raw_row_key,
    source_system,
    customer_id,
    reason_code,
    differing_columns,
    version_rank,
    in_use_raw_row_key,
    updated_at,
    in_use_updated_at,
    batch_loaded_at,
    batch_id,
    source_file,
    source_row_number
from superseded
