-- How dirty is the delivered data? One row per staging check with rows checked and failing.
-- Run: dbt compile -s staging_quality_overview, then execute target/compiled/.../staging_quality_overview.sql
with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

transactions as (
    select * from {{ ref('stg_crm__transactions') }}
),

customer_checks as (
    select
        'customers' as table_name,
        count(*) as rows_checked,
        count(*) filter (where birth_date_status = 'sentinel') as sentinel_birth_date,
        count(*) filter (where birth_date_status = 'impossible') as impossible_birth_date,
        count(*) filter (where not is_valid_email) as invalid_or_missing_email,
        count(*) filter (where not is_valid_phone) as invalid_or_missing_phone,
        count(*) filter (where not has_address) as missing_address
    from customers
),

transaction_checks as (
    select
        'transactions' as table_name,
        count(*) as rows_checked,
        count(*) filter (where is_missing_transaction_at) as missing_transaction_at,
        count(*) filter (where is_future_transaction_at) as future_transaction_at,
        count(*) filter (where is_non_positive_quantity) as non_positive_quantity,
        count(*) filter (where not is_valid_transaction_type) as invalid_transaction_type
    from transactions
)

select
    customer_checks.table_name,
    checks.check_name,
    customer_checks.rows_checked,
    checks.rows_failing
from customer_checks
cross join
    lateral (
        values
        ('sentinel_birth_date', customer_checks.sentinel_birth_date),
        ('impossible_birth_date', customer_checks.impossible_birth_date),
        ('invalid_or_missing_email', customer_checks.invalid_or_missing_email),
        ('invalid_or_missing_phone', customer_checks.invalid_or_missing_phone),
        ('missing_address', customer_checks.missing_address)
    ) as checks (check_name, rows_failing)

union all

select
    transaction_checks.table_name,
    checks.check_name,
    transaction_checks.rows_checked,
    checks.rows_failing
from transaction_checks
cross join lateral (
    values
    ('missing_transaction_at', transaction_checks.missing_transaction_at),
    ('future_transaction_at', transaction_checks.future_transaction_at),
    ('non_positive_quantity', transaction_checks.non_positive_quantity),
    ('invalid_transaction_type', transaction_checks.invalid_transaction_type)
) as checks (check_name, rows_failing)
