-- The loyalty tiers seed makes sense: a better tier (lower tier_rank) needs more revenue than
-- every worse one, and the lowest tier starts at 0 so every customer who has bought has a tier.
with

tiers as (
    select * from {{ ref('loyalty_tiers') }}
)

select
    better.loyalty_tier,
    'needs no more revenue than the worse tier ' || worse.loyalty_tier as problem
from tiers as better
inner join tiers as worse on better.tier_rank < worse.tier_rank
where better.min_trailing_revenue <= worse.min_trailing_revenue
union all
select
    loyalty_tier,
    'is the lowest tier but needs ' || min_trailing_revenue || ' (it must start at 0)' as problem
from tiers
where
    tier_rank = (select max(tiers_again.tier_rank) from tiers as tiers_again)
    and min_trailing_revenue <> 0
