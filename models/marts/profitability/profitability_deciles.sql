-- Ten rows, one per profitability decile (1 = most profitable tenth of customers), with the
-- decile's share of total net profit and the cumulative share down to it.
with

as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

customers as (
    select * from {{ ref('customer_profitability') }}
),

deciles as (
    {{ dbt.generate_series(10) }}
),

per_decile as (
    select
        profit_decile,
        count(*) as customer_count,
        sum(revenue) as revenue,
        sum(gross_profit) as gross_profit,
        sum(cost_to_serve) as cost_to_serve,
        sum(net_profit) as net_profit,
        avg(order_count) as avg_order_count,
        avg(distinct_product_count) as avg_distinct_product_count,
        sum(return_line_count) as return_line_count,
        sum(sale_line_count + return_line_count) as line_count
    from customers
    group by profit_decile
),

totals as (
    select sum(net_profit) as total_net_profit from customers
),

filled as (
    select
        cast(deciles.generated_number as integer) as profit_decile,
        coalesce(per_decile.customer_count, 0) as customer_count,
        coalesce(per_decile.revenue, 0) as revenue,
        coalesce(per_decile.gross_profit, 0) as gross_profit,
        coalesce(per_decile.cost_to_serve, 0) as cost_to_serve,
        coalesce(per_decile.net_profit, 0) as net_profit,
        per_decile.avg_order_count,
        per_decile.avg_distinct_product_count,
        per_decile.return_line_count,
        per_decile.line_count,
        totals.total_net_profit
    from deciles
    cross join totals
    left join per_decile on deciles.generated_number = per_decile.profit_decile
)

select
    profit_decile,
    (select as_of.as_of_date from as_of) as as_of_date,
    cast(customer_count as bigint) as customer_count,
    cast(revenue as decimal(38, 2)) as revenue,
    cast(gross_profit as decimal(38, 2)) as gross_profit,
    cast(cost_to_serve as decimal(38, 2)) as cost_to_serve,
    cast(net_profit as decimal(38, 2)) as net_profit,
    case when total_net_profit <> 0 then cast(net_profit as {{ type_double() }}) / total_net_profit end
        as net_profit_share,
    case
        when total_net_profit <> 0
            then
                cast(
                    sum(net_profit) over (order by profit_decile rows between unbounded preceding and current row)
                    as {{ type_double() }}
                )
                / total_net_profit
    end as cumulative_net_profit_share,
    cast(avg_order_count as {{ type_double() }}) as avg_order_count,
    cast(avg_distinct_product_count as {{ type_double() }}) as avg_distinct_product_count,
    case when line_count > 0 then cast(return_line_count as {{ type_double() }}) / line_count end as return_rate
from filled
