-- The decile summary loses and invents nothing: its customers and money add up to
-- customer_profitability, its net profit shares sum to 1, and so does the whale curve's end.
with

customers as (
    select
        count(*) as customer_count,
        sum(revenue) as revenue,
        sum(gross_profit) as gross_profit,
        sum(cost_to_serve) as cost_to_serve,
        sum(net_profit) as net_profit
    from {{ ref('customer_profitability') }}
),

deciles as (
    select
        sum(customer_count) as customer_count,
        sum(revenue) as revenue,
        sum(gross_profit) as gross_profit,
        sum(cost_to_serve) as cost_to_serve,
        sum(net_profit) as net_profit,
        sum(net_profit_share) as net_profit_share
    from {{ ref('profitability_deciles') }}
),

whale_end as (
    select
        cumulative_net_profit_share,
        cumulative_customer_share
    from {{ ref('whale_curve') }}
    where customer_percentile = 100
)

select
    customers.customer_count,
    deciles.customer_count as decile_customer_count,
    deciles.net_profit_share,
    whale_end.cumulative_net_profit_share
from customers
cross join deciles
cross join whale_end
where
    customers.customer_count > 0
    and (
        customers.customer_count <> deciles.customer_count
        or customers.revenue <> deciles.revenue
        or customers.gross_profit <> deciles.gross_profit
        or customers.cost_to_serve <> deciles.cost_to_serve
        or customers.net_profit <> deciles.net_profit
        or abs(deciles.net_profit_share - 1) > 1e-9
        or abs(whale_end.cumulative_net_profit_share - 1) > 1e-9
        or abs(whale_end.cumulative_customer_share - 1) > 1e-9
    )
