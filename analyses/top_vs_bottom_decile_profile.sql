-- Who are the most and the least profitable tenth of customers? Side by side: size, money,
-- activity, products bought, returns, service contacts and customer mix. Compare the average
-- distinct products: if both deciles buy about as many products, "sell more products" is
-- not what separates profitable customers from the rest.
with

profitability as (
    select * from {{ ref('customer_profitability') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
)

select
    profitability.profit_decile,
    count(*) as customer_count,
    sum(profitability.revenue) as revenue,
    sum(profitability.net_profit) as net_profit,
    avg(profitability.net_profit) as avg_net_profit,
    avg(profitability.order_count) as avg_order_count,
    avg(profitability.distinct_product_count) as avg_distinct_product_count,
    avg(profitability.return_rate) as avg_return_rate,
    avg(profitability.interaction_count) as avg_interaction_count,
    avg(profitability.cost_to_serve) as avg_cost_to_serve,
    avg(case when customers.customer_type = 'B2C' then 1.0 else 0.0 end) as b2c_share,
    avg(case when customers.is_merged then 1.0 else 0.0 end) as merged_record_share
from profitability
inner join customers on profitability.customer_key = customers.customer_key
where profitability.profit_decile in (1, 10)
group by profitability.profit_decile
order by profitability.profit_decile
