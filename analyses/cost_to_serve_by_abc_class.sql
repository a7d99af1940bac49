-- What does serving each ABC class cost, and from which component? Sets the service level per
-- class: a cost-to-serve share of revenue far above A's is where cheaper channels pay off.
with

segments as (
    select * from {{ ref('customer_segments') }}
),

profitability as (
    select * from {{ ref('customer_profitability') }}
)

select
    segments.abc_class,
    count(*) as customer_count,
    sum(profitability.order_handling_cost) as order_handling_cost,
    sum(profitability.return_handling_cost) as return_handling_cost,
    sum(profitability.interaction_cost) as interaction_cost,
    sum(profitability.cost_to_serve) as cost_to_serve,
    sum(profitability.cost_to_serve) / count(*) as cost_to_serve_per_customer,
    sum(profitability.cost_to_serve) / nullif(sum(profitability.revenue), 0) as cost_to_serve_share_of_revenue
from segments
inner join profitability on segments.customer_key = profitability.customer_key
group by segments.abc_class
order by segments.abc_class
