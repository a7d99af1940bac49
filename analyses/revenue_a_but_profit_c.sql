-- Customers who look important by revenue (class A on revenue) but bring little or lose money
-- (class C on net profit): big accounts eaten by discounts, returns and service contacts.
-- ABC on revenue is recomputed here with the same rule (macro abc_class) as customer_segments,
-- so the mart can stay on the configured metric.
with

profitability as (
    select * from {{ ref('customer_profitability') }}
),

segments as (
    select * from {{ ref('customer_segments') }}
),

revenue_ranked as (
    select
        customer_key,
        sum(case when revenue > 0 then revenue else 0 end) over (
            order by revenue desc, customer_key asc rows between unbounded preceding and current row
        ) as running_positive_revenue,
        sum(case when revenue > 0 then revenue else 0 end) over () as total_positive_revenue,
        revenue
    from profitability
),

revenue_classes as (
    select
        customer_key,
        {{ abc_class('revenue', 'running_positive_revenue', 'total_positive_revenue') }} as revenue_abc_class
    from revenue_ranked
)

select
    profitability.customer_key,
    profitability.revenue,
    profitability.gross_profit,
    profitability.cost_to_serve,
    profitability.net_profit,
    profitability.return_rate,
    profitability.interaction_count,
    segments.abc_class as net_profit_abc_class
from profitability
inner join revenue_classes on profitability.customer_key = revenue_classes.customer_key
inner join segments on profitability.customer_key = segments.customer_key
where
    revenue_classes.revenue_abc_class = 'A'
    and segments.abc_value_metric = 'net_profit'
    and segments.abc_class = 'C'
order by profitability.net_profit asc
