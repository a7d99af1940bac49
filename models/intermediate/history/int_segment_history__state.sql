-- The tracked segment values of every customer who had bought by the as-of date: the state the
-- segment history snapshot records (ABC class, decile, RFM segment, lifecycle stage and loyalty
-- tier; ABC class, decile and RFM segment are null for customers
-- with no sale in the profitability window). The as-of slice of the customer-state grid.
-- Not on Spark, which has no snapshot: there int_segment_history__recorded_states records the
-- grid's dates itself.
{{ config(enabled=(target.type != 'spark')) }}

with

as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

state as (
    select * from {{ ref('int_customer_state__grid') }}
),

tiers as (
    select * from {{ ref('int_loyalty__tiers') }}
)

select
    state.customer_key,
    state.state_date as as_of_date,
    cast(state.state_date as timestamp) as as_of_at,
    state.abc_class,
    state.profit_decile,
    state.rfm_segment,
    state.lifecycle_stage,
    tiers.loyalty_tier
from state
inner join as_of on state.state_date = as_of.as_of_date
left join tiers on state.customer_key = tiers.customer_key and state.state_date = tiers.state_date
