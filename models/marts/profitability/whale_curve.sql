-- The whale curve: customers ranked by net profit (most profitable first), cut into 100
-- percentiles; for each, the cumulative share of total net profit earned by the customers
-- up to and including it. It rises above 1 and falls back to 1 when loss-makers exist.
with

as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

customers as (
    select * from {{ ref('customer_profitability') }}
),

percentiles as (
    {{ dbt.generate_series(100) }}
),

ranked as (
    select
        net_profit,
        ntile(100) over (order by net_profit desc, customer_key asc) as customer_percentile
    from customers
),

per_percentile as (
    select
        customer_percentile,
        count(*) as customer_count,
        sum(net_profit) as net_profit
    from ranked
    group by customer_percentile
),

totals as (
    select
        count(*) as total_customers,
        sum(net_profit) as total_net_profit
    from customers
),

filled as (
    select
        cast(percentiles.generated_number as integer) as customer_percentile,
        coalesce(per_percentile.customer_count, 0) as customer_count,
        coalesce(per_percentile.net_profit, 0) as net_profit,
        totals.total_customers,
        totals.total_net_profit
    from percentiles
    cross join totals
    left join per_percentile on percentiles.generated_number = per_percentile.customer_percentile
),

cumulated as (
    select
        *,
        sum(customer_count) over (order by customer_percentile rows between unbounded preceding and current row)
            as cumulative_customer_count,
        sum(net_profit) over (order by customer_percentile rows between unbounded preceding and current row)
            as cumulative_net_profit
    from filled
)

select
    customer_percentile,
    (select as_of.as_of_date from as_of) as as_of_date,
    cast(customer_count as bigint) as customer_count,
    cast(net_profit as decimal(38, 2)) as net_profit,
    cast(cumulative_net_profit as decimal(38, 2)) as cumulative_net_profit,
    case when total_customers > 0 then cast(cumulative_customer_count as {{ type_double() }}) / total_customers end
        as cumulative_customer_share,
    case when total_net_profit <> 0 then cast(cumulative_net_profit as {{ type_double() }}) / total_net_profit end
        as cumulative_net_profit_share
from cumulated
