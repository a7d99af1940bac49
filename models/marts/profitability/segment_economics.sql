-- Three rows, one per ABC class: how many customers, what they bring and what serving them
-- costs, so each class's service level can be set to what it earns.
with

as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

segments as (
    select * from {{ ref('customer_segments') }}
),

profitability as (
    select * from {{ ref('customer_profitability') }}
),

classes as (
    select 'A' as abc_class
    union all
    select 'B' as abc_class
    union all
    select 'C' as abc_class
),

per_class as (
    select
        segments.abc_class,
        count(*) as customer_count,
        sum(profitability.revenue) as revenue,
        sum(profitability.gross_profit) as gross_profit,
        sum(profitability.cost_to_serve) as cost_to_serve,
        sum(profitability.net_profit) as net_profit,
        {{ count_where('segments.is_loss_making') }} as loss_making_customer_count,
        {{ count_where('segments.is_strategic') }} as strategic_customer_count
    from segments
    inner join profitability on segments.customer_key = profitability.customer_key
    group by segments.abc_class
),

totals as (
    select
        sum(customer_count) as total_customers,
        sum(net_profit) as total_net_profit,
        sum(revenue) as total_revenue
    from per_class
),

filled as (
    select
        classes.abc_class,
        coalesce(per_class.customer_count, 0) as customer_count,
        coalesce(per_class.revenue, 0) as revenue,
        coalesce(per_class.gross_profit, 0) as gross_profit,
        coalesce(per_class.cost_to_serve, 0) as cost_to_serve,
        coalesce(per_class.net_profit, 0) as net_profit,
        coalesce(per_class.loss_making_customer_count, 0) as loss_making_customer_count,
        coalesce(per_class.strategic_customer_count, 0) as strategic_customer_count,
        totals.total_customers,
        totals.total_net_profit,
        totals.total_revenue
    from classes
    cross join totals
    left join per_class on classes.abc_class = per_class.abc_class
)

select
    abc_class,
    (select as_of.as_of_date from as_of) as as_of_date,
    cast(customer_count as bigint) as customer_count,
    case when total_customers > 0 then cast(customer_count as {{ type_double() }}) / total_customers end
        as customer_share,
    cast(revenue as decimal(38, 2)) as revenue,
    case when total_revenue <> 0 then cast(revenue as {{ type_double() }}) / total_revenue end as revenue_share,
    cast(gross_profit as decimal(38, 2)) as gross_profit,
    cast(net_profit as decimal(38, 2)) as net_profit,
    case when total_net_profit <> 0 then cast(net_profit as {{ type_double() }}) / total_net_profit end
        as net_profit_share,
    cast(cost_to_serve as decimal(38, 2)) as cost_to_serve,
    {{ cents(
        'case when customer_count > 0 then cast(cost_to_serve as ' ~ type_double() ~ ') / customer_count end',
        from_float=true
    ) }}
        as cost_to_serve_per_customer,
    case when revenue <> 0 then cast(cost_to_serve as {{ type_double() }}) / revenue end
        as cost_to_serve_share_of_revenue,
    cast(loss_making_customer_count as bigint) as loss_making_customer_count,
    cast(strategic_customer_count as bigint) as strategic_customer_count
from filled
