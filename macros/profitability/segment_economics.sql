{#- What each segment of the customers with a sale in the window brings and costs, one row per
    segment of `segment_values` (in that order, a row of zeros for an empty one): customers,
    revenue, gross and net profit, cost to serve, their shares of the total, cost to serve per
    customer and as a share of revenue, loss-making and strategic customers. `segment` is the SQL
    of a customer's segment over `segments` (customer_segments) and, with with_customers,
    `customers` (dim_customer); `name` is the output column that holds it. Read by
    segment_economics (ABC classes) and economics_by_customer_type (B2C, B2B, B2G). -#}
{% macro segment_economics_by(segment, segment_values, name, with_customers=false) -%}
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
{%- if with_customers %}

customers as (
    select * from {{ ref('dim_customer') }}
),
{%- endif %}

segment_values as (
    {%- for value in segment_values %}
    select
        {{ loop.index }} as segment_order,
        '{{ value }}' as segment_value
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

per_segment as (
    select
        {{ segment }} as segment_value,
        count(*) as customer_count,
        sum(profitability.revenue) as revenue,
        sum(profitability.gross_profit) as gross_profit,
        sum(profitability.cost_to_serve) as cost_to_serve,
        sum(profitability.net_profit) as net_profit,
        {{ count_where('segments.is_loss_making') }} as loss_making_customer_count,
        {{ count_where('segments.is_strategic') }} as strategic_customer_count
    from segments
    inner join profitability on segments.customer_key = profitability.customer_key
    {%- if with_customers %}
    inner join customers on segments.customer_key = customers.customer_key
    {%- endif %}
    group by {{ segment }}
),

totals as (
    select
        sum(customer_count) as total_customers,
        sum(net_profit) as total_net_profit,
        sum(revenue) as total_revenue
    from per_segment
),

filled as (
    select
        segment_values.segment_order,
        segment_values.segment_value,
        coalesce(per_segment.customer_count, 0) as customer_count,
        coalesce(per_segment.revenue, 0) as revenue,
        coalesce(per_segment.gross_profit, 0) as gross_profit,
        coalesce(per_segment.cost_to_serve, 0) as cost_to_serve,
        coalesce(per_segment.net_profit, 0) as net_profit,
        coalesce(per_segment.loss_making_customer_count, 0) as loss_making_customer_count,
        coalesce(per_segment.strategic_customer_count, 0) as strategic_customer_count,
        totals.total_customers,
        totals.total_net_profit,
        totals.total_revenue
    from segment_values
    cross join totals
    left join per_segment on segment_values.segment_value = per_segment.segment_value
)

select
    segment_value as {{ name }},
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
{%- endmacro %}
