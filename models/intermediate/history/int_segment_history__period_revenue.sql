-- Each customer's window revenue for every as-of date the customer state was built for, kept
-- across runs (like the snapshot, a full refresh does not erase it), so the segment migration
-- can report the revenue of the customers who moved. backfill --rebuild clears it.
-- On Spark the recorded history keeps each recorded date's revenue (int_segment_history__recorded_states):
-- this is a view of it.
{{
    config(
        materialized=('view' if target.type == 'spark' else 'incremental'),
        unique_key=['customer_key', 'as_of_date'],
        incremental_strategy='delete+insert',
        full_refresh=false
    )
}}

{%- if target.type == 'spark' %}

select
    customer_key,
    as_of_date,
    revenue
from {{ ref('int_segment_history__recorded_states') }}
where revenue is not null

{%- else %}

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

{%- endif %}
