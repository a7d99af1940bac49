-- Each customer's window revenue for every as-of date the customer state was built for, kept
-- across runs (like the snapshot, a full refresh does not erase it), so the segment migration
-- can report the revenue of the customers who moved. backfill --rebuild clears it.
{{
    config(
        materialized='incremental',
        unique_key=['customer_key', 'as_of_date'],
        incremental_strategy='delete+insert',
        full_refresh=false
    )
}}

with

profitability as (
    select * from {{ ref('customer_profitability') }}
)

select
    customer_key,
    as_of_date,
    revenue
from profitability
