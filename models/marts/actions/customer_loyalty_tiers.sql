-- Each customer's loyalty tier as of the as-of date (seed loyalty_tiers on net revenue over the
-- profitability window, with the hold of loyalty_tier_hold_months months: see
-- int_loyalty__tiers), the tier their revenue alone would give, and the tier at the month-end
-- before, so this month's upgrades and downgrades can be listed.
with

as_of as (
    select * from {{ ref('int_customer_state__as_of') }}
),

tiers as (
    select * from {{ ref('int_loyalty__tiers') }}
),

current_tiers as (
    select tiers.*
    from tiers
    inner join as_of on tiers.state_date = as_of.as_of_date
),

previous_tiers as (
    select
        tiers.customer_key,
        tiers.loyalty_tier,
        tiers.tier_rank
    from tiers
    inner join as_of
        on tiers.state_date = cast({{ dbt.last_day(dbt.dateadd('month', -1, 'as_of.as_of_date'), 'month') }} as date)
)

select
    current_tiers.customer_key,
    current_tiers.state_date as as_of_date,
    current_tiers.trailing_revenue,
    current_tiers.loyalty_tier,
    current_tiers.tier_rank,
    current_tiers.qualifying_tier,
    current_tiers.is_held_by_hysteresis,
    previous_tiers.loyalty_tier as previous_month_end_tier,
    case
        when previous_tiers.tier_rank is null then 'new'
        when current_tiers.tier_rank < previous_tiers.tier_rank then 'upgraded'
        when current_tiers.tier_rank > previous_tiers.tier_rank then 'downgraded'
        else 'unchanged'
    end as tier_movement
from current_tiers
left join previous_tiers on current_tiers.customer_key = previous_tiers.customer_key
