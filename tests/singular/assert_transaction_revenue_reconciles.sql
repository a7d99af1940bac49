-- Raw signed net revenue (quantity x unit price - discount, negative for returns), computed
-- here from the raw table itself, equals fact revenue plus quarantined revenue to the cent.
-- In DECIMAL(38, 4), like the models: a line at the contract's limits does not overflow it.
with

raw_revenue as (
    select
        sum(
            case when lower(trim(transaction_type)) = 'return' then -1 else 1 end
            * (cast(quantity as decimal(38, 4)) * unit_price - coalesce(discount_amount, 0))
        ) as revenue
    from {{ source('crm', 'transactions') }}
),

fact_revenue as (
    select coalesce(sum(net_revenue), 0) as revenue from {{ ref('fct_sales') }}
),

quarantined_revenue as (
    select coalesce(sum(net_revenue), 0) as revenue from {{ ref('quarantine_transactions') }}
)

select
    raw_revenue.revenue as raw_revenue,
    fact_revenue.revenue as fact_revenue,
    quarantined_revenue.revenue as quarantined_revenue
from raw_revenue
cross join fact_revenue
cross join quarantined_revenue
where round(raw_revenue.revenue, 2) <> round(fact_revenue.revenue + quarantined_revenue.revenue, 2)
