-- Nothing of a customer record lost: every raw customer row is either the version of its record
-- in use (one per source system and customer id) or a superseded row with its reason, exactly
-- once. Returns a row (fails) when the counts disagree.
with

raw_rows as (
    select count(*) as row_count from {{ source('crm', 'customers') }}
),

records as (
    select count(*) as row_count from {{ ref('int_customer_identity__records') }}
),

superseded_rows as (
    select count(*) as row_count from {{ ref('superseded_customer_records') }}
)

select
    raw_rows.row_count as raw_row_count,
    records.row_count as record_count,
    superseded_rows.row_count as superseded_row_count
from raw_rows
cross join records
cross join superseded_rows
where raw_rows.row_count <> records.row_count + superseded_rows.row_count
