-- Each customer's loyalty tier on every state date of the customer-state grid (each month-end
-- and the as-of date). The tier a customer qualifies for is the best tier of seed loyalty_tiers
-- whose min_trailing_revenue their net revenue over the profitability window reaches (0 without
-- a sale in the window; every customer who has bought is at least in the lowest tier).
--
-- Hysteresis: a tier, once reached, is kept until the customer has failed to qualify for it at
-- every month-end of the last loyalty_tier_hold_months months, so one quiet month does not
-- demote anybody. The tier held on a date is the best tier qualified for on that date or on
-- the month-ends of the loyalty_tier_hold_months - 1 months before it; an upgrade takes effect
-- at once. The as-of date, when it is not a month-end, counts as its month's date (the
-- month-end after it is never looked at).
{%- set hold = var('loyalty_tier_hold_months') | int %}

with

grid as (
    select * from {{ ref('int_customer_state__grid') }}
),

dates as (
    select * from {{ ref('int_customer_state__dates') }}
),

tiers as (
    select * from {{ ref('loyalty_tiers') }}
),

lowest_tier as (
    select max(tier_rank) as tier_rank from tiers
),

states as (
    select
        grid.customer_key,
        grid.state_date,
        dates.is_month_end,
        dates.is_as_of_date,
        extract(year from grid.state_date) * 12 + extract(month from grid.state_date) as month_number,
        coalesce(grid.revenue, 0) as trailing_revenue
    from grid
    inner join dates on grid.state_date = dates.state_date
),

qualified as (
    select
        states.customer_key,
        states.state_date,
        coalesce(min(tiers.tier_rank), max(lowest_tier.tier_rank)) as qualifying_tier_rank
    from states
    cross join lowest_tier
    left join tiers on states.trailing_revenue >= tiers.min_trailing_revenue
    group by states.customer_key, states.state_date
),

ranked as (
    select
        states.*,
        qualified.qualifying_tier_rank
    from states
    inner join qualified
        on states.customer_key = qualified.customer_key and states.state_date = qualified.state_date
),

-- month-ends: the best tier qualified for at this and the hold - 1 month-ends before
month_end_tiers as (
    select
        customer_key,
        state_date,
        month_number,
        trailing_revenue,
        qualifying_tier_rank,
        min(qualifying_tier_rank) over (
            partition by customer_key
            order by month_number
            range between {{ hold - 1 }} preceding and current row
        ) as tier_rank
    from ranked
    where is_month_end
),

-- the as-of date when it falls within a month: its own tier and the month-ends before it
as_of_tiers as (
    select
        as_of.customer_key,
        as_of.state_date,
        as_of.month_number,
        as_of.trailing_revenue,
        as_of.qualifying_tier_rank,
        least(as_of.qualifying_tier_rank, coalesce(min(earlier.qualifying_tier_rank), as_of.qualifying_tier_rank))
            as tier_rank
    from ranked as as_of
    left join ranked as earlier
        on
            as_of.customer_key = earlier.customer_key
            and earlier.is_month_end
            and as_of.month_number - {{ hold }} < earlier.month_number
            and as_of.state_date > earlier.state_date
    where as_of.is_as_of_date and not as_of.is_month_end
    group by
        as_of.customer_key,
        as_of.state_date,
        as_of.month_number,
        as_of.trailing_revenue,
        as_of.qualifying_tier_rank
),

held as (
    select * from month_end_tiers
    union all
    select * from as_of_tiers
)

select
    held.customer_key,
    held.state_date,
    cast(held.trailing_revenue as decimal(38, 2)) as trailing_revenue,
    qualifying.loyalty_tier as qualifying_tier,
    cast(held.qualifying_tier_rank as integer) as qualifying_tier_rank,
    tier.loyalty_tier,
    cast(held.tier_rank as integer) as tier_rank,
    held.tier_rank < held.qualifying_tier_rank as is_held_by_hysteresis
from held
inner join tiers as qualifying on held.qualifying_tier_rank = qualifying.tier_rank
inner join tiers as tier on held.tier_rank = tier.tier_rank
