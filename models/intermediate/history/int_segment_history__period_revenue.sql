-- Each customer's window revenue for every as-of date the customer state was built for, kept
-- across runs (like the snapshot, a full refresh does not erase it), so the segment migration
-- can report the revenue of the customers who moved. backfill --rebuild clears it.
-- On Spark (no delete on Parquet tables) each run overwrites the partitions of the dates it writes.
{{
    config(
        materialized='incremental',
        unique_key=['customer_key', 'as_of_date'],
        incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
        partition_by=(['as_of_date'] if target.type == 'spark' else none),
        full_refresh=false
    )
}}

with

as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

state as (
    select * from {{ ref('int_customer_state__grid') }}
)

select
    state.customer_key,
    state.state_date as as_of_date,
    state.revenue
from state
inner join as_of on state.state_date = as_of.as_of_date
where state.is_in_window
