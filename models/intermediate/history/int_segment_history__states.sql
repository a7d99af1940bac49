-- The customer state the segment history records, on every date of the state grid: the
-- tracked segment values (segment_history_tracked_columns) and the window revenue of every
-- customer who had bought by that date. ABC class, decile and RFM segment are null for
-- customers with no sale in the profitability window.
with

state as (
    select * from {{ ref('int_customer_state__grid') }}
),

tiers as (
    select * from {{ ref('int_loyalty__tiers') }}
)

select
    state.customer_key,
    state.state_date as as_of_date,
    state.abc_class,
    state.profit_decile,
    state.rfm_segment,
    state.lifecycle_stage,
    tiers.loyalty_tier,
    state.is_in_window,
    state.revenue
from state
left join tiers on state.customer_key = tiers.customer_key and state.state_date = tiers.state_date
